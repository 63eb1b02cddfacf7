"""Labels back from a filled-in sheet or a Label Studio export into data/labeled/, checked as prepare checks."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from pipeline.cli import main
from pipeline.data import labeled
from pipeline.data import schema as schemas
from pipeline.labeling import labelstudio
from tests.helpers import PROJECT

SCHEMA = schemas.load(PROJECT / "data" / "schema.yaml")


def _suggest(bare_project, classified_file, tmp_path, n=12):
    path, _ = classified_file
    out = tmp_path / "next.csv"
    assert main(["suggest", str(n), "--from", str(path), "-o", str(out)]) == 0
    return out


def _export(tasks, annotate):
    """What Label Studio's JSON export holds after annotators submitted: tasks with annotations."""
    exported = []
    for number, task in enumerate(tasks, start=1):
        annotations = []
        for a, (labels, speaker, cancelled, when) in enumerate(annotate(task)):
            result = [
                {"from_name": t, "to_name": "text", "type": "choices", "value": {"choices": [label]}}
                for t, label in labels.items()
            ]
            if speaker:
                result.append(
                    {"from_name": "speaker", "to_name": "text", "type": "textarea", "value": {"text": [speaker]}}
                )
            annotations.append(
                {
                    "id": number * 10 + a,
                    "completed_by": {"id": 3, "email": "ann@example.org"},
                    "result": result,
                    "was_cancelled": cancelled,
                    "created_at": when,
                    "updated_at": when,
                }
            )
        exported.append({"id": number, "data": task["data"], "annotations": annotations, "predictions": []})
    return exported


def test_filled_sheet_round_trips_into_a_labeled_file_prepare_accepts(bare_project, classified_file, tmp_path, capsys):
    sheet = _suggest(bare_project, classified_file, tmp_path)
    rows = list(csv.DictReader(sheet.open(encoding="utf-8")))
    for row in rows:
        for t in SCHEMA.target_names:
            row[t] = row[f"model_{t}"] if row[f"model_{t}"] != "uncertain" else "neutral"
        row["speaker"] = row["model_speaker"]
    with sheet.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    out = bare_project / "data" / "labeled" / "mine.csv"
    assert main(["import-labels", str(sheet), "-o", str(out)]) == 0
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert written["id"].tolist() == [r["id"] for r in rows]
    assert written["aid"].tolist() == [r["aid"] for r in rows]
    assert written["source_url"].tolist() == [r["url"] for r in rows]
    corpus = labeled.load_labeled(out.parent, SCHEMA)  # what `stance prepare` reads
    assert len(corpus) == len(rows)
    # The same sheet again: every row is already labeled.
    again = bare_project / "data" / "labeled" / "again.csv"
    assert main(["import-labels", str(sheet), "-o", str(again)]) == 2
    assert "is already in mine.csv" in capsys.readouterr().err and not again.exists()


def test_label_studio_export_keeps_the_latest_submitted_annotation_and_provenance(
    bare_project, classified_file, tmp_path
):
    sheet = _suggest(bare_project, classified_file, tmp_path, n=6)
    tasks = json.loads(sheet.with_suffix(".labelstudio.json").read_text(encoding="utf-8"))
    first = {"membership_timing": "none", "aid": "oppose", "peace_talks": "none"}
    second = {"membership_timing": "none", "aid": "support", "peace_talks": "neutral"}

    def annotate(task):
        if task is tasks[-1]:
            return [(first, "", True, "2025-05-01T10:00:00Z")]  # only a cancelled one: not labeled
        return [(first, "", False, "2025-05-01T10:00:00Z"), (second, "Jan Novak", False, "2025-05-02T09:00:00Z")]

    export = tmp_path / "export.json"
    export.write_text(json.dumps(_export(tasks, annotate)), encoding="utf-8")
    out = bare_project / "data" / "labeled" / "studio.csv"
    assert main(["import-labels", str(export), "-o", str(out)]) == 0
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(written) == len(tasks) - 1
    assert set(written["aid"]) == {"support"} and set(written["speaker"]) == {"Jan Novak"}
    assert set(written["annotator"]) == {"ann@example.org"} and set(written["annotated_at"]) == {"2025-05-02T09:00:00Z"}
    assert written["id"].tolist() == [t["data"]["id"] for t in tasks[:-1]]


@pytest.mark.parametrize(
    ("case", "change", "message"),
    [
        ("import-unknown-label", {"aid": "maybe"}, "aid: unknown label 'maybe'"),
        ("import-missing-label", {"peace_talks": ""}, "no label for peace_talks"),
    ],
)
def test_import_refuses_bad_labels(bare_project, classified_file, tmp_path, capsys, case, change, message):
    sheet = _suggest(bare_project, classified_file, tmp_path, n=4)
    frame = pd.read_csv(sheet, dtype=str, keep_default_na=False)
    for t in SCHEMA.target_names:
        frame[t] = "none"
    frame.loc[2, list(change)] = list(change.values())
    frame.to_csv(sheet, index=False)
    out = bare_project / "data" / "labeled" / "bad.csv"
    assert main(["import-labels", str(sheet), "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0] and "line 4" in err[0] and not out.exists()


def test_import_refuses_to_overwrite_and_near_duplicates_of_the_corpus(bare_project, tmp_path, capsys):
    existing = bare_project / "data" / "labeled" / "old.csv"
    existing.write_text(
        "id,article_id,text,membership_timing,aid,peace_talks\n"
        "o1,o1,The minister said the next tranche of air-defence missiles would reach Kyiv before winter."
        ",none,support,none\n",
        encoding="utf-8",
    )
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(
        "id,text,membership_timing,aid,peace_talks\n"
        "n1,The minister said the next tranche of air defence missiles would reach Kyiv before the winter."
        ",none,support,none\n",
        encoding="utf-8",
    )
    assert main(["import-labels", str(sheet), "-o", str(existing)]) == 2
    assert "already exists" in capsys.readouterr().err
    out = bare_project / "data" / "labeled" / "new.csv"
    assert main(["import-labels", str(sheet), "-o", str(out)]) == 2
    assert "near-duplicate" in capsys.readouterr().err and not out.exists()


def test_labeling_config_has_a_choice_group_per_target_with_the_meanings(tmp_path):
    out = tmp_path / "config.xml"
    assert main(["labeling-config", "-o", str(out), "--schema", str(PROJECT / "data" / "schema.yaml")]) == 0
    view = ET.fromstring(out.read_text(encoding="utf-8"))
    groups = {c.get("name"): c for c in view.iter("Choices")}
    assert list(groups) == SCHEMA.target_names
    for target in SCHEMA.targets:
        choices = groups[target.name].findall("Choice")
        assert [c.get("value") for c in choices] == target.label_names
        assert [c.get("hint") for c in choices] == [label.meaning for label in target.labels]
    assert view.find("TextArea").get("name") == labelstudio.SPEAKER
