"""Stage `evaluate`: score the served model on held-out articles beside baselines; write the reports.

Stance-F1 is macro-F1 over a target's position labels (SemEval-2016's F_avg);
the headline is its mean over targets, with an article-bootstrap interval.
The scoring itself is in `pipeline.evaluation`.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline import config, params
from pipeline.actors import attribution, parser, registry
from pipeline.data import labeled as data
from pipeline.data import schema
from pipeline.evaluation import baselines, crossval
from pipeline.evaluation.metrics import (
    add_calibration,
    add_cross_validation,
    evaluate,
    test_set,
    threshold_guidance,
)
from pipeline.io.files import atomic_path, write_json
from pipeline.model import card as modelcard
from pipeline.model import estimator, served
from pipeline.model.predict import predict


def run(root: Path) -> dict[str, Any]:
    paths = config.paths(root)
    settings = params.load(paths.params)
    p = settings.evaluate
    the_schema = schema.load(paths.schema)
    card = modelcard.read_card(paths.model)
    modelcard.check_schema(card, the_schema, str(paths.schema), paths.model)
    model = served.load(paths.model, card, threads=settings.encoder.train_threads)
    model.memo = True  # each test sentence is scored twice, with and without the temperatures
    # The default model with an encoder is also compared with its n-gram member alone, the fast model.
    fast = served.load(paths.fast_model) if card.get("encoder") else None
    fitted, _ = estimator.load_pipeline(paths.model)  # its n-grams' names and the SVM baseline's features
    train = data.read_prepared(paths.train, the_schema)
    test = data.read_prepared(paths.test, the_schema)
    predicted = predict(model, test["text"].tolist())
    metrics_gate = {"in_house": _gated(model)}
    baseline_labels = _systems(fitted, fast, train, test, the_schema, p)
    metrics = evaluate(test, predicted, baseline_labels, the_schema, p.bootstrap, p.seed)
    metrics["test_set"] = test_set(test)
    reliability = add_calibration(metrics, test, predicted, the_schema, p.calibration_bins)
    metrics["thresholds"] = threshold_guidance(test, predicted, the_schema)
    _add_uncalibrated_ece(metrics, model, test, the_schema, p.calibration_bins)
    metrics["calibration"] = card.get("calibration")
    real_detail = None
    if paths.real_test.is_file():
        real_test = data.read_prepared(paths.real_test, the_schema)
        if len(real_test):
            metrics["real_reporting"], real_detail, metrics_gate["real_reporting"] = _real_reporting(
                model, fast, fitted, train, real_test, the_schema, p
            )
    metrics["model"] = _model_entry(card, metrics_gate)
    if p.cv_folds:
        statements = pd.concat([train, test], ignore_index=True)
        result = crossval.cross_validate(statements, the_schema, settings.train, p.cv_folds, p.seed, p.cv_jobs)
        add_cross_validation(metrics, result)
    # Speaker attribution is rule-based, so every labeled article measures it, not just the test split; the
    # held-back real-reporting articles measure it on text the rules were not written on.
    actors = registry.Registry.load(paths.actors) if paths.actors.is_file() else None
    parse = parser.SubjectParser(settings.attribution.parser, actors) if settings.attribution.parser else None
    speakers = {"training_articles": attribution.accuracy(pd.concat([train, test]), actors, parse)}
    if paths.real_test.is_file():
        real_test = data.read_prepared(paths.real_test, the_schema)
        speakers["real_reporting_articles"] = attribution.accuracy(real_test, actors, parse)
        if len(real_test):
            # As `stance classify` writes it: the parser and a report's last source serve only the sentences
            # the model finds a position in.
            labels = predict(model, real_test["text"].tolist())
            held = pd.Series(False, index=real_test.index)
            for t in the_schema.targets:
                held |= labels[t.name].isin(t.positions).to_numpy()
            speakers["real_reporting_articles_as_classified"] = attribution.accuracy(real_test, actors, parse, held)
    speakers["parser"] = settings.attribution.parser or None
    speakers["registry_actors"] = len(actors.actors) if actors else 0
    metrics["speakers"] = speakers
    write_json(paths.reports / "metrics.json", metrics)
    with atomic_path(paths.reports / "reliability.csv", make_parents=True) as tmp:
        reliability.to_csv(tmp, index=False)
    write_json(
        paths.reports / "informative_ngrams.json",
        estimator.informative_ngrams(fitted, the_schema.target_names, p.top_ngrams),
    )
    write_json(paths.reports / "attribution.json", speakers)
    confusion = paths.reports / "confusion"
    confusion.mkdir(parents=True, exist_ok=True)
    for stale in confusion.glob("*.csv"):
        if stale.stem not in the_schema.target_names:
            stale.unlink()
    for t in the_schema.target_names:
        frame = pd.DataFrame({"actual": test[t], "predicted": predicted[t]})
        with atomic_path(confusion / f"{t}.csv") as tmp:
            frame.to_csv(tmp, index=False)
    with atomic_path(paths.reports / "test_predictions.csv", make_parents=True) as tmp:
        _detail(test, predicted, the_schema).to_csv(tmp, index=False)
    if real_detail is None:  # no real-reporting pages held back: the table is empty, not missing
        real_detail = _detail(test.iloc[:0], predicted.iloc[:0], the_schema)
    with atomic_path(paths.reports / "real_test_predictions.csv", make_parents=True) as tmp:
        real_detail.to_csv(tmp, index=False)
    return metrics


def _gated(model) -> float | None:
    """The share of sentences the default model's gate kept from the encoder since the last call; resets it."""
    share = getattr(model, "gated_share_", None)
    if hasattr(model, "gated_count_"):
        model.gated_count_ = model.scored_count_ = 0
    return share


