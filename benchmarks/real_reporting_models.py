"""Which model reads real news best? Candidates scored on the held-back real-reporting pages.

Run from the project root after `dvc repro` (it reads data/prepared/ and the
built sentence encoder models/encoder.onnx). Each candidate is trained on the
training split and scored on data/prepared/real_test.csv, the pages written
from real reporting that no model trains on; the interval of each candidate's
margin over the n-gram model (the fast model) is a paired bootstrap over pages
(both scored on the same resampled pages). The in-house test split is scored
too, for comparison. Candidates with the encoder are scored ungated (every
sentence through the encoder); `stance evaluate` scores the shipped, gated one.

    python benchmarks/real_reporting_models.py [--bootstrap 1000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import params  # noqa: E402
from pipeline.data import schema as schema_mod  # noqa: E402
from pipeline.evaluation import bootstrap  # noqa: E402
from pipeline.evaluation.scores import target_scores  # noqa: E402
from pipeline.model import encoder as sentence_encoder  # noqa: E402
from pipeline.model.features import build_features  # noqa: E402


def previous_sentences(frame: pd.DataFrame) -> list[str]:
    """Each article sentence's predecessor ("" for headlines and stand-alone statements)."""
    index = pd.to_numeric(frame["sentence_index"], errors="coerce")
    text_at = {(a, i): t for a, i, t in zip(frame["article_id"], index, frame["text"], strict=True)}
    return [text_at.get((a, i - 1), "") if i == i else "" for a, i in zip(frame["article_id"], index, strict=True)]


def vectors(frame: pd.DataFrame) -> np.ndarray:
    """The built encoder's sentence vectors (models/encoder.onnx, as the default model uses them)."""
    encoder = sentence_encoder.load(ROOT / "models" / "encoder.onnx", threads=2)
    return encoder.embed(frame["text"].tolist(), memo=True)


def candidate(train: pd.DataFrame, overrides: dict, context: float = 0.0, vector_weight: float = 0.0):
    """A fit function for the n-gram model with `overrides` of the training parameters.

    context: weight of the previous sentence's n-grams; vector_weight: sentence vectors as extra columns.
    The fit function returns (classes, probabilities) for a frame and a target.
    """
    tp = params.TrainParams.from_mapping({**params.load(ROOT / "params.yaml").train.to_dict(), **overrides})
    features = build_features(tp)
    features.fit(train["text"].tolist())

    def design(frame: pd.DataFrame):
        x = features.transform(frame["text"].tolist())
        if context:
            x = sp.hstack([x, features.transform(previous_sentences(frame)) * context]).tocsr()
        if vector_weight:
            x = sp.hstack([x, sp.csr_matrix(vectors(frame) * vector_weight)]).tocsr()
        return x

    x_train = design(train)

    def proba(frame: pd.DataFrame, target: str) -> tuple[np.ndarray, np.ndarray]:
        model = LogisticRegression(C=tp.C, class_weight=tp.class_weight, solver=tp.solver, max_iter=tp.max_iter)
        model.fit(x_train, train[target])
        return model.classes_, model.predict_proba(design(frame))

    return proba


def vector_head(train: pd.DataFrame, kind: str):
    """A classifier on the sentence vectors alone: 'mlp' (the default model's head) or 'lr'."""
    x_train = vectors(train)
    tp = params.load(ROOT / "params.yaml").train

    def proba(frame: pd.DataFrame, target: str) -> tuple[np.ndarray, np.ndarray]:
        if kind == "mlp":
            model = MLPClassifier(
                (tp.head_hidden,), alpha=tp.head_alpha, early_stopping=True, max_iter=200, random_state=tp.head_seed
            )
        else:
            model = LogisticRegression(C=1.0, class_weight="balanced", solver="newton-cg", max_iter=500)
        model.fit(x_train, train[target])
        return model.classes_, model.predict_proba(vectors(frame))

    return proba


def mixture(first, second, weight: float):
    """(1 - weight) x first + weight x second probabilities (the members order their classes alike)."""

    def proba(frame: pd.DataFrame, target: str) -> tuple[np.ndarray, np.ndarray]:
        (classes, a), (_, b) = first(frame, target), second(frame, target)
        return classes, (1 - weight) * a + weight * b

    return proba


