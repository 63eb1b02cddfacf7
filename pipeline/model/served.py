"""The served model: every prediction the project makes comes from these arrays.

The trained Pipeline (n-gram TF-IDF blocks side by side, then one multinomial
logistic regression per target) reduces to each block's bucket table and idf,
one coefficient matrix for all targets and their intercepts. Training writes
them to a NumPy archive, read with pickles refused, and checks on a sample that
they give the trained estimator's own probabilities (`estimator.to_served`), so
`predict`, `classify`, `evaluate`, cross-validation and the learning curve all
run one model, without scikit-learn (most of a command's start-up time) and
without unpickling anything. The card records the archive's SHA-256, checked
before it is read.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from scipy.special import expit

from pipeline import StanceError
from pipeline.model import card as modelcard
from pipeline.model import ngrams
from pipeline.text.limits import for_model

BATCH = 1024  # sentences per feature-extraction batch: the n-gram arrays stay in cache; bigger runs slower


def softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax in place, with the operations of scikit-learn's (so the same floats)."""
    scores -= scores.max(axis=1).reshape((-1, 1))
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=1).reshape((-1, 1))
    return scores


def best(
    proba: Callable[[list[str]], list[np.ndarray]], targets: list[str], texts: list[str]
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per target: the index in its classes of the most probable label, and its probability to 4 places."""
    texts = [for_model(t) for t in texts]  # a megabyte "sentence" costs gigabytes of n-grams
    parts = [proba(texts[i : i + BATCH]) for i in range(0, len(texts), BATCH)] or [proba(texts)]
    probas = [np.concatenate([part[k] for part in parts]) for k in range(len(targets))]
    out = {}
    for name, found in zip(targets, probas, strict=True):
        index = found.argmax(axis=1)
        out[name] = (index, np.round(found[np.arange(len(texts)), index], 4))
    return out


class ServedModel:
    """Class probabilities of every target from the blocks' arrays (see the module docstring).

    Fitted attributes: ``blocks_`` (per block: kind, n-gram range, bits, bucket
    table, idf, its rows of the coefficient matrix), ``intercept_``, ``rows_``
    (where each target's columns start), ``classes_`` (per target) and
    ``temperature_`` (per target: the scores are divided by it before the
    softmax; 1 is the estimator itself, below 1 sharpens an underconfident
    model; `pipeline.model.calibrate` fits it on held-out predictions).
    """

    def __init__(
        self,
        targets: list[str],
        blocks: list[dict[str, Any]],
        intercept: np.ndarray,
        classes: list,
        temperature: np.ndarray | None = None,
    ):
        self.targets = list(targets)
        self.blocks_ = blocks
        self.intercept_ = np.asarray(intercept, dtype=np.float64)
        self.classes_ = [np.asarray(c, dtype=object) for c in classes]
        self.rows_ = np.cumsum([0] + [1 if len(c) <= 2 else len(c) for c in self.classes_])
        self.temperature_ = np.ones(len(self.targets)) if temperature is None else np.asarray(temperature, float)
        self._caches: list[dict] = [{} for _ in blocks]  # token hashes per word block, as NgramTfidf keeps them

    def scores(self, texts: list[str]) -> np.ndarray:
        """The logistic regressions' raw scores, every target's columns side by side (see ``rows_``)."""
        scores = np.tile(self.intercept_, (len(texts), 1))
        for block, cache in zip(self.blocks_, self._caches, strict=True):
            rows = ngrams.tfidf(
                block["kind"], texts, block["ngram_range"], block["bits"], block["table"], block["idf"], cache
            )
            scores += rows @ block["weights"]
        return scores

    def proba(self, texts: list[str], calibrated: bool = True) -> list[np.ndarray]:
        """Class probabilities per target, columns in the order of that target's ``classes_``.

        calibrated: divide the scores by each target's temperature (the default; False gives the
        estimator's own probabilities, which training checks the arrays against).
        """
        return self.proba_of(self.scores(texts), calibrated)

    def proba_of(self, scores: np.ndarray, calibrated: bool = True) -> list[np.ndarray]:
        """`proba` from raw `scores` (as `scores` returns them)."""
        out = []
        for k, classes in enumerate(self.classes_):
            scores_k = scores[:, self.rows_[k] : self.rows_[k + 1]]
            if calibrated and self.temperature_[k] != 1:
                scores_k = scores_k / self.temperature_[k]
            if len(classes) <= 2:  # one column of scores: the logistic function, as scikit-learn does
                positive = expit(scores_k[:, 0])
                out.append(np.column_stack([1 - positive, positive]))
            else:
                out.append(softmax(scores_k.copy()))
        return out

    def best(self, texts: list[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per target: the index in ``classes_`` of the most probable label, and its probability to 4 places."""
        return best(self.proba, self.targets, texts)

    def labels(self, texts: list[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per target: the most probable label and its probability, rounded to 4 places."""
        return {
            name: (classes[index], confidence)
            for (name, (index, confidence)), classes in zip(self.best(texts).items(), self.classes_, strict=True)
        }

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Plain arrays (no object arrays, so they load with pickles refused)."""
        arrays: dict[str, np.ndarray] = {
            "targets": np.array(self.targets, dtype=str),
            "intercept": self.intercept_,
            "temperature": self.temperature_,
            "n_blocks": np.array(len(self.blocks_)),
        }
        for k, classes in enumerate(self.classes_):
            arrays[f"classes_{k}"] = np.array([str(c) for c in classes], dtype=str)
        for b, block in enumerate(self.blocks_):
            arrays[f"block_{b}_spec"] = np.array([block["kind"], *map(str, block["ngram_range"]), str(block["bits"])])
            for name in ("table", "idf", "weights"):
                arrays[f"block_{b}_{name}"] = block[name]
        return arrays

    def save(self, path: Path) -> None:
        """One NumPy archive of `to_arrays`."""
        with open(path, "wb") as fh:
            np.savez(fh, **self.to_arrays())

    @classmethod
    def from_arrays(cls, archive: Any) -> ServedModel:
        """The model in an opened archive (or mapping) of `to_arrays`."""
        targets = [str(t) for t in archive["targets"]]
        blocks = []
        for b in range(int(archive["n_blocks"])):
            kind, low, high, bits = (str(v) for v in archive[f"block_{b}_spec"])
            blocks.append(
                {
                    "kind": kind,
                    "ngram_range": (int(low), int(high)),
                    "bits": int(bits),
                    **{name: archive[f"block_{b}_{name}"] for name in ("table", "idf", "weights")},
                }
            )
        classes = [archive[f"classes_{k}"].tolist() for k in range(len(targets))]
        temperature = archive["temperature"] if "temperature" in archive else None
        return cls(targets, blocks, archive["intercept"], classes, temperature)

    @classmethod
    def read(cls, path: Path) -> ServedModel:
        """The arrays of `path`, whose checksum the caller has verified; pickled objects are refused."""
        try:
            with np.load(path, allow_pickle=False) as archive:
                return cls.from_arrays(archive)
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            raise StanceError(f"{path}: not a model archive written by ukraine-stance ({exc})") from None


def load(model_path: Path, card: dict[str, Any] | None = None, threads: int = 1) -> Any:
    """The served model named by `model_path` (any of its files), once its SHA-256 matches the card's.

    A card with an ``encoder`` entry names the default model (`pipeline.model.ensemble`): its encoder is
    loaded too, checked against the checksum the card recorded. threads: the encoder's onnxruntime threads.
    """
    card = card if card is not None else modelcard.read_card(model_path)
    path = modelcard.served_path(model_path)
    modelcard.check_sha256(path, card["sha256"])
    if card.get("encoder"):
        from pipeline.model import encoder, ensemble

        found: Any = ensemble.ServedEnsemble.read(path)
        onnx = modelcard.encoder_path(model_path, card)
        found.encoder = encoder.load(onnx, card["encoder"]["sha256"], threads)
    else:
        found = ServedModel.read(path)
    if found.targets != list(card["targets"]):
        raise StanceError(f"{path}: targets in the model's arrays and its card differ")
    return found