def _systems(fitted, fast, train: pd.DataFrame, test: pd.DataFrame, the_schema, p) -> dict[str, pd.DataFrame]:
    """The baselines' labels, and the fast model's when the default model is not the fast one."""
    systems = baselines.predict_all(fitted, train, test, the_schema, p.svm_C)
    if fast is not None:
        labels = predict(fast, test["text"].tolist())
        systems["fast"] = labels[the_schema.target_names]
    return systems


def _model_entry(card: dict[str, Any], gated: dict[str, float | None]) -> dict[str, Any]:
    """Which model was scored: its kind, its encoder, and the share of test sentences its gate kept from it."""
    encoder = card.get("encoder")
    entry: dict[str, Any] = {"kind": "n-grams + sentence encoder" if encoder else "n-grams", "sha256": card["sha256"]}
    if encoder:
        entry["encoder_source"] = encoder["source"]
        entry["encoder_weight"] = card["params"]["encoder_weight"]
        entry["gate_none"] = card["params"]["gate_none"]
        entry["gated_share"] = {k: None if v is None else round(v, 4) for k, v in gated.items()}
    return entry


def _add_uncalibrated_ece(metrics: dict, model, test: pd.DataFrame, the_schema, bins: int) -> None:
    """Each target's ECE without the fitted temperatures, beside the calibrated one: what calibration bought."""
    raw = copy.copy(model)
    raw.temperature_ = np.ones(len(model.targets))
    predicted = predict(raw, test["text"].tolist())
    scratch: dict[str, Any] = {"targets": {t: {} for t in the_schema.target_names}}
    add_calibration(scratch, test, predicted, the_schema, bins)
    for t in the_schema.target_names:
        metrics["targets"][t]["ece_uncalibrated"] = scratch["targets"][t]["ece"]
    metrics["mean_ece_uncalibrated"] = scratch["mean_ece"]


def _detail(test: pd.DataFrame, predicted: pd.DataFrame, the_schema) -> pd.DataFrame:
    """Every test statement with its gold and predicted labels and the confidence of each prediction."""
    keep = [c for c in ["id", "article_id", "source_url", "text", "speaker"] if c in test.columns]
    detail = test[keep].copy()
    for t in the_schema.target_names:
        detail[f"{t}_gold"] = test[t]
        detail[t] = predicted[t].to_numpy()
        detail[f"{t}_confidence"] = predicted[f"{t}_confidence"].to_numpy()
    return detail


def _real_reporting(
    model, fast, fitted, train: pd.DataFrame, real_test: pd.DataFrame, the_schema, p
) -> tuple[dict, Any, float | None]:
    """Scores on the held-back news written from real reporting beside the same baselines, and the share of it
    the gate kept from the encoder.

    The bootstrap resamples source pages (an article and the stand-alone statements written from its page
    are one unit), the honest unit for text the project did not choose sentence by sentence.
    """
    _gated(model)  # counts from here on are of these texts
    predicted = predict(model, real_test["text"].tolist())
    gated = _gated(model)
    baseline_labels = _systems(fitted, fast, train, real_test, the_schema, p)
    by_page = real_test.assign(article_id=real_test["source_url"])
    result = evaluate(by_page, predicted, baseline_labels, the_schema, p.bootstrap, p.seed)
    result["test_pages"] = result.pop("test_articles")
    result["test_articles"] = int((real_test.groupby("article_id").size() > 1).sum())
    result["test_set"] = test_set(real_test)
    add_calibration(result, real_test, predicted, the_schema, p.calibration_bins)
    result["thresholds"] = threshold_guidance(real_test, predicted, the_schema)
    _add_uncalibrated_ece(result, model, real_test, the_schema, p.calibration_bins)
    return result, _detail(real_test, predicted, the_schema), gated


def main() -> None:
    metrics = run(config.find_root())
    line = (
        f"evaluate: mean stance-F1 {metrics['mean_stance_f1']:.3f} "
        f"(95% CI {metrics['mean_stance_f1_ci95_low']:.3f}-{metrics['mean_stance_f1_ci95_high']:.3f}); baselines: "
        + ", ".join(f"{name} {metrics[f'baseline_{name}_mean_stance_f1']:.3f}" for name in metrics["baselines"])
    )
    real = metrics.get("real_reporting")
    if real:
        line += f"; real reporting {real['mean_stance_f1']:.3f}"
    if "cv" in metrics:
        cv = metrics["cv"]
        line += f"; {cv['folds']}-fold CV {cv['mean_stance_f1_mean']:.3f} ± {cv['mean_stance_f1_sd']:.3f}"
    print(line + f"; mean ECE {metrics['mean_ece']:.3f}")
