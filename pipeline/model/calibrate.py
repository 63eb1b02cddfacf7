"""Confidences a user can threshold: temperature scaling fitted on held-out predictions.

The logistic regressions are underconfident on this data (their confidences
run below how often they are right: the fitted temperatures are below 1), so a `--min-confidence`
threshold would throw away good labels. One temperature per target divides the
scores before the softmax: it changes no label (the argmax stays), only how
sure each label says it is. It is fitted, inside the training stage, on
cross-fitted scores of the training split (grouped by article, so a sentence
is never scored by a model that saw its article), by minimising the negative
log-likelihood of the gold labels.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar
from sklearn.model_selection import GroupKFold

from pipeline.data.schema import Schema
from pipeline.evaluation.calibration import ece, reliability
from pipeline.model import estimator
from pipeline.model.served import ServedModel
from pipeline.params import TrainParams


def _nll(scores: np.ndarray, gold: np.ndarray, temperature: float) -> float:
    z = scores / temperature
    if z.shape[1] == 1:  # binary: one column, the logistic function
        z = np.column_stack([np.zeros(len(z)), z[:, 0]])
    z = z - z.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(z).sum(axis=1))
    return float(np.mean(log_norm - z[np.arange(len(z)), gold]))


def fit_temperature(scores: np.ndarray, gold: np.ndarray) -> float:
    """The temperature in [e^-2.5, e^2.5] that minimises the NLL of `gold` (class indices) under `scores`."""
    found = minimize_scalar(lambda t: _nll(scores, gold, float(np.exp(t))), bounds=(-2.5, 2.5), method="bounded")
    return round(float(np.exp(found.x)), 4)


def cross_fitted_scores(
    data: pd.DataFrame, schema: Schema, params: TrainParams, folds: int
) -> tuple[np.ndarray, ServedModel]:
    """Every row's raw scores from a model trained on the other folds (grouped by article)."""
    splitter = GroupKFold(n_splits=folds)
    scores: np.ndarray | None = None
    arrays = None
    for train_idx, held_idx in splitter.split(data, groups=data["article_id"].to_numpy()):
        _, arrays = estimator.fit(data.iloc[train_idx].reset_index(drop=True), schema, params)
        part = arrays.scores(data["text"].iloc[held_idx].tolist())
        if scores is None:
            scores = np.zeros((len(data), part.shape[1]))
        scores[held_idx] = part
    assert scores is not None and arrays is not None
    return scores, arrays


def _proba(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores / temperature
    if z.shape[1] == 1:
        z = np.column_stack([np.zeros(len(z)), z[:, 0]])
    z = z - z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    return z / z.sum(axis=1, keepdims=True)


def fit_temperatures(model: Any, scores: np.ndarray, classes: list, data: pd.DataFrame, folds: int) -> dict[str, Any]:
    """Set `model.temperature_` from cross-fitted `scores` of `data`; return the temperatures and ECE before/after.

    model: a served model (n-gram or ensemble) whose ``rows_`` say where each target's columns are;
    classes: per target, the class order of the models that gave `scores`.
    """
    report: dict[str, Any] = {"folds": folds, "targets": {}}
    temperatures = []
    for k, name in enumerate(model.targets):
        columns = scores[:, model.rows_[k] : model.rows_[k + 1]]
        names = [str(c) for c in classes[k]]
        gold = np.array([names.index(g) for g in data[name]])
        t = fit_temperature(columns, gold)
        temperatures.append(t)
        entry = {"temperature": t}
        for label, temp in (("ece_before", 1.0), ("ece_after", t)):
            proba = _proba(columns, temp)
            best = proba.argmax(axis=1)
            table = reliability(gold, best, proba[np.arange(len(best)), best], bins=10)
            entry[label] = round(ece(table), 4)
        report["targets"][name] = entry
    model.temperature_ = np.array(temperatures)
    return report


def calibrate(model: ServedModel, data: pd.DataFrame, schema: Schema, params: TrainParams) -> dict[str, Any]:
    """Set the n-gram `model`'s temperatures from cross-fitted scores of `data` (see `fit_temperatures`).

    Folds fitted on different subsets order their classes the same (every
    target's labels occur in each), which `model.rows_` relies on.
    """
    scores, fold_model = cross_fitted_scores(data, schema, params, params.calibration_folds)
    return fit_temperatures(model, scores, fold_model.classes_, data, params.calibration_folds)
