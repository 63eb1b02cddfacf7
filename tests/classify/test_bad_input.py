"""The bad-input battery of docs/errors.md: each case through the `stance` command.

Most cases call `pipeline.cli.main`, the console script's own entry point,
in-process (argument parsing, the command, the error handler: everything but
the interpreter start, which costs two seconds a case); an exception escaping
it, which a user would see as a traceback, fails the test. The cases that need
a process of their own (memory and time of huge inputs, a failing disk) run
the real CLI in a subprocess. Every refusal must be exit code 2, one line
naming the file (row or line) and the problem, and leave no output behind.
"""

from __future__ import annotations

import csv
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.helpers import PROJECT, Result, copy_encoder, copy_project, run_stance, sample_articles

SAMPLES = PROJECT / "data" / "articles"

SAMPLE = sample_articles()[0].read_text(encoding="utf-8")
HEADER = "id,article_id,text,membership_timing,aid,peace_talks\n"
GOOD_ROWS = (
    'a1,,"Kyiv wants an invitation at the summit, not another communique.",now,none,none\n'
    'a2,,"The Pentagon announced a new tranche of artillery shells for Ukraine.",none,support,none\n'
)


def refused(result: Result, *fragments: str) -> str:
    """Exit 2 and exactly one line 'stance: error: ...' holding every fragment."""
    assert result.code == 2, result.err
    assert "Traceback" not in result.err
    assert len(result.lines) == 1 and result.lines[0].startswith("stance: error: "), result.err
    for fragment in fragments:
        assert fragment in result.lines[0], result.lines[0]
    return result.lines[0]


def nothing_in(folder: Path) -> None:
    left = sorted(p.name for p in folder.iterdir())
    assert left == [], f"left behind: {left}"


@pytest.fixture
def out_dir(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


# --- articles: skipped and counted in a batch, fatal with --strict --------------------------------------------------

ARTICLES = [
    # (case id, file name, bytes, the problem named on stderr)
    ("zero-byte-article", "zero.txt", b"", "empty text"),
    ("whitespace-article", "blank.md", b"  \n\t\n\n   ", "empty text"),
    ("binary-file", "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20, "binary file, not text"),
    ("invalid-utf8", "latin1.txt", "Café crème\n\nNo UTF-8 here.".encode("latin-1"), "not valid UTF-8 (byte 3)"),
    ("utf16-without-bom", "utf16.txt", "Headline\n\nBody.".encode("utf-16-le"), "binary file, not text"),
    (
        "sentence-8mb",
        "blob.txt",
        b"Headline\n\n" + b"word " * (8 * 2**20 // 5),
        "no sentence end or line break in more than 20,000 characters (from character 10); not prose",
    ),
]


@pytest.fixture(scope="module")
def bad_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad_articles")
    (folder / "good.txt").write_text(SAMPLE, encoding="utf-8")
    (folder / "bom16.txt").write_bytes("Kyiv asks for an invitation\n\nAllies disagree.".encode("utf-16"))
    for _, name, blob, _ in ARTICLES:
        (folder / name).write_bytes(blob)
    return folder


def test_bad_articles_are_skipped_counted_and_named(stance, trained_project, bad_folder, out_dir):
    out = out_dir / "o.jsonl"
    result = stance("classify", str(bad_folder), "-o", str(out), cwd=trained_project)
    assert result.code == 0 and "Traceback" not in result.err
    for _, name, _, problem in ARTICLES:
        assert f"stance: warning: {name}: {problem}; skipped" in result.lines
    assert result.lines[-1].startswith("classify: 2 articles,") and f", {len(ARTICLES)} skipped ->" in result.lines[-1]
    ids = {json.loads(line)["article_id"] for line in out.read_text(encoding="utf-8").splitlines()}
    assert ids == {"good.txt", "bom16.txt"}  # UTF-16 with a byte-order mark is read, not refused


@pytest.mark.parametrize("name, problem", [(n, p) for _, n, _, p in ARTICLES], ids=[c for c, *_ in ARTICLES])
def test_bad_article_is_fatal_with_strict(stance, trained_project, bad_folder, out_dir, name, problem):
    result = stance("classify", str(bad_folder / name), "-o", str(out_dir / "o.jsonl"), "--strict", cwd=trained_project)
    refused(result, f"{name}: {problem}")
    nothing_in(out_dir)


def _run_measured(args: list[str], cwd: Path, limit_file_size: int | None = None) -> tuple[int, str, float, float]:
    """Run the real CLI; (exit code, stderr, seconds, peak RSS in MB) of that one process."""
    env = {k: v for k, v in os.environ.items() if k != "STANCE_ROOT"}

    def limits():
        if limit_file_size is not None:  # writing past it fails with EFBIG, as on a full disk
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_file_size, limit_file_size))

    err_file = cwd / f".stderr.{time.monotonic_ns()}"
    started = time.monotonic()
    with open(err_file, "w") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", *args], cwd=cwd, env=env, stderr=err, preexec_fn=limits
        )
        # VmHWM of the running program, not ru_maxrss: that also counts the pytest process the child
        # was forked from, whose memory it shares until exec.
        peak_kb = 0
        while process.poll() is None:
            peak_kb = max(peak_kb, _high_water_kb(process.pid))
            time.sleep(0.02)
    seconds = time.monotonic() - started
    stderr = err_file.read_text()
    err_file.unlink()
    return process.returncode, stderr, seconds, peak_kb / 1024


