"""Quality floors: a broken model (shuffled labels, a wrong feature, a lost class) must fail the suite.

The floors run on a model trained from the shipped data in a temporary copy of
the project (the `trained_project` fixture), so they need no `dvc repro`.
`STANCE_FLOOR_PROJECT` points them at another trained project instead: the
shuffled-labels test below does exactly that, and expects them to fail.

The floor is the in-house test split's mean stance-F1 when the floor was set
(0.755, README) minus a margin of 0.05 for the scatter of retraining on
other library versions; the model may not fall below the SemEval-style SVM
baseline by more than 0.02 (its paired interval's upper end); and the
directional cases, one sentence per row written from the annotation guide's
label meanings, must mostly get the label the guide gives them.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from pipeline.data import labeled as data
from pipeline.data import schema
from pipeline.evaluation import baselines
from pipeline.evaluation.metrics import evaluate
from pipeline.model import estimator, served
from pipeline.model.predict import predict
from pipeline.stages import train
from tests.helpers import PROJECT, copy_project

MEAN_STANCE_F1_FLOOR = 0.705
SVM_MARGIN_FLOOR = -0.02
DIRECTIONAL_SHARE_FLOOR = 0.85  # of all cases right
DIRECTIONAL_PER_LABEL_FLOOR = 3  # of the five cases of each position label
CASES = Path(__file__).with_name("directional_cases.csv")


@pytest.fixture(scope="module")
def floor_project(request) -> Path:
    other = os.environ.get("STANCE_FLOOR_PROJECT")
    return Path(other) if other else request.getfixturevalue("trained_project")


@pytest.fixture(scope="module")
def scored(floor_project) -> dict:
    the_schema = schema.load(floor_project / "data" / "schema.yaml")
    train_split = data.read_prepared(floor_project / "data" / "prepared" / "train.csv", the_schema)
    test_split = data.read_prepared(floor_project / "data" / "prepared" / "test.csv", the_schema)
    model_path = floor_project / "models" / "stance.npz"
    predicted = predict(served.load(model_path), test_split["text"].tolist())
    fitted, _ = estimator.load_pipeline(model_path)
    others = baselines.predict_all(fitted, train_split, test_split, the_schema, 1.0)
    return evaluate(test_split, predicted, others, the_schema, n_boot=300, seed=7)


def test_mean_stance_f1_is_above_the_floor(scored):
    assert scored["mean_stance_f1"] >= MEAN_STANCE_F1_FLOOR, (
        f"mean stance-F1 {scored['mean_stance_f1']:.3f} fell below the floor {MEAN_STANCE_F1_FLOOR}"
    )


def test_the_model_is_not_clearly_below_the_svm_baseline(scored):
    margin = scored["baselines"]["svm"]
    assert margin["model_minus_baseline_ci95_high"] >= SVM_MARGIN_FLOOR, (
        f"the model is below the SVM baseline by {-margin['model_minus_baseline']:.3f} "
        f"(interval up to {margin['model_minus_baseline_ci95_high']:.3f})"
    )


def test_directional_cases_get_the_guides_labels(floor_project):
    cases = pd.read_csv(CASES)
    arrays = served.load(floor_project / "models" / "stance.npz")
    got = predict(arrays, cases["text"].tolist())
    cases["got"] = [got.at[i, t] for i, t in enumerate(cases["target"])]
    right = cases["got"] == cases["expected"]
    wrong = cases[~right][["target", "expected", "got", "text"]].to_string()
    assert right.mean() >= DIRECTIONAL_SHARE_FLOOR, f"{right.mean():.0%} of directional cases right:\n{wrong}"
    per_label = cases[cases["expected"] != "none"].assign(right=right).groupby(["target", "expected"])["right"].sum()
    assert (per_label >= DIRECTIONAL_PER_LABEL_FLOOR).all(), f"{per_label.to_dict()}\n{wrong}"


def test_directional_cases_use_the_schemas_labels():
    the_schema = schema.load(PROJECT / "data" / "schema.yaml")
    cases = pd.read_csv(CASES)
    by_name = {t.name: t for t in the_schema.targets}
    assert set(cases["target"]) == set(by_name)
    for target, expected in zip(cases["target"], cases["expected"], strict=True):
        assert expected in by_name[target].label_names
    for t in the_schema.targets:  # every position label has its five cases
        counts = cases[cases["target"] == t.name]["expected"].value_counts()
        assert all(counts.get(label, 0) == 5 for label in t.positions), (t.name, counts.to_dict())


def _shuffled_project(dest: Path, trained_project: Path) -> Path:
    """A copy of the trained project whose training labels are shuffled: same texts, same label counts.

    The test split stays as it is, so the floors judge the broken model on the real test labels. Page
    furniture (short lines off topic on every target) keeps its labels; every other training row gets
    another row's labels.
    """
    root = copy_project(dest)
    shutil.copytree(trained_project / "data" / "prepared", root / "data" / "prepared")
    the_schema = schema.load(root / "data" / "schema.yaml")
    path = root / "data" / "prepared" / "train.csv"
    # A third of the training rows is as good as all of them for learning nothing, and trains in a third the time.
    frame = pd.read_csv(path, dtype=str, keep_default_na=False).sample(frac=1 / 3, random_state=0)
    frame = frame.reset_index(drop=True)
    movable = np.flatnonzero(~data.page_furniture(frame, the_schema))
    order = list(movable)
    random.Random(0).shuffle(order)
    for name in the_schema.target_names:
        column = frame[name].to_numpy().copy()
        column[movable] = frame[name].to_numpy()[order]
        frame[name] = column
    frame.to_csv(path, index=False)
    # The n-gram model alone, uncalibrated and with few solver steps (on shuffled labels it would take the most
    # steps of any fit for nothing): enough to show the floors refuse a model that learned nothing.
    settings = yaml.safe_load((root / "params.yaml").read_text())
    settings["train"].update(encoder_weight=0, calibration_folds=0, max_iter=20)
    (root / "params.yaml").write_text(yaml.safe_dump(settings))
    train.run(root)
    return root


def test_a_model_trained_on_shuffled_labels_fails_these_floors(tmp_path, trained_project):
    """The suite must catch a broken model: run this file's floors against one trained on shuffled labels."""
    if os.environ.get("STANCE_FLOOR_PROJECT"):
        pytest.skip("already running against another project")
    root = _shuffled_project(tmp_path / "shuffled", trained_project)
    arrays = served.load(root / "models" / "stance.npz")
    assert np.isfinite(arrays.intercept_).all()  # it trained: the floors, not training, must refuse it
    floors = [f"{__file__}::{name}" for name in ("test_mean_stance_f1_is_above_the_floor",)]
    floors.append(f"{__file__}::test_directional_cases_get_the_guides_labels")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *floors],
        cwd=PROJECT,
        env={**os.environ, "STANCE_FLOOR_PROJECT": str(root)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 1, result.stdout[-3000:]
    assert "2 failed" in result.stdout, result.stdout[-3000:]
    assert "fell below the floor" in result.stdout
