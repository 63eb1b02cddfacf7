"""Model integrity: schema, library versions, and a model that survives an interrupted save."""

from __future__ import annotations

import json
import shutil

import pytest
import sklearn
import yaml

from pipeline import StanceError, fused, model, modelcard, schema

from .conftest import PROJECT, copy_project, run_stance

ROW = {"id": "1", "text": "Allies should invite Ukraine at the next summit, the Polish president said."}


@pytest.fixture
def project(trained_project, tmp_path):
    """A project with the trained model and its own copy of the schema to change."""
    root = copy_project(tmp_path / "p", ("data/schema.yaml", "params.yaml", "dvc.yaml"))
    shutil.copytree(trained_project / "models", root / "models")
    (root / "in.jsonl").write_text(json.dumps(ROW) + "\n", encoding="utf-8")
    return root


def _edit_schema(root, change):
    path = root / "data" / "schema.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(raw)
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")


def test_a_model_trained_on_another_schema_is_refused_unless_schema_says(project, stance):
    _edit_schema(project, lambda raw: raw["targets"]["aid"]["labels"].append({"name": "mixed", "kind": "position"}))
    for command, out in (("predict", "o.jsonl"), ("classify", "c.jsonl")):
        result = stance(command, "in.jsonl", "-o", out, cwd=project)
        assert result.code == 2 and "Traceback" not in result.err
        line = result.err.strip()
        assert line.startswith("stance: error: ") and "\n" not in line
        assert "trained on another schema (aid labels support (position)" in line and "mixed (position)" in line
        assert not (project / out).exists()
    trained_on = stance(
        "predict", "in.jsonl", "-o", "o.jsonl", "--schema", str(PROJECT / "data/schema.yaml"), cwd=project
    )
    assert trained_on.code == 0, trained_on.err
    assert json.loads((project / "o.jsonl").read_text())["aid"] in {"support", "oppose", "neutral", "none"}


def test_rewording_the_schema_is_not_another_schema(project):
    def reword(raw):
        raw["targets"]["aid"]["description"] = "Reworded."
        raw["targets"]["aid"]["labels"][0]["meaning"] = "Reworded too."

    _edit_schema(project, reword)
    the_schema = schema.load(project / "data" / "schema.yaml")
    modelcard.check_schema(modelcard.read_card(project / "models" / "stance.joblib"), the_schema, "s", project / "m")
    with pytest.raises(StanceError, match="targets membership_timing, aid, peace_talks where s has aid"):
        modelcard.check_schema(
            modelcard.read_card(project / "models" / "stance.joblib"),
            schema.from_dict({"targets": {"aid": the_schema.to_dict()["targets"]["aid"]}}),
            "s",
            project / "m",
        )


def test_another_scikit_learn_version_is_a_warning_naming_both(project):
    card_file = project / "models" / "stance.json"
    card = json.loads(card_file.read_text())
    card["versions"]["scikit-learn"] = "1.0.2"
    card_file.write_text(json.dumps(card))
    result = run_stance("predict", "in.jsonl", "-o", "o.jsonl", cwd=project)
    assert result.returncode == 0, result.stderr
    warning = [line for line in result.stderr.splitlines() if line.startswith("stance: warning:")]
    assert len(warning) == 1
    assert f"scikit-learn 1.0.2, this is scikit-learn {sklearn.__version__}" in warning[0]
    assert "Warning:" not in result.stderr  # no Python warning noise beside our one line
    # classify runs the model's arrays, which do not depend on the scikit-learn that trained them
    result = run_stance("classify", "in.jsonl", "-o", "c.jsonl", cwd=project)
    assert result.returncode == 0 and "warning" not in result.stderr, result.stderr


@pytest.mark.parametrize("failing", ["model", "arrays"])
def test_a_save_that_fails_midway_keeps_the_previous_model(project, monkeypatch, failing):
    path = project / "models" / "stance.joblib"
    fitted, card = model.load(path)
    files = [path, path.with_suffix(".npz"), path.with_suffix(".json")]
    before = [f.read_bytes() for f in files]

    def write_half_then_fail(obj, filename, **kwargs):
        with open(filename, "wb") as fh:
            fh.write(before[0][: len(before[0]) // 2])
        raise OSError(28, "No space left on device")

    if failing == "model":
        monkeypatch.setattr(model.joblib, "dump", write_half_then_fail)
    else:
        monkeypatch.setattr(fused.FusedModel, "save", lambda self, filename: write_half_then_fail(self, filename))
    with pytest.raises(StanceError, match="No space left on device.*the previous one is kept"):
        model.save(fitted, schema.load(project / "data" / "schema.yaml"), path, {"params": card["params"]})
    assert [f.read_bytes() for f in files] == before
    assert not [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    model.load(path)
    assert fused.load(path, modelcard.read_card(path)) is not None