def _high_water_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
    return int(match.group(1)) if match else 0


def test_article_100mb_without_newline_is_refused_cheaply(trained_project, tmp_path, out_dir):
    folder = tmp_path / "in"
    folder.mkdir()
    with open(folder / "dump.txt", "wb") as fh:
        for _ in range(100):
            fh.write(b"x" * 2**20)
    (folder / "good.txt").write_text(SAMPLE, encoding="utf-8")
    code, stderr, seconds, rss = _run_measured(
        ["classify", str(folder), "-o", str(out_dir / "o.jsonl")], cwd=trained_project
    )
    assert code == 0, stderr
    assert "stance: warning: dump.txt: too large: 100.0 MB (the limit is 10.0 MB); skipped" in stderr
    assert "1 skipped" in stderr and "Traceback" not in stderr
    assert seconds < 30 and rss < 400, (seconds, rss)  # never read: memory is that of an ordinary run


def test_jsonl_line_of_11mb_is_skipped_without_holding_it(stance, trained_project, tmp_path, out_dir):
    table = tmp_path / "t.jsonl"
    with open(table, "w", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "ok", "text": SAMPLE}) + "\n")
        fh.write('{"id": "huge", "text": "' + "y" * (11 * 2**20) + '"}\n')
        fh.write(json.dumps({"id": "ok2", "text": SAMPLE}) + "\n")
    result = stance("classify", str(table), "-o", str(out_dir / "o.jsonl"), cwd=trained_project)
    assert result.code == 0, result.err
    assert f"stance: warning: {table} line 2: line longer than 10.0 MB; skipped" in result.lines
    assert ", 1 skipped ->" in result.lines[-1]


# --- tables ---------------------------------------------------------------------------------------------------------


def _write_csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def test_csv_with_embedded_newlines_and_quotes_is_read_exactly(stance, trained_project, tmp_path, out_dir):
    text = 'Kyiv wants "an invitation now", the minister said.\n\nAllies, split, disagree; "no date" yet.'
    src = _write_csv(tmp_path / "t.csv", [["id", "text"], ["q1", text], ["q2", "Second, plain."]])
    result = stance("classify", str(src), "-o", str(out_dir / "o.jsonl"), cwd=trained_project)
    assert result.code == 0, result.err
    records = [json.loads(line) for line in (out_dir / "o.jsonl").read_text(encoding="utf-8").splitlines()]
    first = [r for r in records if r["article_id"] == "q1"]
    assert [r["text"] for r in first] == ['Kyiv wants "an invitation now", the minister said.', text.split("\n\n")[1]]
    assert all(text[r["start"] : r["end"]] == r["text"] for r in first)
    predicted = stance("predict", str(src), "-o", str(out_dir / "p.csv"), cwd=trained_project)
    assert predicted.code == 0, predicted.err
    rows = list(csv.DictReader(open(out_dir / "p.csv", encoding="utf-8", newline="")))
    assert [r["text"] for r in rows] == [text, "Second, plain."]


def test_utf16_tables_with_a_byte_order_mark_are_read(stance, trained_project, tmp_path, out_dir):
    src = tmp_path / "t.csv"
    src.write_bytes("id,text\nu1,Kyiv asks for an invitation now.\n".encode("utf-16"))
    result = stance("predict", str(src), "-o", str(out_dir / "p.jsonl"), cwd=trained_project)
    assert result.code == 0, result.err
    assert json.loads((out_dir / "p.jsonl").read_text(encoding="utf-8"))["text"] == "Kyiv asks for an invitation now."