def labels_of(fit, frame: pd.DataFrame, target: str) -> np.ndarray:
    classes, proba = fit(frame, target)
    return classes[proba.argmax(axis=1)].astype(object)


def score(test: pd.DataFrame, labels: dict[str, np.ndarray], the_schema, groups: np.ndarray, weights: np.ndarray):
    """Mean stance-F1 and its resampled values over the page bootstrap."""
    _, group_index = np.unique(groups, return_inverse=True)
    resampled, point = [], []
    for t in the_schema.targets:
        k = len(t.label_names)
        positions = [t.label_names.index(lab) for lab in t.positions]
        gold = test[t.name].to_numpy(object)
        per = bootstrap.group_confusions(
            bootstrap.codes(gold, t), bootstrap.codes(labels[t.name], t), group_index, len(np.unique(groups)), k
        )
        resampled.append(bootstrap.resampled_scores({"m": per}, k, positions, weights)["m"]["stance_f1"])
        point.append(target_scores(gold, labels[t.name], t)["stance_f1"])
    return float(np.mean(point)), np.mean(resampled, axis=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bootstrap", type=int, default=1000)
    args = parser.parse_args()
    the_schema = schema_mod.load(ROOT / "data" / "schema.yaml")
    prepared = ROOT / "data" / "prepared"
    train = pd.read_csv(prepared / "train.csv", dtype=str, keep_default_na=False)
    real = pd.read_csv(prepared / "real_test.csv", dtype=str, keep_default_na=False)
    inhouse = pd.read_csv(prepared / "test.csv", dtype=str, keep_default_na=False)
    own = train[train["source_url"] == ""]
    ngram = candidate(train, {})
    weight = params.load(ROOT / "params.yaml").train.encoder_weight
    mlp = vector_head(train, "mlp")
    candidates = {
        "n-gram, in-house data only (the model before real reporting)": candidate(own, {}),
        "n-gram (the fast model)": ngram,
        "n-gram + previous sentence (weight 0.3)": candidate(train, {}, 0.3),
        "n-gram, word 1-2-grams": candidate(train, {"word_ngram_max": 2}),
        "n-gram, C = 8": candidate(train, {"C": 8.0}),
        "n-gram + sentence vectors as features": candidate(train, {}, vector_weight=1.0),
        "sentence vectors alone, logistic regression": vector_head(train, "lr"),
        "sentence vectors alone, MLP head": mlp,
        f"n-gram mixed with a logistic regression on vectors ({weight})": mixture(
            ngram, vector_head(train, "lr"), weight
        ),
        f"n-gram mixed with the MLP head ({weight}; the default model, ungated)": mixture(ngram, mlp, weight),
    }
    pages = real["source_url"].to_numpy()
    weights = bootstrap.resample_weights(len(np.unique(pages)), args.bootstrap, 7)
    rows, reference = [], None
    for name, fit in candidates.items():
        started = time.perf_counter()
        real_labels = {t: labels_of(fit, real, t) for t in the_schema.target_names}
        own_labels = {t: labels_of(fit, inhouse, t) for t in the_schema.target_names}
        real_score, real_resampled = score(real, real_labels, the_schema, pages, weights)
        own_score = float(
            np.mean(
                [
                    target_scores(inhouse[t.name].to_numpy(object), own_labels[t.name], t)["stance_f1"]
                    for t in the_schema.targets
                ]
            )
        )
        if name == "n-gram (the fast model)":
            reference = real_resampled
        print(f"{name}: {real_score:.3f} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
        rows.append((name, real_score, real_resampled, own_score, time.perf_counter() - started))
    print("| model | real reporting mean stance-F1 (95% CI) | minus the n-gram model (paired 95% CI) | in-house |")
    print("|---|---|---|---|")
    for name, real_score, resampled, own_score, _ in rows:
        low, high = bootstrap.interval(resampled)
        d_low, d_high = bootstrap.interval(resampled - reference)
        margin = (
            f"{real_score - rows[1][1]:+.3f} ({d_low:+.3f} to {d_high:+.3f})" if resampled is not reference else "-"
        )
        print(f"| {name} | {real_score:.3f} ({low:.3f}-{high:.3f}) | {margin} | {own_score:.3f} |")


if __name__ == "__main__":
    main()
