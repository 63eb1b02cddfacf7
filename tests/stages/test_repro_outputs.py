"""Checks of the workspace's own `dvc repro` outputs (marked `repro`).

A fresh clone has none of these files, so the tests skip there; CI runs
`dvc repro` first and sets STANCE_REQUIRE_REPRO=1, which turns a skip into a
failure. They hold the shipped pipeline's numbers to the same floors as the
model the test suite trains itself.
"""

from __future__ import annotations

import json
import os
import subprocess

import numpy as np
import pandas as pd
import pytest

from pipeline.model import estimator, served, voting
from tests.helpers import PROJECT
from tests.model.test_quality_floors import MEAN_STANCE_F1_FLOOR, SVM_MARGIN_FLOOR

pytestmark = pytest.mark.repro
REQUIRED = bool(os.environ.get("STANCE_REQUIRE_REPRO"))
OUTPUTS = (
    "models/stance.npz",
    "models/stance.joblib",
    "models/fast.npz",
    "models/encoder.onnx",
    "reports/metrics.json",
    "data/prepared/test.csv",
)


@pytest.fixture(autouse=True)
def _outputs_present():
    missing = [name for name in OUTPUTS if not (PROJECT / name).is_file()]
    if missing:
        if REQUIRED:
            pytest.fail(f"dvc repro outputs missing: {missing}")
        pytest.skip(f"run `dvc repro` first ({missing[0]} is missing)")


def test_the_shipped_metrics_clear_the_floors():
    metrics = json.loads((PROJECT / "reports" / "metrics.json").read_text())
    assert metrics["mean_stance_f1"] >= MEAN_STANCE_F1_FLOOR
    assert metrics["baselines"]["svm"]["model_minus_baseline_ci95_high"] >= SVM_MARGIN_FLOOR
    for target in metrics["targets"].values():
        assert target["stance_f1_ci95_low"] <= target["stance_f1"] <= target["stance_f1_ci95_high"]


def test_the_workspace_models_serve_what_they_were_trained_to_predict():
    default = PROJECT / "models" / "stance.npz"
    vote, _ = estimator.load_pipeline(default)
    texts = pd.read_csv(PROJECT / "data" / "prepared" / "test.csv")["text"].tolist()[:100]
    assert voting.check_parity(vote, served.load(default), texts) <= voting.PARITY_TOLERANCE
    path = PROJECT / "models" / "fast.npz"
    fitted, _ = estimator.load_pipeline(path)
    texts = pd.read_csv(PROJECT / "data" / "prepared" / "test.csv")["text"].tolist()[:300]
    features = fitted.named_steps["features"].transform(texts)
    for ours, est in zip(
        served.load(path).proba(texts, calibrated=False), fitted.named_steps["classify"].estimators_, strict=True
    ):
        np.testing.assert_allclose(ours, est.predict_proba(features), rtol=0, atol=1e-9)


def test_dvc_has_nothing_left_to_run():
    done = subprocess.run(["dvc", "status"], cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "changed" not in done.stdout, done.stdout
