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
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.multioutput import MultiOutputClassifier
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.utils.extmath import softmax

from pipeline import StanceError
from pipeline.features import build_features
from pipeline.io import discard, sha256_file
from pipeline.limits import for_model
from pipeline.schema import Schema

FORMAT = 1
BATCH = 1024  # sentences per feature-extraction batch in Predictor.best


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


class Predictor:
    """The fitted Pipeline's predictions, computed in one pass for every target.

    Equivalent to each target's ``predict_proba`` on the FeatureUnion's output
    (a test holds them equal), but cheaper on batch work: the feature blocks are
    never stacked into one matrix, and the coefficients of all targets form one
    matrix, so each block is multiplied once rather than once per target.
    Pipelines of another shape fall back to scikit-learn's own calls.
    """

    def __init__(self, model: Pipeline, targets: list[str]):
        self.model, self.targets = model, targets
        union, multi = model.named_steps["features"], model.named_steps["classify"]
        estimators = multi.estimators_
        self.classes_ = [e.classes_ for e in estimators]
        fusable = (
            isinstance(union, FeatureUnion)
            and not union.transformer_weights
            and all(isinstance(e, LogisticRegression) for e in estimators)
            and all(t not in ("drop", "passthrough") for _, t in union.transformer_list)
        )
        self.blocks_: list[tuple[Any, np.ndarray]] | None = None
        if fusable:
            weights = (
                np.vstack([e.coef_ for e in estimators]).astype(np.float64).T
            )  # features x (all classes of all targets)
            self.intercept_ = np.concatenate([e.intercept_ for e in estimators]).astype(np.float64)
            self.rows_ = np.cumsum([0] + [len(e.intercept_) for e in estimators])
            self.blocks_, start = [], 0
            for _, transformer in union.transformer_list:
                width = len(transformer.idf_) if hasattr(transformer, "idf_") else None
                if width is None:
                    self.blocks_ = None
                    break
                self.blocks_.append((transformer, np.ascontiguousarray(weights[start : start + width])))
                start += width
            if self.blocks_ is not None and start != weights.shape[0]:
                self.blocks_ = None

    def proba(self, texts: list[str]) -> list[np.ndarray]:
        """Class probabilities per target, columns in the order of that target's ``classes_``."""
        if self.blocks_ is None:
            features = self.model.named_steps["features"].transform(texts)
            return [e.predict_proba(features) for e in self.model.named_steps["classify"].estimators_]
        scores = np.tile(self.intercept_, (len(texts), 1))
        for transformer, weights in self.blocks_:
            scores += transformer.transform(texts) @ weights
        out = []
        for k, classes in enumerate(self.classes_):
            block = scores[:, self.rows_[k] : self.rows_[k + 1]]
            if len(classes) <= 2:  # one column of scores: the logistic function, as scikit-learn does
                positive = expit(block[:, 0])
                out.append(np.column_stack([1 - positive, positive]))
            else:
                out.append(softmax(block, copy=True))
        return out

    def best(self, texts: list[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per target: the index in ``classes_`` of the most probable label, and its probability to 4 places."""
        texts = [for_model(t) for t in texts]  # a megabyte "sentence" costs gigabytes of n-grams
        # Batches of about a thousand keep the n-gram arrays in cache; bigger ones run slower per sentence.
        parts = [self.proba(texts[i : i + BATCH]) for i in range(0, len(texts), BATCH)] or [self.proba(texts)]
        probas = [np.concatenate([part[k] for part in parts]) for k in range(len(self.targets))]
        out = {}
        for name, proba in zip(self.targets, probas, strict=True):
            best = proba.argmax(axis=1)
            out[name] = (best, np.round(proba[np.arange(len(texts)), best], 4))
        return out

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


def card_path(model_path: Path) -> Path:
    return model_path.with_suffix(".json")


def save(model: Pipeline, schema: Schema, path: Path, card: dict[str, Any]) -> dict[str, Any]:
    """Write the model and its card so that an interruption leaves the previous pair loadable.

    Both go to temporary files first and are renamed over the old ones only
    when both are complete (a crash before that leaves the old model and card
    untouched; the two renames are adjacent system calls).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    bundle = {"format": FORMAT, "targets": schema.target_names, "pipeline": model}
    card_file = card_path(path)
    tmp_model = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp_card = card_file.with_name(f".{card_file.name}.{os.getpid()}.tmp")
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
        tmp_card.write_text(json.dumps(full, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        for tmp in (tmp_model, tmp_card):
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp_model, path)
        os.replace(tmp_card, card_file)
    except OSError as exc:
        raise StanceError(f"{path}: cannot write the model ({exc.strerror or exc}); the previous one is kept") from None
    finally:
        discard(tmp_model)
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


def read_card(path: Path) -> dict[str, Any]:
    card_file = card_path(path)
    if not path.is_file():
        raise StanceError(f"{path}: model not found; train one with `dvc repro` or `stance train`")
    if not card_file.is_file():
        raise StanceError(f"{card_file}: model card missing; refusing to load an unverified model file")
    try:
        card = json.loads(card_file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise StanceError(f"{card_file}: model card is not valid JSON") from None
    if not isinstance(card, dict) or not isinstance(card.get("sha256"), str):
        raise StanceError(f"{card_file}: model card has no sha256; refusing to load")
    return card


def load(path: Path) -> tuple[Pipeline, dict[str, Any]]:
    """Verify the SHA-256 recorded in the model card, and only then unpickle."""
    card = read_card(path)
    actual = sha256_file(path)
    if actual != card["sha256"]:
        raise StanceError(
            f"{path}: SHA-256 {actual[:12]}... does not match the model card "
            f"({card['sha256'][:12]}...); refusing to load a changed model file"
        )
    with warnings.catch_warnings():
        # scikit-learn warns on unpickling a model from another version; `version_warning` says it in one line.
        warnings.filterwarnings("ignore", message=".*Trying to unpickle estimator.*")
        bundle = joblib.load(path)
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT or "pipeline" not in bundle:
        raise StanceError(f"{path}: not a model written by this version of ukraine-stance")
    if list(bundle["targets"]) != list(card["targets"]):
        raise StanceError(f"{path}: targets in the model and its card differ")
    return bundle["pipeline"], card


def _structure(schema_dict: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """What the model depends on: targets and their labels' names and kinds, in order (not the wording)."""
    targets = schema_dict.get("targets", {}) if isinstance(schema_dict, dict) else {}
    return {
        name: [(lab.get("name"), lab.get("kind", "position")) for lab in body.get("labels", [])]
        for name, body in targets.items()
    }


def check_schema(card: dict[str, Any], schema: Schema, source: str, model_path: Path) -> None:
    """Refuse a model whose card records targets or labels other than those of `schema`."""
    trained, wanted = _structure(card.get("schema", {})), _structure(schema.to_dict())
    if trained == wanted:
        return
    if list(trained) != list(wanted):
        what = f"targets {', '.join(trained) or 'none'} where {source} has {', '.join(wanted)}"
    else:
        name = next(t for t in wanted if trained[t] != wanted[t])

        def shown(labels: list[tuple[str, str]]) -> str:
            return ", ".join(f"{n} ({k})" for n, k in labels)

        what = f"{name} labels {shown(trained[name])}; {source} has {shown(wanted[name])}"
    raise StanceError(
        f"{model_path}: trained on another schema ({what}); retrain with `dvc repro`, "
        "or pass --schema with the schema it was trained on"
    )


def version_warning(card: dict[str, Any], model_path: Path) -> str | None:
    """A one-line warning when the model was trained with another scikit-learn, else None."""
    trained = card.get("versions", {}).get("scikit-learn")
    if trained and trained != sklearn.__version__:
        return (
            f"{model_path} was trained with scikit-learn {trained}, this is scikit-learn {sklearn.__version__}; "
            "predictions may differ: retrain with `dvc repro` or install the recorded version"
        )
    return None


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
