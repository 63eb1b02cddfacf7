"""Scores of one labeling against gold, shared by every stage that measures.

Stance-F1 is macro-F1 over a target's position labels (SemEval-2016's F_avg).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import precision_recall_fscore_support

from pipeline.data.schema import Target


def f1_by_label(gold: np.ndarray, pred: np.ndarray, labels: list[str]) -> dict[str, float]:
    """F1 of each label that occurs in gold or predictions (absent labels are left out)."""
    present = [lab for lab in labels if (gold == lab).any() or (pred == lab).any()]
    if not present:
        return {}
    _, _, f1, _ = precision_recall_fscore_support(gold, pred, labels=present, zero_division=0)
    return dict(zip(present, map(float, f1), strict=True))


def target_scores(gold: np.ndarray, pred: np.ndarray, target: Target) -> dict[str, Any]:
    f1 = f1_by_label(gold, pred, target.label_names)
    positions = [f1[lab] for lab in target.positions if lab in f1]
    return {
        "macro_f1": float(np.mean(list(f1.values()))) if f1 else 0.0,
        "stance_f1": float(np.mean(positions)) if positions else 0.0,
        "accuracy": float((gold == pred).mean()) if len(gold) else 0.0,
    }


def per_class(gold: np.ndarray, pred: np.ndarray, target: Target) -> dict[str, dict[str, float]]:
    labels = target.label_names
    p, r, f, s = precision_recall_fscore_support(gold, pred, labels=labels, zero_division=0)
    return {
        lab: {
            "precision": round(float(p[i]), 4),
            "recall": round(float(r[i]), 4),
            "f1": round(float(f[i]), 4),
            "support": int(s[i]),
        }
        for i, lab in enumerate(labels)
    }