TABLE_CASES = [
    # (case id, command, file name, content, fragments of the one error line)
    ("empty-file-classify", "classify", "t.jsonl", "", ["no articles found"]),
    ("empty-file-predict", "predict", "t.csv", "", ["t.csv: file is empty"]),
    ("empty-jsonl-predict", "predict", "t.jsonl", "\n", ["t.jsonl: no rows to label"]),
    ("csv-missing-text-classify", "classify", "t.csv", "id,body\n1,x\n", ["t.csv line 2: no 'text' field"]),
    ("csv-missing-text-predict", "predict", "t.csv", "id,body\n1,x\n", ["t.csv: no 'text' column (columns: id, body)"]),
    (
        "csv-ragged-predict",
        "predict",
        "t.csv",
        "id,text\n1,fine\n2,a,b,c\n",
        ["t.csv line 3: 4 cells where the header"],
    ),
    ("jsonl-broken-predict", "predict", "t.jsonl", '{"text": "ok"}\n{"text": oops\n', ["t.jsonl line 2: invalid JSON"]),
    ("jsonl-not-object-predict", "predict", "t.jsonl", '{"text": "ok"}\n[1, 2]\n', ["line 2: expected a JSON object"]),
    (
        "jsonl-no-text-field-predict",
        "predict",
        "t.jsonl",
        '{"text": "ok"}\n{"body": "x"}\n',
        ["line 2: no 'text' field"],
    ),
    ("invalid-utf8-table", "predict", "t.csv", b"id,text\n1,caf\xe9\n", ["t.csv: not valid UTF-8"]),
    (
        "csv-unclosed-quote-predict",
        "predict",
        "t.csv",
        'id,text\n1,"Kyiv wants in now.\n2,Allies disagree.\n3,Moscow objects.\n',
        ["t.csv line 2: a quoted cell is never closed"],
    ),
    (
        "csv-unclosed-quote-classify",
        "classify",
        "t.csv",
        'id,text\n1,"Kyiv wants in now.\n2,Allies disagree.\n3,Moscow objects.\n',
        ["t.csv line 2: a quoted cell is never closed"],
    ),
    ("input-missing", "predict", None, None, ["absent.csv: input file not found"]),
]


@pytest.mark.parametrize(
    "command, name, content, fragments", [c[1:] for c in TABLE_CASES], ids=[c[0] for c in TABLE_CASES]
)
def test_bad_tables_are_refused(stance, trained_project, tmp_path, out_dir, command, name, content, fragments):
    src = tmp_path / (name or "absent.csv")
    if isinstance(content, bytes):
        src.write_bytes(content)
    elif content is not None:
        src.write_text(content, encoding="utf-8")
    out = out_dir / ("o.jsonl" if command == "classify" else "o.csv")
    refused(stance(command, str(src), "-o", str(out), cwd=trained_project), *fragments)
    nothing_in(out_dir)


def test_bad_rows_in_a_batch_are_skipped_and_counted(stance, trained_project, tmp_path, out_dir):
    sheet = tmp_path / "t.csv"
    sheet.write_text('id,text\nr1,"Kyiv wants in now.\n\nAllies disagree."\nr3,\n', encoding="utf-8")
    lines = tmp_path / "t.jsonl"
    lines.write_text(json.dumps({"id": "j1", "text": SAMPLE}) + '\n{"id": "j2", "text": broken\n', encoding="utf-8")
    result = stance("classify", str(sheet), str(lines), "-o", str(out_dir / "o.jsonl"), cwd=trained_project)
    assert result.code == 0, result.err
    assert "stance: warning: r3: empty text; skipped" in result.lines
    assert f"stance: warning: {lines} line 2: invalid JSON (Expecting value); skipped" in result.lines
    assert ", 2 skipped ->" in result.lines[-1]
    ragged = tmp_path / "r.csv"
    ragged.write_text('id,text\nr1,"Kyiv wants in now."\nr2,too,many,cells\n', encoding="utf-8")
    refused(
        stance("classify", str(ragged), "-o", str(out_dir / "r.jsonl"), cwd=trained_project),
        f"{ragged} line 3: 4 cells where the header has 2",
    )
    assert not (out_dir / "r.jsonl").exists()
    strict = stance("classify", str(lines), "-o", str(out_dir / "s.jsonl"), "--strict", cwd=trained_project)
    refused(strict, f"{lines} line 2: invalid JSON")
    assert not (out_dir / "s.jsonl").exists()


# --- labeled data and schema: the DVC stage `stance prepare` -------------------------------------------------------


@pytest.fixture
def small_project(tmp_path):
    root = copy_project(tmp_path / "p", ("data/schema.yaml", "params.yaml", "dvc.yaml"))
    (root / "data" / "labeled").mkdir()
    return root


