"""Article ids never choose where files go; CSV cells are exact unless --spreadsheet-safe."""

from __future__ import annotations

import csv
import json
import os

from tests.helpers import run_stance

HOSTILE_IDS = ["../../escape.txt", "/tmp/stance_absolute_id", "sub/../../x", "..", "=1+2", "C:\\Windows\\x"]
TEXT = (
    '=HYPERLINK("http://example.org/x", "click")\n\n+Kyiv wants an invitation now.\n\n-Allies disagree. @NATO said so.'
)

SENTENCES = [
    '=HYPERLINK("http://example.org/x", "click")',
    "+Kyiv wants an invitation now.",
    "-Allies disagree.",
    "@NATO said so.",
]


def _tree(root):
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, files in os.walk(root) for f in files)


def test_hostile_ids_are_data_not_paths(trained_project, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    table = work / "in.jsonl"
    table.write_text("".join(json.dumps({"id": i, "text": TEXT}) + "\n" for i in HOSTILE_IDS), encoding="utf-8")
    before = _tree(tmp_path)
    result = run_stance(
        "classify", str(table), "-o", str(work / "o.jsonl"), "--summary", str(work / "summary"), cwd=trained_project
    )
    assert result.returncode == 0, result.stderr
    created = sorted(set(_tree(tmp_path)) - set(before))
    assert created == ["work/o.jsonl", "work/summary/articles.csv", "work/summary/speakers.csv"]
    assert not os.path.exists("/tmp/stance_absolute_id")
    ids = [json.loads(line)["article_id"] for line in (work / "o.jsonl").read_text(encoding="utf-8").splitlines()]
    assert list(dict.fromkeys(ids)) == HOSTILE_IDS
    with open(work / "summary" / "articles.csv", encoding="utf-8", newline="") as fh:
        assert list(dict.fromkeys(r["article_id"] for r in csv.DictReader(fh))) == HOSTILE_IDS


def _cells(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_spreadsheet_safe_neutralises_formula_cells_and_the_default_keeps_text_exact(trained_project, tmp_path, stance):
    table = tmp_path / "in.jsonl"
    table.write_text(json.dumps({"id": "@sum", "text": TEXT}) + "\n", encoding="utf-8")
    sheet = tmp_path / "in.csv"
    with open(sheet, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["id", "text"], ["-1", "=cmd|' /C calc'!A0"], ["ok", "Plain text."]])
    outputs = {}
    for flag in ([], ["--spreadsheet-safe"]):
        tag = "safe" if flag else "exact"
        out, summary, predicted = tmp_path / f"{tag}.csv", tmp_path / f"{tag}_summary", tmp_path / f"{tag}_p.csv"
        for args in (
            ["classify", str(table), "-o", str(out), "--summary", str(summary), *flag],
            ["predict", str(sheet), "-o", str(predicted), *flag],
        ):
            result = stance(*args, cwd=trained_project)
            assert result.code == 0, result.err
        outputs[tag] = (_cells(out), _cells(summary / "articles.csv"), _cells(predicted))
    exact, safe = outputs["exact"], outputs["safe"]
    assert [r["text"] for r in exact[0]] == SENTENCES
    assert [r["text"] for r in safe[0]] == ["'" + s for s in SENTENCES]
    assert {r["article_id"] for r in exact[0]} == {"@sum"} and {r["article_id"] for r in safe[0]} == {"'@sum"}
    assert {r["article_id"] for r in exact[1]} == {"@sum"} and {r["article_id"] for r in safe[1]} == {"'@sum"}
    assert [(r["id"], r["text"]) for r in exact[2]] == [("-1", "=cmd|' /C calc'!A0"), ("ok", "Plain text.")]
    assert [(r["id"], r["text"]) for r in safe[2]] == [("'-1", "'=cmd|' /C calc'!A0"), ("ok", "Plain text.")]
    for exact_row, safe_row in zip(exact[0], safe[0], strict=True):  # numbers and labels untouched
        assert exact_row["aid"] == safe_row["aid"] and exact_row["aid_confidence"] == safe_row["aid_confidence"]
