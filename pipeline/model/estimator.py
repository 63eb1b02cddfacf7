"""The stance estimator: one scikit-learn Pipeline, fitted, checked against its served form and saved.

Training fits the Pipeline, reduces it to the served arrays
(`pipeline.model.served`) and checks on a sample of the training texts that the
arrays give the Pipeline's own ``predict_proba`` for every target; a
configuration the arrays cannot represent is refused there, before anything is
saved. Every prediction after that runs the served arrays.

A joblib file is a pickle, and unpickling runs code: `load_pipeline` reads the
model card first and refuses any file whose SHA-256 is not the one recorded
when the project trained it.
"""

from __future__ import annotations

import json
import os
import platform
import warnings
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.multioutput import MultiOutputClassifier
from sklearn.pipeline import FeatureUnion, Pipeline

from pipeline import StanceError
from pipeline.data.schema import Schema
from pipeline.io.files import discard, sha256_file
from pipeline.model import served
from pipeline.model.card import FORMAT, card_path, check_sha256, pipeline_path, read_card, served_path
from pipeline.model.features import NgramTfidf, build_features
from pipeline.params import SOLVERS, TrainParams

PARITY_SAMPLE = 500  # training texts on which the served arrays must reproduce the Pipeline's probabilities
PARITY_TOLERANCE = 1e-9


def build_model(params: TrainParams) -> Pipeline:
    """Features shared by every target, then one class-weighted logistic regression per target."""
    classifier = LogisticRegression(
        C=params.C, class_weight=params.class_weight, max_iter=params.max_iter, solver=params.solver, tol=params.tol
    )
    return Pipeline([("features", build_features(params)), ("classify", MultiOutputClassifier(classifier))])