LABELED_CASES = [
    (
        "label-unknown",
        HEADER,
        'a3,,"Berlin will send more tanks.",none,maybe,none\n',
        "row 3 (id a3): 'maybe' is not a label of aid",
    ),
    (
        "label-target-missing",
        "id,article_id,text,membership_timing,aid\n",
        'a3,,"Berlin will send more tanks.",none,support\n',
        "labeled/batch.csv: missing column(s) peace_talks",
    ),
    (
        "label-duplicate-id",
        HEADER,
        'a1,,"Berlin will send more tanks.",none,support,none\n',
        "row 3 (id a1): duplicate id 'a1'",
    ),
    ("label-nan-text", HEADER, "a3,,nan,none,none,none\n", "row 3 (id a3): text is 'nan', a missing value"),
    ("label-empty-text", HEADER, "a3,,,none,none,none\n", "row 3 (id a3): empty text"),
    (
        "label-ragged-row",
        HEADER,
        'a3,,"Text.",none,none,none,extra\n',
        "batch.csv line 4: 7 cells where the header has 6",
    ),
]


@pytest.mark.parametrize("header, bad_row, fragment", [c[1:] for c in LABELED_CASES], ids=[c[0] for c in LABELED_CASES])
def test_bad_labeled_data_is_refused_by_prepare(stance, small_project, header, bad_row, fragment):
    rows = GOOD_ROWS if header == HEADER else "".join(r.rsplit(",", 1)[0] + "\n" for r in GOOD_ROWS.splitlines())
    (small_project / "data" / "labeled" / "batch.csv").write_text(header + rows + bad_row, encoding="utf-8")
    refused(stance("prepare", cwd=small_project), fragment)
    assert not (small_project / "data" / "prepared").exists() and not (small_project / "reports").exists()


SCHEMA_CASES = [
    ("schema-duplicate-label", [{"name": "support"}, {"name": "support"}], "target 'aid': duplicate label 'support'"),
    ("schema-no-positions", [{"name": "neutral", "kind": "neutral"}], "target 'aid': has no position label"),
]


@pytest.mark.parametrize("labels, fragment", [c[1:] for c in SCHEMA_CASES], ids=[c[0] for c in SCHEMA_CASES])
def test_bad_schema_is_refused_by_prepare(stance, small_project, labels, fragment):
    path = small_project / "data" / "schema.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["targets"]["aid"]["labels"] = labels
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    (small_project / "data" / "labeled" / "batch.csv").write_text(HEADER + GOOD_ROWS, encoding="utf-8")
    refused(stance("prepare", cwd=small_project), "schema.yaml", fragment)
    assert not (small_project / "data" / "prepared").exists()


# --- models and output paths -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["predict", "classify"])
def test_missing_model(stance, trained_project, tmp_path, out_dir, command):
    src = tmp_path / "t.jsonl"
    src.write_text(json.dumps({"id": "1", "text": SAMPLE}) + "\n", encoding="utf-8")
    result = stance(
        command, str(src), "-o", str(out_dir / "o.jsonl"), "--model", str(tmp_path / "gone.joblib"), cwd=trained_project
    )
    refused(result, "gone.joblib: model not found")
    nothing_in(out_dir)


@pytest.mark.parametrize("command", ["predict", "classify"])
def test_output_folder_that_does_not_exist(stance, trained_project, tmp_path, command):
    src = tmp_path / "t.jsonl"
    src.write_text(json.dumps({"id": "1", "text": SAMPLE}) + "\n", encoding="utf-8")
    refused(stance(command, str(src), "-o", str(tmp_path / "no" / "o.jsonl"), cwd=trained_project), "does not exist")
    assert not (tmp_path / "no").exists()


def _mount_tmpfs(folder: Path, options: str) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    return (
        subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True).returncode
        == 0
    )


def _unmount(folder: Path) -> None:
    subprocess.run(["umount", str(folder)], capture_output=True, check=False)


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder nobody may write to: a read-only mount for root (who ignores permissions), else mode 0o555."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
    elif _mount_tmpfs(folder, "ro,size=1m"):
        yield folder
        _unmount(folder)
    else:
        pytest.skip("running as root without permission to mount: a read-only folder cannot be made")


@pytest.mark.parametrize("command", ["predict", "classify"])
def test_output_folder_read_only(stance, trained_project, tmp_path, read_only_folder, command):
    src = tmp_path / "t.jsonl"
    src.write_text(json.dumps({"id": "1", "text": SAMPLE}) + "\n", encoding="utf-8")
    out = read_only_folder / "o.jsonl"
    refused(stance(command, str(src), "-o", str(out), cwd=trained_project), str(out), "cannot write")
    nothing_in(read_only_folder)


