"""Predictions as a table: label and confidence per target, from the served model.

Evaluation, cross-validation, the learning curve and `stance predict` all call
this one function on a `ServedModel`, so every number the project reports comes
from the model `stance classify` runs.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.model.served import ServedModel


def predict(model: ServedModel, texts: list[str]) -> pd.DataFrame:
    """Label and confidence (the probability of that label, to 4 places) per target for each text."""
    columns: dict[str, Any] = {}
    if not texts:
        for name in model.targets:
            columns[name] = pd.Series([], dtype=object)
            columns[f"{name}_confidence"] = pd.Series([], dtype=float)
        return pd.DataFrame(columns)
    for name, (labels, confidence) in model.labels(texts).items():
        columns[name] = labels
        columns[f"{name}_confidence"] = confidence
    return pd.DataFrame(columns)
