"""Temperature scaling: fitted on held-out scores, it changes confidences, never labels."""

import copy
import json

import numpy as np
import pandas as pd
import pytest

from pipeline.data import schema
from pipeline.model import served
from pipeline.model.calibrate import fit_temperature
from pipeline.model.predict import predict
from tests.helpers import PROJECT


def test_fit_temperature_recovers_the_temperature_that_generated_the_labels():
    rng = np.random.default_rng(0)
    scores = rng.normal(0, 3, size=(20_000, 4))
    true_t = 2.0  # the scores are twice as sharp as the labels they were drawn from: overconfident
    p = np.exp(scores / true_t)
    p /= p.sum(axis=1, keepdims=True)
    gold = np.array([rng.choice(4, p=row) for row in p])
    assert abs(fit_temperature(scores, gold) - true_t) < 0.1
    sharp = np.array([rng.choice(4, p=row) for row in np.exp(scores * 2) / np.exp(scores * 2).sum(1, keepdims=True)])
    assert abs(fit_temperature(scores, sharp) - 0.5) < 0.05  # underconfident scores get a temperature below 1


@pytest.mark.parametrize("name", ["stance.npz", "fast.npz"])
def test_the_trained_model_is_calibrated_without_changing_a_label(model_path, trained_project, name):
    model_path = model_path.with_name(name)
    arrays = served.load(model_path)
    calibration = json.loads(model_path.with_suffix(".json").read_text())["calibration"]
    assert list(calibration["targets"]) == arrays.targets
    for k, name in enumerate(arrays.targets):
        entry = calibration["targets"][name]
        assert arrays.temperature_[k] == entry["temperature"] != 1.0
        assert entry["ece_after"] < entry["ece_before"]
    texts = pd.read_csv(trained_project / "data" / "prepared" / "test.csv")["text"].tolist()[:500]
    raw = copy.copy(arrays)
    raw.temperature_ = np.ones(len(arrays.targets))
    calibrated, uncalibrated = predict(arrays, texts), predict(raw, texts)
    for name in arrays.targets:
        assert calibrated[name].tolist() == uncalibrated[name].tolist()
        assert not np.allclose(calibrated[f"{name}_confidence"], uncalibrated[f"{name}_confidence"])


def test_the_evaluation_reports_ece_before_and_after_and_threshold_guidance(trained_project):
    from pipeline.evaluation.metrics import threshold_guidance

    the_schema = schema.load(PROJECT / "data" / "schema.yaml")
    test = pd.read_csv(trained_project / "data" / "prepared" / "test.csv", dtype=str, keep_default_na=False)
    predicted = predict(served.load(trained_project / "models" / "stance.npz"), test["text"].tolist())
    guide = threshold_guidance(test, predicted, the_schema)
    for t in the_schema.targets:
        rows = guide[t.name]
        assert [r["min_confidence"] for r in rows] == [0.5, 0.6, 0.7, 0.8, 0.9]
        coverage = [r["coverage"] for r in rows]
        assert coverage == sorted(coverage, reverse=True)  # a higher threshold keeps fewer labels
        for r in rows:  # each figure recomputed directly
            kept = predicted[f"{t.name}_confidence"] >= r["min_confidence"]
            assert r["coverage"] == round(float(kept.mean()), 4)
            right = (test[t.name][kept] == predicted[t.name][kept]).mean()
            assert r["accuracy"] == round(float(right), 4)
