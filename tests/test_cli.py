import csv
import json
import shutil

import pytest

from pipeline.model import served
from pipeline.model.predict import predict
from tests.helpers import PROJECT, copy_encoder, run_stance

TARGETS = ["membership_timing", "aid", "peace_talks"]
ROWS = [
    {"id": "r1", "text": "Allies should invite Ukraine at the next summit, the Polish president said.", "source": "x"},
    {"id": "r2", "text": "Hungary will veto any new weapons package for Kyiv, Budapest warned.", "source": "y"},
    {"id": "r3", "text": "Football fans gathered in Lviv for the derby.", "source": "z"},
]


def _csv(path, rows, fields=("id", "text", "source")):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _check_predicted(records, extra=("id", "text", "source")):
    assert len(records) == len(ROWS)
    for record, row in zip(records, ROWS, strict=True):
        for key in extra:
            assert str(record[key]) == row[key]
        for target in TARGETS:
            assert record[target]
            assert 0 < float(record[f"{target}_confidence"]) <= 1


def test_predict_csv_to_csv_keeps_every_column(trained_project, tmp_path):
    out = tmp_path / "out.csv"
    result = run_stance("predict", str(_csv(tmp_path / "in.csv", ROWS)), "-o", str(out), cwd=trained_project)
    assert result.returncode == 0, result.stderr
    records = list(csv.DictReader(open(out, encoding="utf-8")))
    _check_predicted(records)
    assert list(records[0])[:3] == ["id", "text", "source"]


def test_predict_jsonl_stdin_to_stdout(trained_project):
    stdin = "".join(json.dumps(r) + "\n" for r in ROWS)
    result = run_stance("predict", "-", "-o", "-", cwd=trained_project, stdin=stdin)
    assert result.returncode == 0, result.stderr
    _check_predicted([json.loads(line) for line in result.stdout.splitlines()])


def test_predict_with_other_text_column_and_explicit_model(trained_project, tmp_path, model_path):
    rows = [{"id": r["id"], "body": r["text"], "source": r["source"]} for r in ROWS]
    src = _csv(tmp_path / "in.csv", rows, ("id", "body", "source"))
    out = tmp_path / "out.jsonl"
    result = run_stance(
        "predict", str(src), "-o", str(out), "--text-column", "body", "--model", str(model_path), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["body"] for r in records] == [r["text"] for r in ROWS]


def test_classify_folder_offsets_and_targets(trained_project, tmp_path):
    folder = tmp_path / "news" / "sub"
    folder.mkdir(parents=True)
    article = (
        "Kyiv presses for invitation\n\nBRUSSELS - Mr. Zelensky said on Tuesday that Ukraine "
        'could not wait. "We need the invitation now," he said.\n\nTalks with Moscow are not planned.\n'
    )
    (folder / "a.txt").write_text(article, encoding="utf-8")
    (tmp_path / "news" / "ignored.pdf").write_bytes(b"%PDF")
    out = tmp_path / "out.jsonl"
    result = run_stance("classify", str(tmp_path / "news"), "-o", str(out), cwd=trained_project)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["sentence_index"] for r in records] == [0, 1, 2, 3]
    assert {r["article_id"] for r in records} == {"sub/a.txt"}
    for r in records:
        assert article[r["start"] : r["end"]] == r["text"]
        for target in TARGETS:
            assert 0 < r[f"{target}_confidence"] <= 1
    assert records[0]["text"] == "Kyiv presses for invitation"


def test_classify_writes_the_models_own_labels_and_confidences(trained_project, model_path, tmp_path):
    """The JSON lines are assembled from lookup tables; they must say exactly what the model says."""
    out = tmp_path / "out.jsonl"
    result = run_stance("classify", str(PROJECT / "data" / "articles"), "-o", str(out), cwd=trained_project)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    arrays = served.load(model_path)
    expected = predict(arrays, [r["text"] for r in records])
    assert len(records) > 100
    for target in arrays.targets:
        assert [r[target] for r in records] == expected[target].tolist()
        assert [r[f"{target}_confidence"] for r in records] == expected[f"{target}_confidence"].tolist()


