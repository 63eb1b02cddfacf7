"""The evaluation's arithmetic: bootstrap scores, the keyword baseline, calibration.

Grouped cross-validation runs, and is checked, in test_report's evaluated project.
"""

import numpy as np
import pytest

from pipeline.data import schema
from pipeline.evaluation import baselines, bootstrap, calibration
from pipeline.evaluation.scores import target_scores
from tests.helpers import PROJECT

SCHEMA = schema.load(PROJECT / "data" / "schema.yaml")


def test_bootstrap_scores_of_the_whole_sample_are_the_direct_scores():
    rng = np.random.default_rng(0)
    t = SCHEMA.target("aid")
    gold = rng.choice(t.label_names, 300, p=[0.2, 0.1, 0.1, 0.6]).astype(object)
    pred = np.where(rng.random(300) < 0.7, gold, rng.choice(t.label_names, 300)).astype(object)
    groups = rng.integers(0, 80, 300)
    k = len(t.label_names)
    per_group = bootstrap.group_confusions(bootstrap.codes(gold, t), bootstrap.codes(pred, t), groups, 80, k)
    positions = [t.label_names.index(lab) for lab in t.positions]
    whole = bootstrap.scores(np.ones((1, 80)) @ per_group, k, positions)
    direct = target_scores(gold, pred, t)
    for name in ("macro_f1", "stance_f1", "accuracy"):
        assert whole[name][0] == pytest.approx(direct[name])
    resampled = bootstrap.resampled_scores({"m": per_group}, k, positions, bootstrap.resample_weights(80, 300, 1))
    low, high = bootstrap.interval(resampled["m"]["stance_f1"])
    assert len(resampled["m"]["stance_f1"]) == 300
    assert low < direct["stance_f1"] < high


def test_keyword_baseline_is_built_from_the_schema_meanings():
    def weather(pro: str, con: str) -> schema.Schema:
        return schema.from_dict(
            {
                "targets": {
                    "rain": {
                        "description": "Rainfall forecasts.",
                        "labels": [
                            {"name": "pro", "kind": "position", "meaning": pro},
                            {"name": "con", "kind": "position", "meaning": con},
                            {"name": "neutral", "kind": "neutral", "meaning": "Rainfall with no view."},
                            {"name": "none", "kind": "off_topic", "meaning": "Not about rainfall."},
                        ],
                    }
                }
            }
        )

    texts = ["Farmers welcome the rainfall.", "The rainfall is a disaster.", "Rainfall expected.", "Stocks fell."]
    first = baselines.KeywordRules(weather("Welcome rainfall.", "Rainfall as a disaster.")).predict(texts)
    assert first["rain"].tolist() == ["pro", "con", "neutral", "none"]
    swapped = baselines.KeywordRules(weather("Rainfall as a disaster.", "Welcome rainfall.")).predict(texts)
    assert swapped["rain"].tolist() == ["con", "pro", "neutral", "none"]


def test_expected_calibration_error():
    gold = np.array(["a"] * 10, dtype=object)
    nine_right = np.array(["a"] * 9 + ["b"], dtype=object)
    assert calibration.ece(calibration.reliability(gold, nine_right, np.full(10, 0.9))) == pytest.approx(0.0)
    half_right = np.array(["a"] * 5 + ["b"] * 5, dtype=object)
    table = calibration.reliability(gold, half_right, np.r_[np.full(5, 0.95), np.full(5, 0.55)])
    assert table["count"].tolist() == [5, 5]
    assert calibration.ece(table) == pytest.approx(0.5 * (1 - 0.95) + 0.5 * 0.55)  # right at 0.95, wrong at 0.55