def fit(data: pd.DataFrame, schema: Schema, params: TrainParams) -> tuple[Pipeline, served.ServedModel]:
    """The fitted Pipeline and its served arrays, checked to agree (see the module docstring)."""
    check_labels(data, schema)
    model = build_model(params)
    texts = data["text"].tolist()
    model.fit(texts, data[schema.target_names].to_numpy(dtype=object))
    arrays = to_served(model, schema.target_names)
    check_parity(model, arrays, texts[:: max(1, len(texts) // PARITY_SAMPLE)][:PARITY_SAMPLE])
    return model, arrays


def check_labels(data: pd.DataFrame, schema: Schema) -> None:
    """Refuse training data in which a target has fewer than two labels."""
    for target in schema.targets:
        seen = sorted(set(data[target.name]))
        if len(seen) < 2:
            raise StanceError(
                f"target {target.name}: the training data holds only the label(s) {seen}; "
                "a classifier needs at least two"
            )


def to_served(model: Pipeline, targets: list[str]) -> served.ServedModel:
    """The fitted Pipeline as plain arrays; refuses a Pipeline of another shape than `build_model` gives.

    That shape: a FeatureUnion of n-gram TF-IDF blocks (no weights, none
    dropped), then one multinomial LogisticRegression per target.
    """
    union, multi = model.named_steps.get("features"), model.named_steps.get("classify")
    estimators = getattr(multi, "estimators_", None)
    if not (
        isinstance(union, FeatureUnion)
        and not union.transformer_weights
        and estimators
        and all(isinstance(e, LogisticRegression) for e in estimators)
        and all(isinstance(t, NgramTfidf) for _, t in union.transformer_list)
    ):
        raise StanceError("this model cannot be served: it is not n-gram TF-IDF blocks then logistic regressions")
    weights = np.vstack([e.coef_ for e in estimators]).astype(np.float64).T  # features x (all targets' classes)
    blocks, start = [], 0
    for _, transformer in union.transformer_list:
        width = len(transformer.idf_)
        blocks.append(
            {
                "kind": transformer.kind,
                "ngram_range": tuple(int(n) for n in transformer.ngram_range),
                "bits": int(transformer.bits),
                "table": transformer.table_,
                "idf": transformer.idf_,
                "weights": np.ascontiguousarray(weights[start : start + width]),
            }
        )
        start += width
    intercept = np.concatenate([e.intercept_ for e in estimators]).astype(np.float64)
    return served.ServedModel(targets, blocks, intercept, [e.classes_ for e in estimators])


def check_parity(model: Pipeline, arrays: served.ServedModel, texts: list[str]) -> float:
    """Largest difference between the Pipeline's and the arrays' probabilities on `texts`; refuse any above 1e-9.

    The arrays assume a multinomial (softmax) model per target; a solver or a
    scikit-learn version that fits something else would give the same labels
    with other confidences, silently. This check makes that a training error.
    """
    features = model.named_steps["features"].transform(texts)
    ours = arrays.proba(texts, calibrated=False)
    worst = 0.0
    for name, estimator, found in zip(arrays.targets, model.named_steps["classify"].estimators_, ours, strict=True):
        theirs = estimator.predict_proba(features)
        gap = float(np.max(np.abs(theirs - found))) if len(texts) else 0.0
        if not gap <= PARITY_TOLERANCE:
            raise StanceError(
                f"target {name}: the served model's probabilities differ from the trained estimator's by {gap:.3g}; "
                f"this training configuration cannot be served (use a multinomial solver: {', '.join(SOLVERS)})"
            )
        worst = max(worst, gap)
    return worst


def save(
    model: Pipeline, arrays: served.ServedModel, schema: Schema, path: Path, card: dict[str, Any]
) -> dict[str, Any]:
    """Write the served arrays, the Pipeline and the card; an interruption keeps the previous set.

    All go to temporary files first and are renamed over the old ones only
    when all are complete (a crash before that leaves the old files untouched;
    the renames are adjacent system calls, the card's last, and a card never
    matches another model's checksums).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    bundle = {"format": FORMAT, "targets": schema.target_names, "pipeline": model}
    card_file, arrays_file, pipeline_file = card_path(path), served_path(path), pipeline_path(path)
    tmp_arrays = arrays_file.with_name(f".{arrays_file.name}.{os.getpid()}.tmp")
    tmp_pipeline = pipeline_file.with_name(f".{pipeline_file.name}.{os.getpid()}.tmp")
    tmp_card = card_file.with_name(f".{card_file.name}.{os.getpid()}.tmp")
    try:
        arrays.save(tmp_arrays)
        joblib.dump(bundle, tmp_pipeline, compress=3)
        full = {
            "format": FORMAT,
            "model_file": arrays_file.name,
            "sha256": sha256_file(tmp_arrays),
            "pipeline_file": pipeline_file.name,
            "pipeline_sha256": sha256_file(tmp_pipeline),
            "targets": schema.target_names,
            "schema": schema.to_dict(),
            **card,
            "versions": library_versions(),
        }
        tmp_card.write_text(json.dumps(full, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        for tmp in (tmp_arrays, tmp_pipeline, tmp_card):
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp_arrays, arrays_file)
        os.replace(tmp_pipeline, pipeline_file)
        os.replace(tmp_card, card_file)
    except OSError as exc:
        raise StanceError(f"{path}: cannot write the model ({exc.strerror or exc}); the previous one is kept") from None
    finally:
        discard(tmp_arrays)
        discard(tmp_pipeline)
        discard(tmp_card)
    return full


def library_versions() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "joblib": joblib.__version__,
    }


def load_pipeline(path: Path) -> tuple[Pipeline, dict[str, Any]]:
    """The fitted Pipeline of the model named by `path`: its SHA-256 verified against the card, then unpickled."""
    card = read_card(path)
    pipeline_file = pipeline_path(path)
    if not pipeline_file.is_file():
        raise StanceError(f"{pipeline_file}: the model's fitted Pipeline is missing; retrain with `dvc repro`")
    check_sha256(pipeline_file, card["pipeline_sha256"])
    with warnings.catch_warnings():
        # scikit-learn warns on unpickling a model from another version; the card records the one it was.
        warnings.filterwarnings("ignore", message=".*Trying to unpickle estimator.*")
        bundle = joblib.load(pipeline_file)
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT or "pipeline" not in bundle:
        raise StanceError(f"{pipeline_file}: not a model written by this version of ukraine-stance")
    if list(bundle["targets"]) != list(card["targets"]):
        raise StanceError(f"{pipeline_file}: targets in the model and its card differ")
    return bundle["pipeline"], card


def ngram_pipeline(model: Any) -> Pipeline:
    """The n-gram Pipeline in `model`: itself, or the first member of the default model's soft vote."""
    return model if isinstance(model, Pipeline) else model.estimators_[0]


def informative_ngrams(model: Pipeline, targets: list[str], n: int = 10) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Per target and label, the n-grams with the largest positive weights for that label.

    Column names come from the fitted n-gram transformers (one training n-gram
    per column); "word" and "char" say which kind each is.
    """
    model = ngram_pipeline(model)
    union = model.named_steps["features"]
    kinds, names = [], []
    for _, transformer in union.transformer_list:
        found = transformer.names_
        kinds += [transformer.kind] * len(found)
        names += list(found)
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for name, estimator in zip(targets, model.named_steps["classify"].estimators_, strict=True):
        coef = np.asarray(estimator.coef_)
        if coef.shape[0] == 1:  # two classes: one weight vector, positive for the second class
            coef = np.vstack([-coef[0], coef[0]])
        out[name] = {}
        for label, weights in zip(estimator.classes_, coef, strict=True):
            top = np.argsort(-weights, kind="stable")[:n]
            out[name][str(label)] = [
                {"ngram": names[i], "kind": kinds[i], "weight": round(float(weights[i]), 4)} for i in top
            ]
    return out
