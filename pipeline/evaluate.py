"""Stage `evaluate`: how good the model is on held-out articles, and how sure we are.

Stance-F1 is macro-F1 over a target's position labels (SemEval-2016's F_avg);
the headline is its mean over targets, with a bootstrap interval that resamples
articles, because sentences of one article are not independent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import precision_recall_fscore_support

from pipeline import attribution, config, data, model, schema
from pipeline.io import atomic_path, write_json
from pipeline.schema import Schema, Target


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


def stance_f1_codes(gold: np.ndarray, pred: np.ndarray, n_labels: int, positions: list[int]) -> float:
    """Fast stance-F1 on integer-coded labels, for the bootstrap loop."""
    confusion = np.bincount(gold * n_labels + pred, minlength=n_labels * n_labels).reshape(n_labels, n_labels)
    scores = []
    for k in positions:
        tp = confusion[k, k]
        gold_k, pred_k = confusion[k, :].sum(), confusion[:, k].sum()
        if gold_k == 0 and pred_k == 0:
            continue
        scores.append(2 * tp / (gold_k + pred_k))
    return float(np.mean(scores)) if scores else 0.0


def bootstrap_mean_stance_f1(
    gold: pd.DataFrame, pred: pd.DataFrame, groups: np.ndarray, the_schema: Schema, n: int, seed: int
) -> tuple[float, float]:
    """95% percentile interval of the mean stance-F1, resampling whole articles."""
    codes = {}
    for t in the_schema.targets:
        index = {lab: i for i, lab in enumerate(t.label_names)}
        codes[t.name] = (
            gold[t.name].map(index).to_numpy(),
            pred[t.name].map(index).to_numpy(),
            len(index),
            [index[lab] for lab in t.positions],
        )
    unique, inverse = np.unique(groups, return_inverse=True)
    members = [np.flatnonzero(inverse == g) for g in range(len(unique))]
    rng = np.random.default_rng(seed)
    means = []
    for _ in range(n):
        rows = np.concatenate([members[g] for g in rng.integers(0, len(unique), len(unique))])
        means.append(np.mean([stance_f1_codes(g[rows], p[rows], k, pos) for g, p, k, pos in codes.values()]))
    low, high = np.percentile(means, [2.5, 97.5])
    return float(low), float(high)


def evaluate(
    test: pd.DataFrame, predicted: pd.DataFrame, train: pd.DataFrame, the_schema: Schema, n_boot: int, seed: int
) -> dict[str, Any]:
    """Metrics per target and the headline, with a majority-class baseline beside each."""
    targets: dict[str, Any] = {}
    for t in the_schema.targets:
        gold = test[t.name].to_numpy(dtype=object)
        pred = predicted[t.name].to_numpy(dtype=object)
        majority = train[t.name].value_counts().idxmax()
        baseline = np.full(len(gold), majority, dtype=object)
        targets[t.name] = {
            **{k: round(v, 4) for k, v in target_scores(gold, pred, t).items()},
            "baseline_majority": {k: round(v, 4) for k, v in target_scores(gold, baseline, t).items()},
            "per_class": per_class(gold, pred, t),
        }
    mean = float(np.mean([targets[t]["stance_f1"] for t in targets]))
    baseline_mean = float(np.mean([targets[t]["baseline_majority"]["stance_f1"] for t in targets]))
    low, high = bootstrap_mean_stance_f1(test, predicted, test["article_id"].to_numpy(), the_schema, n_boot, seed)
    return {
        "mean_stance_f1": round(mean, 4),
        "mean_stance_f1_ci95_low": round(low, 4),
        "mean_stance_f1_ci95_high": round(high, 4),
        "baseline_majority_mean_stance_f1": round(baseline_mean, 4),
        "test_statements": len(test),
        "test_articles": int(test["article_id"].nunique()),
        "targets": targets,
    }


def run(root: Path) -> dict[str, Any]:
    paths = config.paths(root)
    params = config.load_params(paths.params).get("evaluate", {})
    the_schema = schema.load(paths.schema)
    model.check_schema(model.read_card(paths.model), the_schema, str(paths.schema), paths.model)
    fitted, card = model.load(paths.model)
    train = data.read_prepared(paths.train, the_schema)
    test = data.read_prepared(paths.test, the_schema)
    predicted = model.predict(fitted, the_schema.target_names, test["text"].tolist())
    metrics = evaluate(
        test, predicted, train, the_schema, int(params.get("bootstrap", 1000)), int(params.get("seed", 7))
    )
    write_json(paths.reports / "metrics.json", metrics)
    # Speaker attribution is rule-based, so every labeled article measures it, not just the test split.
    write_json(paths.reports / "attribution.json", attribution.accuracy(pd.concat([train, test])))
    confusion = paths.reports / "confusion"
    confusion.mkdir(parents=True, exist_ok=True)
    for stale in confusion.glob("*.csv"):
        if stale.stem not in the_schema.target_names:
            stale.unlink()
    for t in the_schema.target_names:
        frame = pd.DataFrame({"actual": test[t], "predicted": predicted[t]})
        with atomic_path(confusion / f"{t}.csv") as tmp:
            frame.to_csv(tmp, index=False)
    keep = [c for c in ["id", "article_id", "text", "speaker"] if c in test.columns]
    detail = test[keep].copy()
    for t in the_schema.target_names:
        detail[f"{t}_gold"] = test[t]
        detail[t] = predicted[t].to_numpy()
        detail[f"{t}_confidence"] = predicted[f"{t}_confidence"].to_numpy()
    with atomic_path(paths.reports / "test_predictions.csv", make_parents=True) as tmp:
        detail.to_csv(tmp, index=False)
    return metrics


def main() -> None:
    metrics = run(config.find_root())
    print(
        f"evaluate: mean stance-F1 {metrics['mean_stance_f1']:.3f} "
        f"(95% CI {metrics['mean_stance_f1_ci95_low']:.3f}-{metrics['mean_stance_f1_ci95_high']:.3f}; "
        f"majority baseline {metrics['baseline_majority_mean_stance_f1']:.3f})"
    )
