"""End to end: the README's `dvc repro` in a fresh copy of the project."""

import json
import os
import shutil
import signal
import subprocess
import time

import pytest
import yaml

from pipeline.model import served
from tests.helpers import PROJECT


def _git_files() -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=PROJECT, capture_output=True, text=True, check=True
    ).stdout
    return [line for line in out.splitlines() if (PROJECT / line).is_file()]


def _dvc(*args, cwd):
    return subprocess.run(["dvc", *args], cwd=cwd, capture_output=True, text=True, timeout=600)


@pytest.mark.skipif(shutil.which("dvc") is None, reason="dvc is a core dependency; install the project first")
def test_dvc_repro_in_a_fresh_copy(tmp_path):
    root = tmp_path / "clone"
    for name in _git_files():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT / name, root / name)
    for name in (
        "models/stance.npz",
        "models/stance.joblib",
        "data/prepared/train.csv",
        "reports/metrics.json",
        "reports/report.html",
    ):
        (root / name).unlink(missing_ok=True)
    # The encoder stage's output when the workspace has built it (CI has, after its own `dvc repro`): DVC then
    # skips that stage here as unchanged, as it would on a machine that ran it before.
    if (PROJECT / "models" / "encoder.onnx").is_file():
        (root / "models").mkdir(exist_ok=True)
        shutil.copy2(PROJECT / "models" / "encoder.onnx", root / "models" / "encoder.onnx")
    # CI runs `dvc repro` on the full corpus itself; here a part of it keeps the test quick.
    for extra in sorted((root / "data" / "labeled").glob("*.csv"))[:-5]:
        if extra.name != "real_talks.csv":  # real pages too, for the held-back test and the adaptation stage
            extra.unlink()
    # Fewer folds, resamples and curve points than the shipped params: the stages and their DAG are under test here.
    cheap = yaml.safe_load((root / "params.yaml").read_text())
    cheap["evaluate"].update(cv_folds=0, bootstrap=200)  # the report tests check cross-validation
    cheap["train"]["calibration_folds"] = 2
    cheap["train"]["encoder_weight"] = 0  # the n-grams alone: the DAG is under test; CI's `dvc repro` runs the encoder
    cheap["attribution"]["parser"] = ""  # and speakers by rules alone, for the same reason
    cheap["learning_curve"]["fractions"] = [1.0]
    cheap["adaptation"].update(rounds=1, batch=20, random_repeats=1)
    (root / "params.yaml").write_text(yaml.safe_dump(cheap))
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)

    first = _dvc("repro", cwd=root)
    assert first.returncode == 0, first.stdout + first.stderr
    metrics = json.loads((root / "reports" / "metrics.json").read_text())
    assert 0 < metrics["mean_stance_f1"] <= 1
    assert metrics["mean_stance_f1_ci95_low"] <= metrics["mean_stance_f1"] <= metrics["mean_stance_f1_ci95_high"]
    assert "Mean stance-F1" in (root / "reports" / "report.html").read_text()
    assert "## Most confident mistakes" in (root / "reports" / "report.md").read_text()
    records = (root / "reports" / "sample_classified.jsonl").read_text().splitlines()
    assert len(records) > 50
    adapted = json.loads((root / "reports" / "adaptation.json").read_text())
    assert adapted["labels_added"] == min(20, adapted["pool_statements"]) > 0 and len(adapted["paired"]) == 1
    assert "Adapting to new outlets" in (root / "reports" / "report.md").read_text()
    page = (root / "reports" / "findings" / "findings.html").read_text()
    assert f"6 articles and {len(records)} sentences" in page and "Sample Wire" in page

    second = _dvc("repro", cwd=root)
    assert second.returncode == 0
    assert "Running stage" not in second.stdout
    assert "up to date" in second.stdout

    shown = _dvc("metrics", "show", cwd=root)
    assert shown.returncode == 0 and "mean_stance_f1" in shown.stdout

    params = yaml.safe_load((root / "params.yaml").read_text())
    params["evaluate"]["bootstrap"] = 100
    (root / "params.yaml").write_text(yaml.safe_dump(params))
    third = _dvc("repro", cwd=root)
    assert third.returncode == 0, third.stdout + third.stderr
    ran = {line.split("'")[1] for line in third.stdout.splitlines() if line.startswith("Running stage")}
    assert ran == {"evaluate", "adaptation", "report"}  # the stages that read evaluate.bootstrap, and after them

    # Interrupted during `train`: the previous model and its card stay in place, and still load.
    model_file = root / "models" / "stance.npz"
    before = (model_file.read_bytes(), model_file.with_suffix(".json").read_bytes())
    params["train"]["C"] = params["train"]["C"] * 2
    (root / "params.yaml").write_text(yaml.safe_dump(params))
    process = subprocess.Popen(
        ["dvc", "repro"], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    seen = []
    for line in process.stdout:
        seen.append(line)
        if line.startswith("> stance train"):
            time.sleep(0.5)  # inside `stance train`, before it has fitted anything
            break
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert any(line.startswith("> stance train") for line in seen), "".join(seen)
    assert (model_file.read_bytes(), model_file.with_suffix(".json").read_bytes()) == before
    served.load(model_file)
