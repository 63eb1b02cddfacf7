"""How good the model is on held-out articles, and how sure we are: the scores `evaluate` writes.

Stance-F1 is macro-F1 over a target's position labels (SemEval-2016's F_avg);
the headline is its mean over targets. Every headline figure carries a
bootstrap interval that resamples articles, because sentences of one article
are not independent. Beside the model: three baselines on the same split,
grouped cross-validation, and calibration (ECE and reliability bins).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from pipeline.data.schema import Schema
from pipeline.evaluation import bootstrap, calibration
from pipeline.evaluation.scores import per_class, target_scores

HEADLINE = ("macro_f1", "stance_f1", "accuracy")
BASELINES = ("majority", "keyword", "svm")


def _rounded(scores: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 4) for k, v in scores.items()}


def evaluate(
    test: pd.DataFrame,
    predicted: pd.DataFrame,
    baseline_labels: dict[str, pd.DataFrame],
    the_schema: Schema,
    n_boot: int,
    seed: int,
) -> dict[str, Any]:
    """Scores per target and the headline, each with its article-bootstrap interval, beside every baseline.

    The model's margin over each baseline gets a paired interval: both are
    scored on the same resampled articles.
    """
    groups, group_index = np.unique(test["article_id"].to_numpy(), return_inverse=True)
    weights = bootstrap.resample_weights(len(groups), n_boot, seed)
    systems = {"model": predicted, **baseline_labels}
    targets: dict[str, Any] = {}
    resampled_stance: dict[str, list[np.ndarray]] = {s: [] for s in systems}
    for t in the_schema.targets:
        gold = test[t.name].to_numpy(dtype=object)
        k = len(t.label_names)
        positions = [t.label_names.index(lab) for lab in t.positions]
        per_group = {
            system: bootstrap.group_confusions(
                bootstrap.codes(gold, t),
                bootstrap.codes(labels[t.name].to_numpy(object), t),
                group_index,
                len(groups),
                k,
            )
            for system, labels in systems.items()
        }
        resampled = bootstrap.resampled_scores(per_group, k, positions, weights)
        entry: dict[str, Any] = _rounded(target_scores(gold, predicted[t.name].to_numpy(dtype=object), t))
        for name in HEADLINE:
            low, high = bootstrap.interval(resampled["model"][name])
            entry[f"{name}_ci95_low"], entry[f"{name}_ci95_high"] = round(low, 4), round(high, 4)
        for system in baseline_labels:
            entry[f"baseline_{system}"] = _rounded(target_scores(gold, systems[system][t.name].to_numpy(object), t))
        entry["per_class"] = per_class(gold, predicted[t.name].to_numpy(dtype=object), t)
        targets[t.name] = entry
        for system in systems:
            resampled_stance[system].append(resampled[system]["stance_f1"])
    means = {system: np.mean(arrays, axis=0) for system, arrays in resampled_stance.items()}
    mean = float(np.mean([targets[t]["stance_f1"] for t in targets]))
    low, high = bootstrap.interval(means["model"])
    metrics: dict[str, Any] = {
        "mean_stance_f1": round(mean, 4),
        "mean_stance_f1_ci95_low": round(low, 4),
        "mean_stance_f1_ci95_high": round(high, 4),
    }
    comparison = {}
    for system in baseline_labels:
        base = float(np.mean([targets[t][f"baseline_{system}"]["stance_f1"] for t in targets]))
        metrics[f"baseline_{system}_mean_stance_f1"] = round(base, 4)
        d_low, d_high = bootstrap.interval(means["model"] - means[system])
        comparison[system] = {
            "mean_stance_f1": round(base, 4),
            "model_minus_baseline": round(mean - base, 4),
            "model_minus_baseline_ci95_low": round(d_low, 4),
            "model_minus_baseline_ci95_high": round(d_high, 4),
        }
    metrics.update(
        {
            "test_statements": len(test),
            "test_articles": len(groups),
            "bootstrap_resamples": n_boot,
            "baselines": comparison,
            "targets": targets,
        }
    )
    return metrics


def test_set(test: pd.DataFrame) -> dict[str, Any]:
    """What identifies a test set: its size and a SHA-256 of its (article id, text) pairs in sorted order.

    The report compares scores across runs only when this is the same: a score on other sentences is
    another measurement, not a change.
    """
    import hashlib

    pairs = sorted(zip(test["article_id"].astype(str), test["text"].astype(str), strict=True))
    digest = hashlib.sha256("\n".join(f"{a}\x1f{t}" for a, t in pairs).encode()).hexdigest()
    return {"statements": len(test), "articles": int(test["article_id"].nunique()), "sha256": digest}


def add_calibration(
    metrics: dict[str, Any], test: pd.DataFrame, predicted: pd.DataFrame, the_schema: Schema, bins: int
) -> pd.DataFrame:
    """Put each target's ECE into `metrics`; return the reliability bins of every target."""
    tables = []
    for t in the_schema.target_names:
        table = calibration.reliability(
            test[t].to_numpy(object), predicted[t].to_numpy(object), predicted[f"{t}_confidence"].to_numpy(), bins
        )
        metrics["targets"][t]["ece"] = round(calibration.ece(table), 4)
        tables.append(table.assign(target=t))
    metrics["mean_ece"] = round(float(np.mean([metrics["targets"][t]["ece"] for t in the_schema.target_names])), 4)
    frame = pd.concat(tables, ignore_index=True)
    return frame[["target", *[c for c in frame.columns if c != "target"]]]


def add_cross_validation(metrics: dict[str, Any], result: dict[str, Any] | None) -> None:
    """Put the cross-validated stance-F1 (mean and sd over folds) beside each target's test-split score."""
    if result is None:
        return
    for t, scores in result["targets"].items():
        metrics["targets"][t]["cv_stance_f1_mean"] = scores["stance_f1_mean"]
        metrics["targets"][t]["cv_stance_f1_sd"] = scores["stance_f1_sd"]
    metrics["cv"] = {key: value for key, value in result.items() if key != "targets"}


THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)


def threshold_guidance(test: pd.DataFrame, predicted: pd.DataFrame, the_schema: Schema) -> dict[str, Any]:
    """What `--min-confidence P` keeps and how often the kept labels are right, per target and P.

    coverage: share of sentences whose label is kept (the rest become `uncertain`); accuracy: share of
    kept labels that are right; position_precision: share of kept position labels (now, support ...)
    that are right; position_recall: share of gold positions found among the kept labels.
    """
    out: dict[str, Any] = {}
    for t in the_schema.targets:
        gold = test[t.name].to_numpy(dtype=object)
        pred = predicted[t.name].to_numpy(dtype=object)
        confidence = predicted[f"{t.name}_confidence"].to_numpy()
        positions = np.isin(pred, t.positions)
        gold_positions = np.isin(gold, t.positions)
        rows = []
        for p in THRESHOLDS:
            kept = confidence >= p
            kept_positions = kept & positions
            rows.append(
                {
                    "min_confidence": p,
                    "coverage": round(float(kept.mean()), 4),
                    "accuracy": round(float((gold[kept] == pred[kept]).mean()), 4) if kept.any() else None,
                    "position_precision": round(float((gold[kept_positions] == pred[kept_positions]).mean()), 4)
                    if kept_positions.any()
                    else None,
                    "position_recall": round(float((kept_positions & (gold == pred)).sum() / gold_positions.sum()), 4)
                    if gold_positions.any()
                    else None,
                }
            )
        out[t.name] = rows
    return out
