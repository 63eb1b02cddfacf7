"""`stance classify` at scale: every input kind, formats, summaries, workers, resume, bad articles."""

import csv
import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from pipeline.text.articles import Article, BadArticle, iter_articles
from tests.helpers import copy_encoder, run_stance, sample_articles

TARGETS = ["membership_timing", "aid", "peace_talks"]
SAMPLES = sample_articles()
SAMPLE_BODY = (
    "Ukraine asked its allies on Monday for more air defence systems before winter. "
    "Germany said it would send two more launchers, the defence ministry said in a statement. "
    "Hungary again refused to take part in any weapons deliveries."
)


def _records(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A folder of 48 articles: the samples under several names and sub-folders."""
    root = tmp_path_factory.mktemp("corpus")
    for i in range(8):
        sub = root / f"batch{i}"
        sub.mkdir()
        for sample in SAMPLES:
            (sub / sample.name).write_text(sample.read_text(encoding="utf-8"), encoding="utf-8")
    return root


def test_every_input_kind_and_its_ids(tmp_path):
    folder = tmp_path / "news"
    (folder / "deep").mkdir(parents=True)
    (folder / "a.txt").write_text("Plain headline\n\nBody one.", encoding="utf-8")
    (folder / "deep" / "b.md").write_text("# Markdown headline\n\nBody two.", encoding="utf-8")
    (folder / "c.html").write_text(
        "<h1>Html headline</h1><p>The third body is a page with one sentence of some length.</p>", encoding="utf-8"
    )
    (folder / "skip.pdf").write_bytes(b"%PDF-1.4")
    table = tmp_path / "t.jsonl"
    table.write_text(
        json.dumps({"id": 7, "text": "Table headline\n\nBody four.", "source": "wire", "date": "2025-06-24"}) + "\n",
        encoding="utf-8",
    )
    sheet = tmp_path / "t.csv"
    sheet.write_text('id,text,url\nx1,"Csv headline\n\nBody five.",https://example.org/x1\n', encoding="utf-8")
    found = list(iter_articles([str(folder), str(table), str(sheet)]))
    assert [a.id for a in found] == ["a.txt", "c.html", "deep/b.md", "7", "x1"]
    assert all(isinstance(a, Article) for a in found)
    assert found[3].meta == {
        "title": None,
        "date": "2025-06-24",
        "source": "wire",
        "url": None,
        "author": None,
        "language": None,
    }
    assert found[1].text.startswith("Html headline\n\n") and found[1].meta["title"] == "Html headline"
    assert found[4].meta["url"] == "https://example.org/x1"
    assert [a.id for a in iter_articles([str(folder)], glob="*.md")] == ["deep/b.md"]


def test_bad_articles_are_named_not_fatal(tmp_path):
    (tmp_path / "empty.txt").write_text("   \n", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 headline\n\nBody.".encode("latin-1"))
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (tmp_path / "utf16.txt").write_bytes("Headline\n\nBody in UTF-16.".encode("utf-16"))
    found = {a.id: a for a in iter_articles([str(tmp_path)])}
    assert found["empty.txt"] == BadArticle("empty.txt", "empty text")
    assert found["latin1.txt"].reason == "not valid UTF-8 (byte 3)"
    assert found["binary.txt"].reason == "binary file, not text"
    assert found["utf16.txt"].text == "Headline\n\nBody in UTF-16."


def test_skipped_articles_are_reported_and_strict_makes_them_fatal(trained_project, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text(SAMPLES[0].read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "bad.txt").write_bytes(b"Headline\n\n\xff\xfe broken")
    (folder / "blank.txt").write_text("", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = run_stance("classify", str(folder), "-o", str(out), cwd=trained_project)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.strip().splitlines()
    assert "stance: warning: bad.txt: not valid UTF-8 (byte 10); skipped" in lines
    assert "stance: warning: blank.txt: empty text; skipped" in lines
    assert lines[-1].startswith("classify: 1 articles,") and ", 2 skipped ->" in lines[-1]
    assert {r["article_id"] for r in _records(out)} == {"good.txt"}

    strict_out = tmp_path / "strict.jsonl"
    strict = run_stance("classify", str(folder), "-o", str(strict_out), "--strict", cwd=trained_project)
    assert strict.returncode == 2 and "Traceback" not in strict.stderr
    assert strict.stderr.strip() == "stance: error: bad.txt: not valid UTF-8 (byte 10)"
    assert not strict_out.exists() and not list(tmp_path.glob(".strict.jsonl*"))


def test_jobs_two_writes_the_same_bytes_as_jobs_one(trained_project, corpus, tmp_path):
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert run_stance("classify", str(corpus), "-o", str(one), "--chunk-size", "5", cwd=trained_project).returncode == 0
    result = run_stance(
        "classify", str(corpus), "-o", str(two), "--chunk-size", "5", "--jobs", "2", cwd=trained_project
    )
    assert result.returncode == 0, result.stderr
    assert one.read_bytes() == two.read_bytes()
    records = _records(one)
    assert len({r["article_id"] for r in records}) == 8 * len(SAMPLES)
    for record in records[:200]:
        assert set(TARGETS) <= set(record) and record["text"]


def test_formats_summaries_and_uncertain_labels(trained_project, corpus, tmp_path):
    table = tmp_path / "in.jsonl"
    with open(table, "w", encoding="utf-8") as fh:
        for sample in SAMPLES:
            fh.write(
                json.dumps(
                    {
                        "id": sample.stem,
                        "text": sample.read_text(encoding="utf-8"),
                        "title": sample.read_text(encoding="utf-8").splitlines()[0],
                    }
                )
                + "\n"
            )
    out_csv, out_parquet = tmp_path / "out.csv", tmp_path / "out.parquet"
    summary = tmp_path / "summary"
    result = run_stance(
        "classify",
        str(table),
        "-o",
        str(out_csv),
        "--summary",
        str(summary),
        "--min-confidence",
        "0.6",
        cwd=trained_project,
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(open(out_csv, encoding="utf-8")))
    assert rows[0]["title"] == rows[0]["text"]  # the headline is sentence 0 and the carried title
    assert {r["membership_timing"] for r in rows} >= {"none", "uncertain"}
    for r in rows:
        if r["membership_timing"] == "uncertain":
            assert float(r["membership_timing_confidence"]) < 0.6
    articles = pd.read_csv(summary / "articles.csv")
    assert len(articles) == len(SAMPLES) * len(TARGETS)
    first = articles[(articles.article_id == SAMPLES[0].stem) & (articles.target == "aid")].iloc[0]
    mine = [r for r in rows if r["article_id"] == SAMPLES[0].stem]
    assert first["sentences"] == len(mine)
    assert first["support"] == sum(r["aid"] == "support" for r in mine)
    assert first["title"] == mine[0]["title"] and list(articles.columns[:5]) == [
        "article_id",
        "title",
        "date",
        "source",
        "url",
    ]
    speakers = pd.read_csv(summary / "speakers.csv")
    assert {"actor", "actor_country", "actor_type", "target", "statements", "articles", "names_seen"} <= set(
        speakers.columns
    )
    assert (speakers["statements"] >= 1).all()

    assert run_stance("classify", str(table), "-o", str(out_parquet), cwd=trained_project).returncode == 0
    frame = pd.read_parquet(out_parquet)
    assert len(frame) == len(rows) and frame["start"].dtype == "int64"


def test_stdin_tables(trained_project, tmp_path):
    stdin = json.dumps({"id": "s1", "text": "Kyiv wants an invitation now\n\nAllies disagree."}) + "\n"
    out = tmp_path / "out.jsonl"
    result = run_stance("classify", "-", "-o", str(out), cwd=trained_project, stdin=stdin)
    assert result.returncode == 0, result.stderr
    assert [r["text"] for r in _records(out)] == ["Kyiv wants an invitation now", "Allies disagree."]


def _start(args, cwd):
    env = {k: v for k, v in os.environ.items() if k != "STANCE_ROOT"}
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, so a kill reaches worker processes too
    )


def test_killed_runs_resume_to_identical_output(trained_project, corpus, tmp_path):
    clean = tmp_path / "clean.jsonl"
    args = [str(corpus), "--chunk-size", "2", "--no-progress"]
    assert run_stance("classify", *args, "-o", str(clean), cwd=trained_project).returncode == 0
    out = tmp_path / "out.jsonl"
    checkpoint = tmp_path / ".out.jsonl.checkpoint.json"
    partial = tmp_path / ".out.jsonl.partial"
    # Killed while starting (no checkpoint yet), then after 1, 6 and 10 of 24 chunks, the last with two workers
    # (early enough that a loaded machine still catches the run before it ends).
    for stop_after, jobs in ((None, "1"), (1, "1"), (6, "1"), (10, "2")):
        process = _start(["classify", *args, "-o", str(out), "--resume", "--jobs", jobs], trained_project)
        deadline = time.monotonic() + (0.3 if stop_after is None else 120)
        while time.monotonic() < deadline and process.poll() is None:
            if stop_after is not None and checkpoint.exists():
                try:
                    if json.loads(checkpoint.read_text())["progress"]["chunks"] >= stop_after:
                        break
                except (json.JSONDecodeError, KeyError):
                    pass
            time.sleep(0.02)
        os.killpg(process.pid, signal.SIGKILL)  # the workers too
        process.wait()
        assert process.returncode == -signal.SIGKILL, "the run finished before it could be killed"
        assert not out.exists(), "a killed run must not leave the output in place"
        if checkpoint.exists():  # what the checkpoint vouches for is on disk, whole lines only
            saved = json.loads(checkpoint.read_text())["progress"]
            assert partial.stat().st_size >= saved["bytes"]
            assert partial.read_bytes()[: saved["bytes"]] == clean.read_bytes()[: saved["bytes"]]
    result = run_stance("classify", *args, "-o", str(out), "--resume", cwd=trained_project)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == clean.read_bytes()
    assert not checkpoint.exists()


def test_resume_refuses_other_options(trained_project, corpus, tmp_path):
    out = tmp_path / "out.jsonl"
    process = _start(["classify", str(corpus), "-o", str(out), "--chunk-size", "1"], trained_project)
    checkpoint = tmp_path / ".out.jsonl.checkpoint.json"
    deadline = time.monotonic() + 120
    while not checkpoint.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    result = run_stance("classify", str(corpus), "-o", str(out), "--chunk-size", "3", "--resume", cwd=trained_project)
    assert result.returncode == 2
    assert "other inputs, model or options" in result.stderr


def test_progress_bar_only_when_asked_or_on_a_terminal(trained_project, tmp_path):
    quiet = run_stance("classify", str(SAMPLES[0].path), "-o", str(tmp_path / "a.jsonl"), cwd=trained_project)
    assert "sentences/s" not in quiet.stderr  # stderr is a pipe here: no bar
    first = str(SAMPLES[0].path)
    loud = run_stance("classify", first, "-o", str(tmp_path / "b.jsonl"), "--progress", cwd=trained_project)
    assert loud.returncode == 0 and "articles" in loud.stderr and "sentences/s" in loud.stderr


def test_a_partial_file_shorter_than_its_checkpoint_is_not_resumed(trained_project, corpus, tmp_path):
    out = tmp_path / "out.jsonl"
    checkpoint = tmp_path / ".out.jsonl.checkpoint.json"
    process = _start(["classify", str(corpus), "-o", str(out), "--chunk-size", "1"], trained_project)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if json.loads(checkpoint.read_text())["progress"]["chunks"] >= 1:
                break
        except (FileNotFoundError, json.JSONDecodeError, KeyError):
            pass
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    (tmp_path / ".out.jsonl.partial").write_bytes(b"")  # as if the written chunks never reached the disk
    result = run_stance("classify", str(corpus), "-o", str(out), "--chunk-size", "1", "--resume", cwd=trained_project)
    assert result.returncode == 2 and "shorter than its checkpoint" in result.stderr
    assert not out.exists()


def test_classify_runs_the_models_arrays_without_scikit_learn_or_pandas(trained_project, tmp_path):
    """Nothing is unpickled and scikit-learn and pandas (most of start-up) are never imported; --model may name
    any of the model's three files."""
    models = tmp_path / "models"
    models.mkdir()
    for name in ("stance.joblib", "stance.npz", "stance.json"):
        (models / name).write_bytes((trained_project / "models" / name).read_bytes())
    copy_encoder(trained_project / "models", models)
    probe = (
        "import sys; from pipeline.cli import main; code = main(sys.argv[1:]); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'joblib', 'pandas'}))"
    )
    outputs = []
    for name in ("stance.npz", "stance.json", "stance.joblib"):
        out = tmp_path / f"{name}.jsonl"
        done = subprocess.run(
            [sys.executable, "-c", probe, "classify", str(SAMPLES[0].path), "--model", str(models / name)]
            + ["-o", str(out)],
            cwd=trained_project,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "[]", done.stdout
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2] and outputs[0]


def test_dumps_with_other_column_names_gzip_and_tables_inside_folders(stance, trained_project, tmp_path):
    """News dumps as they come: their own column names, compressed, and in a folder beside plain articles."""
    import gzip

    folder = tmp_path / "archive"
    folder.mkdir()
    rows = [
        {"doc": "d1", "headline": "Kyiv asks allies for more air defence", "body": SAMPLE_BODY, "pub": "2025-01-02"},
        {"doc": "d2", "headline": "Kremlin dismisses truce plan", "body": SAMPLE_BODY, "pub": "2025-01-03"},
    ]
    with gzip.open(folder / "dump.jsonl.gz", "wt", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps({**row, "outlet": "Wire"}) + "\n")
    (folder / "note.txt").write_text("Plain headline\n\n" + SAMPLE_BODY, encoding="utf-8")
    out = tmp_path / "o.jsonl"
    args = ["--id-column", "doc", "--text-column", "body", "--title-column", "headline"]
    args += ["--date-column", "pub", "--source-column", "outlet"]
    result = stance("classify", str(folder), "-o", str(out), *args, cwd=trained_project)
    assert result.code == 0, result.err
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["article_id"] for r in records if r["sentence_index"] == 0] == ["d1", "d2", "note.txt"]
    first = [r for r in records if r["article_id"] == "d1"]
    assert first[0]["text"] == "Kyiv asks allies for more air defence" and len(first) > 2
    assert {(r["date"], r["source"]) for r in first} == {("2025-01-02", "Wire")}
    only = stance(
        "classify", str(folder), "-o", str(tmp_path / "g.jsonl"), "--glob", "*.txt", *args, cwd=trained_project
    )
    assert only.code == 0 and "1 articles" in only.err