def _big_table(path: Path) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(60):
            fh.write(json.dumps({"id": f"a{i}", "text": SAMPLE}) + "\n")
    return path


@pytest.mark.parametrize("command", ["predict", "classify"])
def test_disk_full_failing_writer(trained_project, tmp_path, out_dir, command):
    """Writes beyond 64 KB fail (RLIMIT_FSIZE: EFBIG), as on a full disk; portable, no mount needed."""
    src = _big_table(tmp_path / "t.jsonl")
    code, stderr, _, _ = _run_measured([command, str(src), "-o", str(out_dir / "o.jsonl")], trained_project, 64 * 1024)
    lines = stderr.strip().splitlines()
    assert code == 2 and "Traceback" not in stderr, stderr
    assert lines == [f"stance: error: {out_dir / 'o.jsonl'}: cannot write (File too large)"], stderr
    nothing_in(out_dir)


@pytest.fixture
def tiny_disk(tmp_path):
    folder = tmp_path / "tiny"
    folder.mkdir()
    if not _mount_tmpfs(folder, "size=64k"):
        pytest.skip("no permission to mount a tmpfs; test_disk_full_failing_writer covers the failing writer")
    yield folder
    _unmount(folder)


@pytest.mark.parametrize("command", ["predict", "classify"])
def test_disk_full_tmpfs(stance, trained_project, tmp_path, tiny_disk, command):
    src = _big_table(tmp_path / "t.jsonl")
    out = tiny_disk / "o.jsonl"
    refused(stance(command, str(src), "-o", str(out), cwd=trained_project), str(out), "No space left on device")
    nothing_in(tiny_disk)


# --- outputs, workers, revisions and projects that cannot be used ----------------------------------------------------


def test_classify_output_that_is_a_folder(stance, trained_project, out_dir):
    taken = out_dir / "results"
    taken.mkdir()
    refused(stance("classify", str(SAMPLES), "-o", str(taken), cwd=trained_project), "results: is a folder")
    assert sorted(p.name for p in out_dir.iterdir()) == ["results"] and not list(taken.iterdir())


def test_classify_to_stdout_streams_records_and_leaves_no_file(trained_project, tmp_path):
    result = run_stance("classify", str(SAMPLES), "-o", "-", cwd=trained_project)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) > 100 and not (trained_project / "-").exists()
    as_csv = run_stance("classify", str(SAMPLES), "-o", "-", "--format", "csv", cwd=trained_project)
    assert as_csv.returncode == 0 and as_csv.stdout.startswith("article_id,sentence_index,")
    assert len(as_csv.stdout.splitlines()) == len(records) + 1


def test_jobs_2_with_a_changed_model(stance, trained_project, tmp_path, out_dir):
    models = tmp_path / "models"
    models.mkdir()
    for name in ("stance.npz", "stance.json"):
        (models / name).write_bytes((trained_project / "models" / name).read_bytes())
    copy_encoder(trained_project / "models", models)
    with open(models / "stance.npz", "ab") as fh:
        fh.write(b"\0")
    result = stance(
        "classify",
        str(SAMPLES),
        "-o",
        str(out_dir / "o.jsonl"),
        "--jobs",
        "2",
        "--model",
        str(models / "stance.npz"),
        cwd=trained_project,
    )
    refused(result, "does not match the model card")
    nothing_in(out_dir)


def test_report_against_an_unknown_revision(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    (root / "dvc.yaml").write_text("stages: {}\n")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    result = run_stance("report", "--against", "no-such-rev", cwd=root)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert (
        result.stderr.strip() == f"stance: error: --against no-such-rev: not a revision of the git repository at {root}"
    )
    assert not (root / "reports").exists()


def test_predict_output_of_another_format(stance, trained_project, tmp_path, out_dir):
    src = tmp_path / "t.csv"
    src.write_text("id,text\n1,Kyiv asks for an invitation now.\n", encoding="utf-8")
    refused(
        stance("predict", str(src), "-o", str(out_dir / "x.parquet"), cwd=trained_project),
        "x.parquet: predict writes a .csv or .jsonl file",
    )
    nothing_in(out_dir)


def test_no_model_in_another_project(stance, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "dvc.yaml").write_text("stages: {}\n")
    result = stance("classify", str(SAMPLES), "-o", str(other / "o.jsonl"), cwd=other)
    refused(result, f"no model at {other / 'models' / 'stance.npz'}", "pass --model PATH", "$STANCE_ROOT")
    assert sorted(p.name for p in other.iterdir()) == ["dvc.yaml"]
