"""The stance model: one scikit-learn Pipeline, saved with a checksummed model card.

A joblib file is a pickle, and unpickling runs code. `load` therefore reads the
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

from pipeline import StanceError, fused
from pipeline.features import NgramTfidf, build_features
from pipeline.io import discard, sha256_file
from pipeline.modelcard import card_path, check_sha256, read_card
from pipeline.schema import Schema

FORMAT = 1


def build_model(params: dict[str, Any]) -> Pipeline:
    """Features shared by every target, then one class-weighted logistic regression per target."""
    classifier = LogisticRegression(
        C=float(params.get("C", 4.0)),
        class_weight="balanced" if params.get("class_weight", "balanced") == "balanced" else None,
        max_iter=int(params.get("max_iter", 300)),
        solver=str(params.get("solver", "newton-cg")),
        tol=float(params.get("tol", 1e-4)),
    )
    return Pipeline([("features", build_features(params)), ("classify", MultiOutputClassifier(classifier))])


def fit(data: pd.DataFrame, schema: Schema, params: dict[str, Any]) -> Pipeline:
    for target in schema.targets:
        seen = sorted(set(data[target.name]))
        if len(seen) < 2:
            raise StanceError(
                f"target {target.name}: the training data holds only the label(s) {seen}; "
                "a classifier needs at least two"
            )
    model = build_model(params)
    model.fit(data["text"].tolist(), data[schema.target_names].to_numpy(dtype=object))
    return model


def fused_of(model: Pipeline, targets: list[str]) -> fused.FusedModel | None:
    """The fitted Pipeline as plain arrays, when it has the shape `build_model` gives it; else None.

    That shape: a FeatureUnion of n-gram TF-IDF blocks (no weights, none dropped),
    then one LogisticRegression per target.
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
        return None
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
    if start != weights.shape[0]:
        return None
    intercept = np.concatenate([e.intercept_ for e in estimators]).astype(np.float64)
    return fused.FusedModel(targets, blocks, intercept, [e.classes_ for e in estimators])


class Predictor:
    """The fitted Pipeline's predictions, computed in one pass for every target.

    Equivalent to each target's ``predict_proba`` on the FeatureUnion's output
    (a test holds them equal), but cheaper on batch work: the model's arrays
    (`fused_of`) are used directly, so the feature blocks are never stacked
    into one matrix, and each block is multiplied once for all targets rather
    than once per target. Pipelines of another shape fall back to
    scikit-learn's own calls.
    """

    def __init__(self, model: Pipeline, targets: list[str]):
        self.model, self.targets = model, targets
        self.classes_ = [e.classes_ for e in model.named_steps["classify"].estimators_]
        self.fused_ = fused_of(model, targets)

    def proba(self, texts: list[str]) -> list[np.ndarray]:
        """Class probabilities per target, columns in the order of that target's ``classes_``."""
        if self.fused_ is not None:
            return self.fused_.proba(texts)
        features = self.model.named_steps["features"].transform(texts)
        return [e.predict_proba(features) for e in self.model.named_steps["classify"].estimators_]

    def best(self, texts: list[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per target: the index in ``classes_`` of the most probable label, and its probability to 4 places."""
        return fused.best(self.proba, self.targets, texts)

    def labels(self, texts: list[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per target: the most probable label and its probability, rounded to 4 places."""
        found = self.best(texts)
        return {
            name: (classes[best], confidence)
            for (name, (best, confidence)), classes in zip(found.items(), self.classes_, strict=True)
        }


_PREDICTORS: dict[int, Predictor] = {}


def predictor(model: Pipeline, targets: list[str]) -> Predictor:
    """One Predictor per loaded model (its coefficient matrix is built once)."""
    found = _PREDICTORS.get(id(model))
    if found is None or found.model is not model or found.targets != targets:
        if len(_PREDICTORS) > 8:
            _PREDICTORS.clear()
        found = _PREDICTORS[id(model)] = Predictor(model, targets)
    return found


def predict(model: Pipeline, targets: list[str], texts: list[str]) -> pd.DataFrame:
    """Label and confidence (probability of that label) per target for each text."""
    columns: dict[str, Any] = {}
    if not texts:
        for name in targets:
            columns[name] = pd.Series([], dtype=object)
            columns[f"{name}_confidence"] = pd.Series([], dtype=float)
        return pd.DataFrame(columns)
    for name, (labels, confidence) in predictor(model, targets).labels(texts).items():
        columns[name] = labels
        columns[f"{name}_confidence"] = confidence
    return pd.DataFrame(columns)


def save(model: Pipeline, schema: Schema, path: Path, card: dict[str, Any]) -> dict[str, Any]:
    """Write the model, its arrays (`pipeline.fused`) and its card; an interruption keeps the previous set.

    All go to temporary files first and are renamed over the old ones only
    when all are complete (a crash before that leaves the old files untouched;
    the renames are adjacent system calls, the card's last, and a card never
    matches another model's checksums).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    bundle = {"format": FORMAT, "targets": schema.target_names, "pipeline": model}
    card_file, arrays = card_path(path), fused.archive_path(path)
    tmp_model = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp_arrays = arrays.with_name(f".{arrays.name}.{os.getpid()}.tmp")
    tmp_card = card_file.with_name(f".{card_file.name}.{os.getpid()}.tmp")
    as_arrays = fused_of(model, schema.target_names)
    try:
        joblib.dump(bundle, tmp_model, compress=3)
        full = {
            "format": FORMAT,
            "model_file": path.name,
            "sha256": sha256_file(tmp_model),
            "targets": schema.target_names,
            "schema": schema.to_dict(),
            **card,
            "versions": library_versions(),
        }
        if as_arrays is not None:
            as_arrays.save(tmp_arrays)
            full["fused_sha256"] = sha256_file(tmp_arrays)
        tmp_card.write_text(json.dumps(full, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        for tmp in (tmp_model, tmp_arrays, tmp_card):
            if tmp.exists():
                with open(tmp, "rb") as fh:
                    os.fsync(fh.fileno())
        os.replace(tmp_model, path)
        if as_arrays is not None:
            os.replace(tmp_arrays, arrays)
        else:
            discard(arrays)  # another model's arrays: the new card does not record them
        os.replace(tmp_card, card_file)
    except OSError as exc:
        raise StanceError(f"{path}: cannot write the model ({exc.strerror or exc}); the previous one is kept") from None
    finally:
        discard(tmp_model)
        discard(tmp_arrays)
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


def load(path: Path) -> tuple[Pipeline, dict[str, Any]]:
    """Verify the SHA-256 recorded in the model card, and only then unpickle."""
    card = read_card(path)
    check_sha256(path, card["sha256"])
    with warnings.catch_warnings():
        # scikit-learn warns on unpickling a model from another version; `version_warning` says it in one line.
        warnings.filterwarnings("ignore", message=".*Trying to unpickle estimator.*")
        bundle = joblib.load(path)
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT or "pipeline" not in bundle:
        raise StanceError(f"{path}: not a model written by this version of ukraine-stance")
    if list(bundle["targets"]) != list(card["targets"]):
        raise StanceError(f"{path}: targets in the model and its card differ")
    return bundle["pipeline"], card


def informative_ngrams(model: Pipeline, targets: list[str], n: int = 10) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Per target and label, the n-grams with the largest positive weights for that label.

    Column names come from the fitted n-gram transformers (one training n-gram
    per column); "word" and "char" say which kind each is.
    """
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
