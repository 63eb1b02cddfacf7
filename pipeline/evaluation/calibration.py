"""Calibration: does a confidence of 0.8 mean right four times in five?

Expected calibration error (ECE) bins predictions by confidence (the
probability of the predicted label) into equal-width bins and averages
|accuracy - mean confidence| over the bins, weighted by how many predictions
each holds. The bins themselves are the reliability diagram.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def reliability(gold: np.ndarray, pred: np.ndarray, confidence: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """One row per non-empty bin: its edges, count, mean confidence and accuracy."""
    confidence = np.asarray(confidence, dtype=np.float64)
    correct = np.asarray(gold) == np.asarray(pred)
    which = np.clip((confidence * bins).astype(int), 0, bins - 1)  # a confidence of 1.0 joins the top bin
    rows = []
    for b in range(bins):
        member = which == b
        if member.any():
            rows.append(
                {
                    "bin_low": round(b / bins, 4),
                    "bin_high": round((b + 1) / bins, 4),
                    "count": int(member.sum()),
                    "confidence": round(float(confidence[member].mean()), 4),
                    "accuracy": round(float(correct[member].mean()), 4),
                }
            )
    return pd.DataFrame(rows, columns=["bin_low", "bin_high", "count", "confidence", "accuracy"])


def ece(table: pd.DataFrame) -> float:
    """Expected calibration error from a reliability table."""
    total = table["count"].sum()
    if not total:
        return 0.0
    return float((table["count"] * (table["accuracy"] - table["confidence"]).abs()).sum() / total)