def _assert_clean_failure(result, *fragments):
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("stance: error: ")
    for fragment in fragments:
        assert fragment in lines[0]


def test_missing_text_column(trained_project, tmp_path):
    src = _csv(tmp_path / "in.csv", [{"id": "1", "body": "x"}], ("id", "body"))
    out = tmp_path / "out.csv"
    _assert_clean_failure(
        run_stance("predict", str(src), "-o", str(out), cwd=trained_project), "no 'text' column", "in.csv"
    )
    assert not out.exists()


def test_broken_jsonl_line_is_named(trained_project, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "fine"}\n{"text": broken\n')
    out = tmp_path / "out.jsonl"
    _assert_clean_failure(run_stance("predict", str(src), "-o", str(out), cwd=trained_project), "line 2")
    assert not out.exists()


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["predict", "absent.csv", "-o", "out.csv"], "input file not found"),
        (["predict", "in.txt", "-o", "out.csv"], "unknown table format"),
        (["classify", "absent_folder", "-o", "out.jsonl"], "no such file or folder"),
        (["classify", ".", "-o", "out.txt"], "cannot tell the format"),
        (["classify", "data/articles", "-o", "missing/dir/out.jsonl"], "does not exist"),
    ],
)
def test_bad_paths(trained_project, args, fragment):
    _assert_clean_failure(run_stance(*args, cwd=trained_project), fragment)


def test_missing_and_tampered_models(trained_project, tmp_path):
    src = _csv(tmp_path / "in.csv", ROWS)
    _assert_clean_failure(
        run_stance("predict", str(src), "-o", "-", "--model", str(tmp_path / "no.npz"), cwd=trained_project),
        "model not found",
    )
    bad = tmp_path / "m.npz"
    shutil.copy(trained_project / "models" / "stance.npz", bad)
    shutil.copy(trained_project / "models" / "stance.json", tmp_path / "m.json")
    copy_encoder(trained_project / "models", tmp_path)
    with open(bad, "ab") as fh:
        fh.write(b"\0")
    out = tmp_path / "o.csv"
    _assert_clean_failure(
        run_stance("predict", str(src), "-o", str(out), "--model", str(bad), cwd=trained_project), "refusing to load"
    )
    assert not out.exists()


def test_invalid_utf8_article(trained_project, tmp_path):
    (tmp_path / "bad.txt").write_bytes(b"Headline\n\nBody \xff\xfe text.")
    out = tmp_path / "o.jsonl"
    _assert_clean_failure(
        run_stance("classify", str(tmp_path / "bad.txt"), "-o", str(out), "--strict", cwd=trained_project),
        "not valid UTF-8",
    )
    assert not out.exists() and not list(tmp_path.glob(".o.jsonl*"))


def test_help_explains_each_command(trained_project):
    for command in ("predict", "classify", "prepare", "train", "evaluate", "report"):
        result = run_stance(command, "--help", cwd=trained_project)
        assert result.returncode == 0 and "usage: stance " + command in result.stdout
    console = shutil.which("stance")
    assert console, "the console script `stance` is not installed"


def test_commands_run_with_fewer_garbage_collections_and_restore_the_setting(monkeypatch, capsys):
    import gc

    from pipeline import StanceError, cli

    seen = []

    def fake_classify(args):
        seen.append(gc.get_threshold())
        raise StanceError("stopped here")

    monkeypatch.setattr(cli, "cmd_classify", fake_classify)
    before = gc.get_threshold()
    assert cli.main(["classify", "in.jsonl", "-o", "out.jsonl"]) == cli.EXIT_USAGE
    assert seen == [(cli.GC_THRESHOLD, *before[1:])]
    assert gc.get_threshold() == before
    assert "stopped here" in capsys.readouterr().err
