"""Model integrity: schema, library versions, and a model that survives an interrupted save."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
import yaml

from pipeline import StanceError
from pipeline.data import schema
from pipeline.model import card as modelcard
from pipeline.model import estimator, served
from tests.helpers import PROJECT, copy_project

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
    modelcard.check_schema(modelcard.read_card(project / "models" / "stance.npz"), the_schema, "s", project / "m")
    with pytest.raises(StanceError, match="targets membership_timing, aid, peace_talks where s has aid"):
        modelcard.check_schema(
            modelcard.read_card(project / "models" / "stance.npz"),
            schema.from_dict({"targets": {"aid": the_schema.to_dict()["targets"]["aid"]}}),
            "s",
            project / "m",
        )


def test_predict_and_classify_run_without_scikit_learn_whatever_version_trained_the_model(project):
    """The served model is plain arrays: neither command imports scikit-learn or unpickles anything."""
    card_file = project / "models" / "stance.json"
    card = json.loads(card_file.read_text())
    card["versions"]["scikit-learn"] = "1.0.2"
    card_file.write_text(json.dumps(card))
    probe = (
        "import sys; from pipeline import cli; code = cli.main(sys.argv[1:]); "
        "assert 'sklearn' not in sys.modules and 'joblib' not in sys.modules, 'imported'; sys.exit(code)"
    )
    for command, out in (("predict", "o.jsonl"), ("classify", "c.jsonl")):
        result = subprocess.run(
            [sys.executable, "-c", probe, command, "in.jsonl", "-o", out],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0 and "warning" not in result.stderr, result.stderr
        assert (project / out).is_file()


@pytest.mark.parametrize("failing", ["pipeline", "arrays"])
def test_a_save_that_fails_midway_keeps_the_previous_model(project, monkeypatch, failing):
    path = project / "models" / "stance.npz"
    fitted, card = estimator.load_pipeline(path)
    arrays = served.load(path)
    files = [path, path.with_suffix(".joblib"), path.with_suffix(".json")]
    before = [f.read_bytes() for f in files]

    def write_half_then_fail(obj, filename, **kwargs):
        with open(filename, "wb") as fh:
            fh.write(before[0][: len(before[0]) // 2])
        raise OSError(28, "No space left on device")

    if failing == "pipeline":
        monkeypatch.setattr(estimator.joblib, "dump", write_half_then_fail)
    else:
        monkeypatch.setattr(type(arrays), "save", lambda self, filename: write_half_then_fail(self, filename))
    with pytest.raises(StanceError, match="No space left on device.*the previous one is kept"):
        estimator.save(fitted, arrays, schema.load(project / "data" / "schema.yaml"), path, {"params": card["params"]})
    assert [f.read_bytes() for f in files] == before
    assert not [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    estimator.load_pipeline(path)
    served.load(path)