def test_predict_refuses_a_named_column_the_table_lacks(stance, trained_project, tmp_path):
    src = tmp_path / "t.csv"
    src.write_text("id,text\n1,Kyiv asks for an invitation now.\n", encoding="utf-8")
    result = stance(
        "predict", str(src), "-o", str(tmp_path / "o.csv"), "--date-column", "published", cwd=trained_project
    )
    assert result.code == 2 and result.lines == [
        f"stance: error: {src}: no 'published' column for --date-column (columns: id, text)"
    ]
    assert not (tmp_path / "o.csv").exists()


def test_speaker_is_filled_for_every_attributed_sentence_position_or_not(trained_project, tmp_path):
    """Who said it is wanted whether or not the model finds a stance in what was said."""
    article = tmp_path / "a.txt"
    article.write_text(
        "Ministers meet in Brussels\n\n"
        "The ministers will meet again in Brussels on Thursday, Lithuanian Foreign Minister Kestutis Budrys "
        "told reporters. Rain fell over the city for most of the day.\n",
        encoding="utf-8",
    )
    out = tmp_path / "o.jsonl"
    assert run_stance("classify", str(article), "-o", str(out), cwd=trained_project).returncode == 0
    records = {r["sentence_index"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    said = records[1]
    assert all(said[t] in {"none", "neutral"} for t in TARGETS)  # no position, and still attributed
    assert said["speaker"] == "Kestutis Budrys" and said["speaker_method"] == "reporting_verb"
    assert (said["actor"], said["actor_country"], said["actor_type"]) == ("Kestutis Budrys", "Lithuania", "minister")
    rain = records[2]  # no one named: the writer's, position or not
    assert all(rain[t] == "none" for t in TARGETS)
    assert (rain["speaker"], rain["speaker_method"], rain["actor_type"]) == ("author", "author", "author")


def test_one_actor_named_three_ways_is_one_row_of_speakers_csv(trained_project, tmp_path):
    """Zelensky, Zelenskyy and Zelenskiy (as outlets spell him) are one canonical actor with country and type."""
    folder = tmp_path / "in"
    folder.mkdir()
    spellings = ["Zelensky", "Zelenskyy", "Zelenskiy"]
    for k, name in enumerate(spellings):
        (folder / f"{k}.txt").write_text(
            f"Kyiv presses allies\n\n"
            f'"We need the air defence systems now, not next year," President Volodymyr {name} told reporters.\n',
            encoding="utf-8",
        )
    out, summary = tmp_path / "o.jsonl", tmp_path / "summary"
    done = run_stance("classify", str(folder), "-o", str(out), "--summary", str(summary), cwd=trained_project)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    quoted = [r for r in records if r["sentence_index"] == 1]
    assert [r["speaker"] for r in quoted] == [f"Volodymyr {n}" for n in spellings]
    assert {(r["actor"], r["actor_country"], r["actor_type"], r["speaker_method"]) for r in quoted} == {
        ("Volodymyr Zelensky", "Ukraine", "head_of_state_or_government", "quote")
    }
    speakers = pd.read_csv(summary / "speakers.csv", keep_default_na=False)
    aid = speakers[(speakers.actor == "Volodymyr Zelensky") & (speakers.target == "aid")]
    assert len(aid) == 1 and aid.iloc[0]["statements"] == sum(r["aid"] in {"support", "oppose"} for r in quoted)
    assert aid.iloc[0]["actor_country"] == "Ukraine"
    assert set(aid.iloc[0]["names_seen"].split(" | ")) == {f"Volodymyr {n}" for n in spellings}
