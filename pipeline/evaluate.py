"""Stage `evaluate`: how good the model is on held-out articles, and how sure we are.

Stance-F1 is macro-F1 over a target's position labels (SemEval-2016's F_avg);
the headline is its mean over targets. Every headline figure carries a
bootstrap interval that resamples articles, because sentences of one article
are not independent. Beside the model: three baselines on the same split,
grouped cross-validation, and calibration (ECE and reliability bins).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline import (
    StanceError,
    attribution,
    baselines,
    bootstrap,
    calibration,
    config,
    crossval,
    data,
    model,
    modelcard,
    schema,
)
from pipeline.io import atomic_path, write_json
from pipeline.schema import Schema
from pipeline.scores import f1_by_label, per_class, target_scores  # noqa: F401  (re-exported for callers)

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
        for system in BASELINES:
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
    for system in BASELINES:
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


def run(root: Path) -> dict[str, Any]:
    paths = config.paths(root)
    all_params = config.load_params(paths.params)
    params = all_params.get("evaluate", {})
    the_schema = schema.load(paths.schema)
    modelcard.check_schema(modelcard.read_card(paths.model), the_schema, str(paths.schema), paths.model)
    fitted, card = model.load(paths.model)
    folds = int(params.get("cv_folds", 5))
    if folds == 1 or folds < 0:
        raise StanceError(f"evaluate.cv_folds: {folds} folds; use 0 (no cross-validation) or at least 2")
    train = data.read_prepared(paths.train, the_schema)
    test = data.read_prepared(paths.test, the_schema)
    predicted = model.predict(fitted, the_schema.target_names, test["text"].tolist())
    baseline_labels = baselines.predict_all(fitted, train, test, the_schema, float(params.get("svm_C", 1.0)))
    seed = int(params.get("seed", 7))
    metrics = evaluate(test, predicted, baseline_labels, the_schema, int(params.get("bootstrap", 1000)), seed)
    reliability = add_calibration(metrics, test, predicted, the_schema, int(params.get("calibration_bins", 10)))
    if folds:
        statements = pd.concat([train, test], ignore_index=True)
        result = crossval.cross_validate(
            statements, the_schema, all_params.get("train", {}), folds, seed, int(params.get("cv_jobs", 2))
        )
        add_cross_validation(metrics, result)
    write_json(paths.reports / "metrics.json", metrics)
    with atomic_path(paths.reports / "reliability.csv", make_parents=True) as tmp:
        reliability.to_csv(tmp, index=False)
    write_json(
        paths.reports / "informative_ngrams.json",
        model.informative_ngrams(fitted, the_schema.target_names, int(params.get("top_ngrams", 10))),
    )
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
    line = (
        f"evaluate: mean stance-F1 {metrics['mean_stance_f1']:.3f} "
        f"(95% CI {metrics['mean_stance_f1_ci95_low']:.3f}-{metrics['mean_stance_f1_ci95_high']:.3f}); baselines: "
        + ", ".join(f"{name} {metrics[f'baseline_{name}_mean_stance_f1']:.3f}" for name in BASELINES)
    )
    if "cv" in metrics:
        cv = metrics["cv"]
        line += f"; {cv['folds']}-fold CV {cv['mean_stance_f1_mean']:.3f} ± {cv['mean_stance_f1_sd']:.3f}"
    print(line + f"; mean ECE {metrics['mean_ece']:.3f}")
