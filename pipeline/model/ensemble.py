"""The default model: the n-gram model's probabilities mixed with a sentence-encoder head's.

Why a mixture: on news written from real reporting (the split the model is
chosen on), the n-gram model misses positions put in words its training
sentences did not use; a small network on frozen sentence vectors
(`pipeline.model.encoder`) catches some of them but is weaker alone. Mixing
the two models' probabilities (by default 0.6 n-grams, 0.4 head) beat both,
and beat feeding the vectors to the n-gram model's logistic regressions; the
comparison is in the README and `benchmarks/real_reporting_models.py`.

Why a gate: the encoder costs about 5 ms a sentence on one core, the n-grams
0.06 ms, and most sentences of a news page are off topic. A sentence the
n-gram model puts off topic for every target with probability at least
``gate_none`` keeps the n-gram model's probabilities and never reaches the
encoder. The gate is part of the estimator (`SoftVote`), so evaluation
measures exactly what `stance classify` runs.

Two forms, as for the n-gram model: `pipeline.model.voting.SoftVote`, a
scikit-learn estimator holding both fitted members, and `ServedEnsemble` here,
the same arithmetic on plain arrays that training checks against it (this
module imports no scikit-learn: `stance classify` runs it).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
from scipy.special import expit

from pipeline import StanceError
from pipeline.model import encoder as sentence_encoder
from pipeline.model import served


def gated_rows(ngram_proba: list[np.ndarray], none_columns: list[int | None], gate: float) -> np.ndarray:
    """Rows every target's n-gram model puts off topic with probability >= `gate` (no encoder for them)."""
    n = len(ngram_proba[0]) if ngram_proba else 0
    if gate > 1 or any(c is None for c in none_columns):
        return np.zeros(n, dtype=bool)
    gated = np.ones(n, dtype=bool)
    for proba, column in zip(ngram_proba, none_columns, strict=True):
        gated &= proba[:, column] >= gate
    return gated


def mix(ngram: list[np.ndarray], head: list[np.ndarray], gated: np.ndarray, weight: float) -> list[np.ndarray]:
    """Per target: (1 - weight) * n-gram + weight * head probabilities; gated rows keep the n-gram ones."""
    out = []
    for p_ngram, p_head in zip(ngram, head, strict=True):
        mixed = np.array(p_ngram, dtype=np.float64, copy=True)
        keep = ~gated
        mixed[keep] = (1 - weight) * mixed[keep] + weight * p_head.astype(np.float64)
        out.append(mixed)
    return out


class ServedEnsemble:
    """`SoftVote` on plain arrays: the n-gram `ServedModel`, the head's layers, weight, gate and temperatures.

    Same interface as `served.ServedModel` (``targets``, ``classes_``, ``rows_``, ``temperature_``,
    `scores`, `proba`, `proba_of`, `best`, `labels`); its scores are log-probabilities of the mixture,
    every class a column, so a temperature divides them before a softmax as for the n-gram model.
    """

    def __init__(
        self,
        ngram: served.ServedModel,
        head: list[dict[str, np.ndarray]],
        weight: float,
        gate: float,
        none_columns: list[int | None],
        temperature: np.ndarray | None = None,
    ):
        self.ngram = ngram
        self.head_ = head
        self.weight = float(weight)
        self.gate = float(gate)
        self.none_columns = none_columns
        self.targets = ngram.targets
        self.classes_ = ngram.classes_
        self.rows_ = np.cumsum([0] + [len(c) for c in self.classes_])
        self.temperature_ = np.ones(len(self.targets)) if temperature is None else np.asarray(temperature, float)
        self.encoder: sentence_encoder.SentenceEncoder | None = None
        self.memo = False  # remember sentence vectors: training and evaluation score the same sentences again
        self.gated_count_ = 0  # sentences scored so far that the gate kept from the encoder
        self.scored_count_ = 0  # sentences scored so far

    def head_proba(self, vectors: np.ndarray) -> list[np.ndarray]:
        """The head's class probabilities per target, with the operations of scikit-learn's MLP."""
        out = []
        for layer in self.head_:
            hidden = vectors @ layer["W1"]
            hidden += layer["b1"]
            np.maximum(hidden, 0, out=hidden)
            scores = hidden @ layer["W2"]
            scores += layer["b2"]
            if scores.shape[1] == 1:
                positive = expit(scores[:, 0])
                out.append(np.column_stack([1 - positive, positive]))
            else:
                out.append(served.softmax(scores))
        return out

    def scores(self, texts: list[str]) -> np.ndarray:
        ngram = self.ngram.proba(texts, calibrated=False)
        gated = gated_rows(ngram, self.none_columns, self.gate)
        self.gated_count_ += int(gated.sum())
        self.scored_count_ += len(gated)
        rest = [t for t, g in zip(texts, gated, strict=True) if not g]
        if rest:
            if self.encoder is None:
                raise StanceError("the ensemble's encoder is not loaded")
            head = self.head_proba(self.encoder.embed(rest, memo=self.memo))
        else:
            head = [np.zeros((0, len(c))) for c in self.classes_]
        mixed = mix(ngram, head, gated, self.weight)
        return np.log(np.maximum(np.hstack(mixed), 1e-300))

    @property
    def gated_share_(self) -> float | None:
        """Of the sentences scored so far, the share the gate kept from the encoder."""
        return self.gated_count_ / self.scored_count_ if self.scored_count_ else None

    def proba(self, texts: list[str], calibrated: bool = True) -> list[np.ndarray]:
        return self.proba_of(self.scores(texts), calibrated)

    def proba_of(self, scores: np.ndarray, calibrated: bool = True) -> list[np.ndarray]:
        out = []
        for k in range(len(self.classes_)):
            part = scores[:, self.rows_[k] : self.rows_[k + 1]]
            if calibrated:
                part = part / self.temperature_[k]
            out.append(served.softmax(np.array(part, copy=True)))
        return out

    def best(self, texts: list[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        return served.best(self.proba, self.targets, texts)

    def labels(self, texts: list[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        return {
            name: (classes[index], confidence)
            for (name, (index, confidence)), classes in zip(self.best(texts).items(), self.classes_, strict=True)
        }

    def save(self, path: Path) -> None:
        arrays = self.ngram.to_arrays()
        arrays["ensemble_temperature"] = self.temperature_
        arrays["ensemble_weight"] = np.array(self.weight)
        arrays["ensemble_gate"] = np.array(self.gate)
        arrays["ensemble_none_columns"] = np.array([-1 if c is None else c for c in self.none_columns])
        for k, layer in enumerate(self.head_):
            for name, value in layer.items():
                arrays[f"head_{k}_{name}"] = value
        with open(path, "wb") as fh:
            np.savez(fh, **arrays)

    @classmethod
    def read(cls, path: Path) -> ServedEnsemble:
        """The arrays of `path`, whose checksum the caller has verified; pickled objects are refused."""
        try:
            with np.load(path, allow_pickle=False) as archive:
                ngram = served.ServedModel.from_arrays(archive)
                head = [
                    {name: archive[f"head_{k}_{name}"] for name in ("W1", "b1", "W2", "b2")}
                    for k in range(len(ngram.targets))
                ]
                none_columns = [None if c < 0 else int(c) for c in archive["ensemble_none_columns"]]
                return cls(
                    ngram,
                    head,
                    float(archive["ensemble_weight"]),
                    float(archive["ensemble_gate"]),
                    none_columns,
                    archive["ensemble_temperature"],
                )
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            raise StanceError(
                f"{path}: not a model archive written by ukraine-stance (n-grams and encoder head) ({exc})"
            ) from None
