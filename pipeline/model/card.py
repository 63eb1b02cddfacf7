"""The model card: what a model was trained on, and the checksums that make it safe to load.

A model is three files with one stem: ``stance.json`` (this card),
``stance.npz`` (the served arrays, `pipeline.model.served`, what every
prediction runs) and ``stance.joblib`` (the fitted scikit-learn estimator, for
evaluation's feature names and SVM baseline and for users' notebooks).
``--model`` may name any of them. The default model's card also names the
sentence encoder it was trained with (``encoder``: file and SHA-256), which
loading verifies too; the fast model (``fast.*``) has none. Reading and checking a card imports neither scikit-learn nor
pandas.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline import StanceError
from pipeline.data.schema import Schema
from pipeline.io.files import sha256_file

FORMAT = 2  # 1: the pickle was the model and the arrays optional; 2: the arrays are the model
SUFFIXES = (".json", ".npz", ".joblib")


def card_path(model_path: Path) -> Path:
    return model_path.with_suffix(".json")


def served_path(model_path: Path) -> Path:
    return model_path.with_suffix(".npz")


def pipeline_path(model_path: Path) -> Path:
    return model_path.with_suffix(".joblib")


def encoder_path(model_path: Path, card: dict[str, Any]) -> Path:
    """The sentence encoder a default model's card names, beside the model's files."""
    return model_path.parent / card["encoder"]["file"]


def read_card(path: Path) -> dict[str, Any]:
    """The card of the model named by `path` (its .json, .npz or .joblib file), checked for what loading needs."""
    card_file, served = card_path(path), served_path(path)
    if path.suffix not in SUFFIXES:
        raise StanceError(f"{path}: not a model file; name the model's .npz, .json or .joblib file")
    if not served.is_file() and not card_file.is_file():
        raise StanceError(f"{path}: model not found; train one with `dvc repro` or `stance train`, or pass --model")
    if not card_file.is_file():
        raise StanceError(f"{card_file}: model card missing; refusing to load an unverified model file")
    try:
        card = json.loads(card_file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise StanceError(f"{card_file}: model card is not valid JSON") from None
    if not isinstance(card, dict) or not isinstance(card.get("sha256"), str):
        raise StanceError(f"{card_file}: model card has no sha256; refusing to load")
    if card.get("format") != FORMAT:
        raise StanceError(f"{card_file}: written by another version of ukraine-stance; retrain with `dvc repro`")
    if not served.is_file():
        raise StanceError(f"{served}: the model's arrays are missing; retrain with `dvc repro`")
    return card


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


def check_sha256(path: Path, recorded: str) -> None:
    """Refuse `path` unless its SHA-256 is the one the card recorded (before anything reads it)."""
    actual = sha256_file(path)
    if actual != recorded:
        raise StanceError(
            f"{path}: SHA-256 {actual[:12]}... does not match the model card "
            f"({recorded[:12]}...); refusing to load a changed model file"
        )
