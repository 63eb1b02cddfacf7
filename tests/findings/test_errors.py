"""Bad input to `stance findings`: exit 2, one line naming the problem, and nothing written."""

from __future__ import annotations

import json

import pytest

from pipeline.cli import main
from tests.findings import synthetic


@pytest.fixture
def classified(tmp_path):
    return synthetic.write_jsonl(tmp_path / "classified.jsonl", 30, seed=2)


def _fails(capsys, args, message, out):
    assert main(["findings", *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("stance: error: ") and message in err[0], err
    assert not out.exists() or out.is_file()


@pytest.mark.parametrize(
    ("case", "extra", "message"),
    [
        ("findings-bad-date", ["--since", "March 2024"], "--since: expected a date as YYYY-MM-DD"),
        ("findings-dates-reversed", ["--since", "2024-05-01", "--until", "2024-04-01"], "is after --until"),
        ("findings-unknown-target", ["--targets", "aid,sanctions"], "--targets: sanctions is not in the input"),
        ("findings-bad-by", ["--by", "actor,colour"], "--by: unknown column 'colour'"),
        ("findings-two-periods-in-by", ["--by", "month,week"], "at most one period"),
        ("findings-bad-min-confidence", ["--min-confidence", "1.5"], "between 0 and 1"),
    ],
)
def test_findings_refuses_bad_options(capsys, tmp_path, classified, case, extra, message):
    out = tmp_path / "out"
    _fails(capsys, [str(classified), "-o", str(out), *extra], message, out)


def test_findings_refuses_missing_input_and_an_output_that_is_a_file(capsys, tmp_path, classified):
    out = tmp_path / "out"
    _fails(capsys, [str(tmp_path / "nope.jsonl"), "-o", str(out)], "input file not found", out)
    taken = tmp_path / "taken.html"
    taken.write_text("mine", encoding="utf-8")
    _fails(capsys, [str(classified), "-o", str(taken)], "-o needs a folder", taken)
    assert taken.read_text(encoding="utf-8") == "mine"


def test_findings_refuses_a_table_that_is_not_classified(capsys, tmp_path):
    plain = tmp_path / "labeled.csv"
    plain.write_text("id,text,aid\n1,Send the jets.,support\n", encoding="utf-8")
    _fails(capsys, [str(plain), "-o", str(tmp_path / "out")], "no target columns", tmp_path / "out")


def test_findings_names_the_broken_line_and_writes_nothing(capsys, tmp_path, classified):
    lines = classified.read_text(encoding="utf-8").splitlines()
    lines.insert(40, '{"article_id": "x", "text": ')
    classified.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _fails(capsys, [str(classified), "-o", str(tmp_path / "out")], "line 41", tmp_path / "out")


def test_findings_refuses_files_that_disagree_on_targets(capsys, tmp_path, classified):
    other = tmp_path / "other.jsonl"
    record = json.loads(classified.read_text(encoding="utf-8").splitlines()[0])
    record.pop("aid")
    other.write_text(json.dumps(record) + "\n", encoding="utf-8")
    _fails(capsys, [str(classified), str(other), "-o", str(tmp_path / "out")], "no aid column", tmp_path / "out")
