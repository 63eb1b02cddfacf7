"""The default model as scikit-learn estimators: sentence vectors, a head on them, and the gated soft vote.

What the mixture is and why is in `pipeline.model.ensemble`; this module fits
it. `fit` fits the n-gram Pipeline and the encoder head on the same
sentences, reduces the result to a `ServedEnsemble` and checks on a sample
that the arrays give the estimator's own probabilities.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.multioutput import MultiOutputClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline

from pipeline import StanceError
from pipeline.data.schema import Schema
from pipeline.model import encoder as sentence_encoder
from pipeline.model import estimator
from pipeline.model.ensemble import ServedEnsemble, gated_rows, mix
from pipeline.params import TrainParams

PARITY_SAMPLE = 500
PARITY_TOLERANCE = 1e-6  # the head computes in float32, as scikit-learn's MLP does on float32 vectors


class SentenceEmbedding(TransformerMixin, BaseEstimator):
    """Sentences to their encoder vectors (`pipeline.model.encoder`); nothing to fit.

    onnx_path: the built encoder (its card names its vocabulary);
    sha256: the encoder's checksum (a changed file is refused); threads: onnxruntime's.
    """

    def __init__(self, onnx_path: str, sha256: str, threads: int = 2):
        self.onnx_path = onnx_path
        self.sha256 = sha256
        self.threads = threads

    def fit(self, X, y=None):  # noqa: N803 - scikit-learn's names
        self.dim_ = self._encoder().dim
        return self

    def transform(self, X):  # noqa: N803
        return self._encoder().embed(list(X), memo=True)

    def _encoder(self) -> sentence_encoder.SentenceEncoder:
        return sentence_encoder.load(Path(self.onnx_path), self.sha256, self.threads)


class SoftVote(ClassifierMixin, BaseEstimator):
    """Multi-output soft voting of an n-gram model and an encoder model, with a gate.

    estimators: [(name, n-gram model), (name, encoder model)], each multi-output, ``predict_proba``
    giving one array per target; weight: the encoder model's share of the mixture; gate: the
    n-gram P(off topic) from which a sentence skips the encoder; targets: the target names;
    none_labels: per target, its off-topic label (None: that target never gates).
    """

    def __init__(self, estimators: list, weight: float = 0.4, gate: float = 0.9, targets=None, none_labels=None):
        self.estimators = estimators
        self.weight = weight
        self.gate = gate
        self.targets = targets
        self.none_labels = none_labels

    def fit(self, X, Y):  # noqa: N803
        texts = list(X)
        self.estimators_ = [clone(e).fit(texts, Y) for _, e in self.estimators]
        first = self.estimators_[0].classes_
        for other in self.estimators_[1:]:
            if any(list(a) != list(b) for a, b in zip(first, other.classes_, strict=True)):
                raise StanceError("the ensemble's members order their labels differently")
        self.classes_ = first
        labels = self.none_labels or [None] * len(first)
        self.none_columns_ = [
            list(classes).index(label) if label in list(classes) else None
            for classes, label in zip(first, labels, strict=True)
        ]
        return self

    def predict_proba(self, X):  # noqa: N803
        texts = list(X)
        ngram = self.estimators_[0].predict_proba(texts)
        gated = gated_rows(ngram, self.none_columns_, self.gate)
        rest = [t for t, g in zip(texts, gated, strict=True) if not g]
        head = self.estimators_[1].predict_proba(rest) if rest else [np.zeros((0, p.shape[1])) for p in ngram]
        return mix(ngram, head, gated, self.weight)

    def predict(self, X):  # noqa: N803
        proba = self.predict_proba(X)
        return np.column_stack([c[p.argmax(axis=1)] for c, p in zip(self.classes_, proba, strict=True)])


def build(schema: Schema, params: TrainParams, onnx_path: Path, encoder_sha256: str, threads: int):
    """An unfitted `SoftVote`: the n-gram model of `estimator.build_model` and an MLP head on sentence vectors."""
    head = MLPClassifier(
        (params.head_hidden,),
        alpha=params.head_alpha,
        early_stopping=True,  # a tenth of the training sentences stops it: ten times faster, as good here
        max_iter=200,
        random_state=params.head_seed,
    )
    embed = SentenceEmbedding(str(onnx_path), encoder_sha256, threads)
    members = [
        ("ngrams", estimator.build_model(params)),
        ("encoder", Pipeline([("embed", embed), ("head", MultiOutputClassifier(head))])),
    ]
    return SoftVote(
        members,
        weight=params.encoder_weight,
        gate=params.gate_none,
        targets=schema.target_names,
        none_labels=[t.off_topic for t in schema.targets],
    )


def to_served(vote: SoftVote) -> ServedEnsemble:
    """The fitted `SoftVote` as arrays (its n-gram member through `estimator.to_served`)."""
    ngram_model, encoder_model = vote.estimators_
    ngram = estimator.to_served(ngram_model, list(vote.targets))
    head = []
    for mlp in encoder_model.named_steps["head"].estimators_:
        if len(mlp.coefs_) != 2 or mlp.activation != "relu":
            raise StanceError("this ensemble cannot be served: its head is not one relu hidden layer")
        head.append(
            {
                "W1": np.ascontiguousarray(mlp.coefs_[0]),
                "b1": mlp.intercepts_[0],
                "W2": np.ascontiguousarray(mlp.coefs_[1]),
                "b2": mlp.intercepts_[1],
            }
        )
    return ServedEnsemble(ngram, head, vote.weight, vote.gate, vote.none_columns_)


def fit(
    data: pd.DataFrame,
    schema: Schema,
    params: TrainParams,
    onnx_path: Path,
    encoder_sha256: str,
    threads: int,
) -> tuple[SoftVote, ServedEnsemble]:
    """The fitted ensemble and its arrays, checked to agree; the encoder is attached to the arrays."""
    estimator.check_labels(data, schema)
    vote = build(schema, params, onnx_path, encoder_sha256, threads)
    texts = data["text"].tolist()
    vote.fit(texts, data[schema.target_names].to_numpy(dtype=object))
    arrays = to_served(vote)
    arrays.encoder = vote.estimators_[1].named_steps["embed"]._encoder()
    arrays.memo = True  # the folds of calibration score the training sentences again
    check_parity(vote, arrays, texts[:: max(1, len(texts) // PARITY_SAMPLE)][:PARITY_SAMPLE])
    return vote, arrays


def check_parity(vote: SoftVote, arrays: ServedEnsemble, texts: list[str]) -> float:
    """Largest gap between the estimator's and the arrays' probabilities on `texts`; refuse any above 1e-6."""
    theirs = vote.predict_proba(texts)
    ours = arrays.proba(texts, calibrated=False)
    worst = 0.0
    for name, a, b in zip(arrays.targets, theirs, ours, strict=True):
        gap = float(np.max(np.abs(a - b))) if len(texts) else 0.0
        if not gap <= PARITY_TOLERANCE:
            raise StanceError(f"target {name}: the served ensemble differs from the trained one by {gap:.3g}")
        worst = max(worst, gap)
    return worst


def cross_fitted(
    data: pd.DataFrame,
    schema: Schema,
    params: TrainParams,
    onnx_path: Path,
    encoder_sha256: str,
    threads: int,
    folds: int,
) -> tuple[np.ndarray, np.ndarray, ServedEnsemble]:
    """Every row's raw scores from models trained on the other folds (grouped by article).

    Returns the n-gram member's scores (for the fast model's temperatures), the
    ensemble's (log mixed probabilities, for the default model's) and the last
    fold's arrays (for the class order).
    """
    from sklearn.model_selection import GroupKFold

    ngram_scores = ensemble_scores = None
    arrays = None
    for train_idx, held_idx in GroupKFold(n_splits=folds).split(data, groups=data["article_id"].to_numpy()):
        part = data.iloc[train_idx].reset_index(drop=True)
        _, arrays = fit(part, schema, params, onnx_path, encoder_sha256, threads)
        held = data["text"].iloc[held_idx].tolist()
        a, b = arrays.ngram.scores(held), arrays.scores(held)
        if ngram_scores is None:
            ngram_scores, ensemble_scores = np.zeros((len(data), a.shape[1])), np.zeros((len(data), b.shape[1]))
        ngram_scores[held_idx], ensemble_scores[held_idx] = a, b
    assert ngram_scores is not None and ensemble_scores is not None and arrays is not None
    return ngram_scores, ensemble_scores, arrays
