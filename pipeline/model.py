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
from sklearn.pipeline import Pipeline

from pipeline import StanceError
from pipeline.features import build_features
from pipeline.io import discard, sha256_file
from pipeline.limits import for_model
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


def predict(model: Pipeline, targets: list[str], texts: list[str]) -> pd.DataFrame:
    """Label and confidence (probability of that label) per target for each text."""
    columns: dict[str, Any] = {}
    if not texts:
        for name in targets:
            columns[name] = pd.Series([], dtype=object)
            columns[f"{name}_confidence"] = pd.Series([], dtype=float)
        return pd.DataFrame(columns)
    texts = [for_model(t) for t in texts]  # a megabyte "sentence" costs gigabytes of n-grams
    features = model.named_steps["features"].transform(texts)
    estimators = model.named_steps["classify"].estimators_
    for name, estimator in zip(targets, estimators, strict=True):
        proba = estimator.predict_proba(features).astype(np.float64)
        best = proba.argmax(axis=1)
        columns[name] = estimator.classes_[best]
        columns[f"{name}_confidence"] = np.round(proba[np.arange(len(texts)), best], 4)
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
