"""Does a cheap change beat the default model on real reporting? Chosen by grouped CV, confirmed once.

The default model (0.6 x n-gram logistic regression + 0.4 x MLP head on the
frozen sentence vectors, scored ungated as in benchmarks/real_reporting_models.py)
is compared with cheap candidates:

  * real-reporting training rows up-weighted (sample_weight 2 or 4 in both members);
  * the head's mixture weight 0.3, 0.5 or 0.6 instead of 0.4;
  * article-context stacking: per target, a second-stage logistic regression on
    the cross-fitted default probabilities (all targets) of the sentence, of
    the previous and next sentences of its article (zeros when missing) and the
    article's maximum per label; with and without balanced class weights;
  * two stages per target: relevance (off topic or not), then the label among
    on-topic labels, each stage the same n-gram + head mixture; P(label) =
    P(on topic) x P(label | on topic).

Selection never looks at data/prepared/real_test.csv (it was used to choose
the default). It uses 5-fold cross-validation over the real-reporting rows of
train.csv (rows with a source_url), folds grouped by source_url; each fold
trains on every other row of train.csv (in-house rows included) and predicts
the held-out pages. The out-of-fold predictions are pooled and scored with
mean stance-F1; intervals are 95% percentile intervals of a bootstrap over
source_url pages, paired (the same resampled pages for every candidate).
Stacking's training features are cross-fitted inside each fold (3 folds
grouped by article_id).

Then, once, the chosen candidates (by default: the best CV mean, plus every
candidate whose paired CV interval against the default lies above 0) are
trained on all of train.csv and scored on real_test.csv, paired against the
default with the page bootstrap.

With --spacy, one more candidate is cross-validated: spaCy clause cues
(negated main or reported verb, any negation, 'rather than', 'instead of',
quotation marks, a speech verb as main verb) appended as columns of the
n-gram model, mixed with the head as in the default. A parse per sentence is
too slow for the classify path, so this candidate is never chosen for the
real_test confirmation; --only limits the CV to some candidates (and the
default).

Run from the project root (needs data/prepared/ and models/encoder.onnx; about
20 minutes on 2 cores, most of it the stacking's inner cross-fitting):

    python benchmarks/real_reporting_cv.py [--folds 5] [--bootstrap 1000] [--confirm NAME ...] [--no-confirm]
    python benchmarks/real_reporting_cv.py --spacy --only "clause cues (spaCy) in the n-gram model" --no-confirm

Result (2041 CV rows, 490 pages; pooled out-of-fold mean stance-F1, minus the
default with the paired page-bootstrap 95% interval): default 0.588; real rows
weight 2 -0.007 (-0.021 to +0.005), weight 4 -0.020 (-0.040 to +0.002); head
weight 0.3 -0.004 (-0.018 to +0.009), 0.5 -0.011 (-0.023 to +0.001), 0.6 -0.018
(-0.035 to +0.001); context stacking +0.010 (-0.011 to +0.032), balanced -0.025
(-0.052 to +0.002); two stages -0.018 (-0.036 to +0.000); spaCy clause cues
-0.006 (-0.016 to +0.004). Chosen: context stacking (best CV mean, interval
across 0). On real_test: default 0.580, context stacking 0.566, -0.013 (-0.036
to +0.010). Nothing beat the default; it stays.
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
from sklearn.model_selection import GroupKFold
from sklearn.neural_network import MLPClassifier

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from real_reporting_models import score  # noqa: E402

from pipeline import params  # noqa: E402
from pipeline.data import schema as schema_mod  # noqa: E402
from pipeline.evaluation import bootstrap  # noqa: E402
from pipeline.evaluation.scores import target_scores  # noqa: E402
from pipeline.model import encoder as sentence_encoder  # noqa: E402
from pipeline.model.features import build_features  # noqa: E402

DEFAULT = "default (0.6 n-gram + 0.4 head)"
CANDIDATES = [
    DEFAULT,
    "n-gram alone",
    "real rows weight 2",
    "real rows weight 4",
    "head weight 0.3",
    "head weight 0.5",
    "head weight 0.6",
    "context stacking",
    "context stacking, balanced",
    "two stages (relevance, then position)",
]
CUES = "clause cues (spaCy) in the n-gram model"
SPEECH = {"said", "says", "say", "told", "tells", "stated", "added", "warned", "argued", "insisted", "noted", "wrote"}


def clause_cues(texts: list[str], parser: str) -> np.ndarray:
    """Per sentence: negated main verb, negated content verb (the clause a speech verb reports), any
    negation, 'rather than', 'instead of', a quotation mark, a speech verb as main verb."""
    import spacy

    nlp = spacy.load(parser, disable=["ner", "lemmatizer"])
    rows = []
    for text, doc in zip(texts, nlp.pipe(texts, batch_size=256), strict=True):
        root = next((t for t in doc if t.dep_ == "ROOT"), None)
        speech = root is not None and root.lower_ in SPEECH
        content = next((c for c in root.children if c.dep_ == "ccomp"), root) if speech else root
        lower = text.lower()
        rows.append(
            [
                root is not None and any(c.dep_ == "neg" for c in root.children),
                content is not None and any(c.dep_ == "neg" for c in content.children),
                any(t.dep_ == "neg" for t in doc),
                "rather than" in lower,
                "instead of" in lower,
                any(q in text for q in '"\u201c\u201d'),
                speech,
            ]
        )
    return np.asarray(rows, dtype=float)


class Fold:
    """Members trained on `train`, predicting `held`; fitted models are cached by their settings."""

    def __init__(self, train: pd.DataFrame, held: pd.DataFrame, v_train, v_held, tp, the_schema, cues=None):
        self.train, self.held, self.tp, self.schema = train, held, tp, the_schema
        features = build_features(tp)
        self.x_train = features.fit_transform(train["text"].tolist())
        self.x_held = features.transform(held["text"].tolist())
        if cues is not None:  # spaCy clause cues as extra columns of the n-gram model ('lr+cues')
            self.x_cues_train = sp.hstack([self.x_train, sp.csr_matrix(cues[0])]).tocsr()
            self.x_cues_held = sp.hstack([self.x_held, sp.csr_matrix(cues[1])]).tocsr()
        self.v_train, self.v_held = v_train, v_held
        self.real = (train["source_url"] != "").to_numpy()
        self.cache: dict = {}

    def _weights(self, real_weight: float):
        return None if real_weight == 1 else np.where(self.real, real_weight, 1.0)

    def member(self, kind: str, target: str, real_weight: float = 1.0, stage: str = "all"):
        """(classes, probabilities on held) of the n-gram LR ('lr') or the head ('mlp').

        stage: 'all' (every label), 'relevance' (off topic vs on topic), 'position' (on-topic rows only).
        """
        key = (kind, target, real_weight, stage)
        if key in self.cache:
            return self.cache[key]
        y = self.train[target].to_numpy(object)
        off = self.schema.target(target).off_topic
        rows = np.ones(len(y), dtype=bool)
        if stage == "relevance":
            y = np.where(y == off, "off", "on").astype(object)
        elif stage == "position":
            rows = y != off
        w = self._weights(real_weight)
        w = None if w is None else w[rows]
        if kind in ("lr", "lr+cues"):
            tp = self.tp
            x_train, x_held = (self.x_train, self.x_held) if kind == "lr" else (self.x_cues_train, self.x_cues_held)
            model = LogisticRegression(C=tp.C, class_weight=tp.class_weight, solver=tp.solver, max_iter=tp.max_iter)
            model.fit(x_train[rows], y[rows], sample_weight=w)
            proba = model.predict_proba(x_held)
        else:
            tp = self.tp
            model = MLPClassifier(
                (tp.head_hidden,), alpha=tp.head_alpha, early_stopping=True, max_iter=200, random_state=tp.head_seed
            )
            model.fit(self.v_train[rows], y[rows], sample_weight=w)
            proba = model.predict_proba(self.v_held)
        self.cache[key] = (model.classes_, proba)
        return self.cache[key]

    def mixed(self, target: str, head_weight: float, real_weight: float = 1.0, stage: str = "all", first="lr"):
        """(1 - head_weight) x the n-gram member ('lr', or 'lr+cues') + head_weight x the head."""
        classes, a = self.member(first, target, real_weight, stage)
        other, b = self.member("mlp", target, real_weight, stage)
        assert list(classes) == list(other)
        return classes, (1 - head_weight) * a + head_weight * b


def context_features(frame: pd.DataFrame, probs: list[np.ndarray]) -> np.ndarray:
    """Each row's probabilities, its article neighbours' (zeros when missing), the article max, two flags."""
    p = np.hstack(probs)
    index = pd.to_numeric(frame["sentence_index"], errors="coerce").to_numpy()
    articles = frame["article_id"].to_numpy()
    where = {(a, i): r for r, (a, i) in enumerate(zip(articles, index, strict=True)) if i == i}
    zeros = np.zeros(p.shape[1])
    prev_rows = [where.get((a, i - 1)) if i == i else None for a, i in zip(articles, index, strict=True)]
    next_rows = [where.get((a, i + 1)) if i == i else None for a, i in zip(articles, index, strict=True)]
    prev = np.array([p[r] if r is not None else zeros for r in prev_rows])
    nxt = np.array([p[r] if r is not None else zeros for r in next_rows])
    top = pd.DataFrame(p).groupby(articles).transform("max").to_numpy()
    flags = np.column_stack([[r is not None for r in prev_rows], [r is not None for r in next_rows]]).astype(float)
    return np.hstack([p, prev, nxt, top, flags])


def default_probs(fold: Fold, targets: list[str], head_weight: float) -> list[np.ndarray]:
    return [fold.mixed(t, head_weight)[1] for t in targets]


def stacked(train, held, v_train, v_held, tp, the_schema, outer: Fold, balanced: bool, cache: dict):
    """Second-stage labels on `held`; first-stage training features cross-fitted on `train` (3 article folds)."""
    targets = the_schema.target_names
    if "train_features" not in cache:
        oof = [np.zeros((len(train), len(the_schema.target(t).label_names))) for t in targets]
        splits = GroupKFold(n_splits=3).split(train, groups=train["article_id"].to_numpy())
        for inner_train, inner_held in splits:
            part, rest = train.iloc[inner_train], train.iloc[inner_held]
            inner = Fold(part, rest, v_train[inner_train], v_train[inner_held], tp, the_schema)
            for k, p in enumerate(default_probs(inner, targets, tp.encoder_weight)):
                oof[k][inner_held] = p
        cache["train_features"] = context_features(train, oof)
        cache["held_features"] = context_features(held, default_probs(outer, targets, tp.encoder_weight))
    out = {}
    for t in targets:
        model = LogisticRegression(C=1.0, class_weight="balanced" if balanced else None, max_iter=2000)
        model.fit(cache["train_features"], train[t].to_numpy(object))
        out[t] = model.predict(cache["held_features"]).astype(object)
    return out


def predict(name: str, fold: Fold, args_for_stack: tuple, stack_cache: dict) -> dict[str, np.ndarray]:
    """Labels of the held rows for candidate `name`."""
    the_schema, tp = fold.schema, fold.tp
    targets = the_schema.target_names

    def argmax(classes_proba):
        classes, proba = classes_proba
        return classes[proba.argmax(axis=1)].astype(object)

    w = tp.encoder_weight
    if name == DEFAULT:
        return {t: argmax(fold.mixed(t, w)) for t in targets}
    if name == "n-gram alone":
        return {t: argmax(fold.member("lr", t)) for t in targets}
    if name.startswith("real rows weight"):
        real_weight = float(name.split()[-1])
        return {t: argmax(fold.mixed(t, w, real_weight)) for t in targets}
    if name.startswith("head weight"):
        return {t: argmax(fold.mixed(t, float(name.split()[-1]))) for t in targets}
    if name.startswith("context stacking"):
        return stacked(*args_for_stack, fold, name.endswith("balanced"), stack_cache)
    if name == CUES:
        return {t: argmax(fold.mixed(t, w, first="lr+cues")) for t in targets}
    if name.startswith("two stages"):
        out = {}
        for t in targets:
            off = the_schema.target(t).off_topic
            rel_classes, rel = fold.mixed(t, w, stage="relevance")
            pos_classes, pos = fold.mixed(t, w, stage="position")
            p_on = rel[:, list(rel_classes).index("on")]
            proba = np.column_stack([1 - p_on, pos * p_on[:, None]])
            classes = np.array([off, *pos_classes], dtype=object)
            out[t] = classes[proba.argmax(axis=1)]
        return out
    raise ValueError(name)


def run(train, held, v_train, v_held, tp, the_schema, names, cues=None) -> tuple[dict, dict]:
    fold = Fold(train, held, v_train, v_held, tp, the_schema, cues)
    stack_cache: dict = {}
    labels, seconds = {}, {}
    for name in names:
        started = time.perf_counter()
        labels[name] = predict(name, fold, (train, held, v_train, v_held, tp, the_schema), stack_cache)
        seconds[name] = time.perf_counter() - started
    return labels, seconds


def mean_stance_f1(frame, labels, the_schema) -> float:
    gold = {t.name: frame[t.name].to_numpy(object) for t in the_schema.targets}
    return float(np.mean([target_scores(gold[t.name], labels[t.name], t)["stance_f1"] for t in the_schema.targets]))


def table(frame, labels_by_name, the_schema, n_boot, extra=None) -> dict:
    """Markdown rows: mean stance-F1 (95% CI) and the paired difference from the default (95% CI)."""
    pages = frame["source_url"].to_numpy()
    weights = bootstrap.resample_weights(len(np.unique(pages)), n_boot, 7)
    results = {name: score(frame, labels, the_schema, pages, weights) for name, labels in labels_by_name.items()}
    ref_point, ref = results[DEFAULT]
    header = "| candidate | mean stance-F1 (95% CI) | minus default (paired 95% CI) |"
    if extra:
        header += " " + " | ".join(extra["columns"]) + " |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    summary = {}
    for name, (point, resampled) in results.items():
        low, high = bootstrap.interval(resampled)
        d_low, d_high = bootstrap.interval(resampled - ref)
        margin = "-" if name == DEFAULT else f"{point - ref_point:+.3f} ({d_low:+.3f} to {d_high:+.3f})"
        row = f"| {name} | {point:.3f} ({low:.3f}-{high:.3f}) | {margin} |"
        if extra:
            row += " " + " | ".join(extra["cells"][name]) + " |"
        print(row)
        summary[name] = (point - ref_point, d_low, d_high)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--confirm", nargs="*", help="candidates to score on real_test (default: the CV rule)")
    parser.add_argument("--no-confirm", action="store_true", help="cross-validation only")
    parser.add_argument("--spacy", action="store_true", help="also the spaCy clause-cue candidate (CV only)")
    parser.add_argument("--only", nargs="*", help="cross-validate only these candidates (and the default)")
    args = parser.parse_args()
    the_schema = schema_mod.load(ROOT / "data" / "schema.yaml")
    tp = params.load(ROOT / "params.yaml").train
    prepared = ROOT / "data" / "prepared"
    train = pd.read_csv(prepared / "train.csv", dtype=str, keep_default_na=False)
    real_test = pd.read_csv(prepared / "real_test.csv", dtype=str, keep_default_na=False)

    started = time.perf_counter()
    encoder = sentence_encoder.load(ROOT / "models" / "encoder.onnx", threads=2)
    v_all = encoder.embed(train["text"].tolist(), memo=True)
    print(f"encoded train.csv in {time.perf_counter() - started:.0f} s", file=sys.stderr)

    names, cues = list(CANDIDATES) if args.only is None else [DEFAULT, *args.only], None
    if args.spacy:
        started = time.perf_counter()
        cues = clause_cues(train["text"].tolist(), params.load(ROOT / "params.yaml").attribution.parser)
        print(f"parsed train.csv in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        names += [] if CUES in names else [CUES]
    real_rows = np.flatnonzero((train["source_url"] != "").to_numpy())
    real = train.iloc[real_rows].reset_index(drop=True)
    oof = {name: {t: np.empty(len(real), dtype=object) for t in the_schema.target_names} for name in names}
    per_fold = {name: [] for name in names}
    seconds = dict.fromkeys(names, 0.0)
    cv_started = time.perf_counter()
    splits = GroupKFold(n_splits=args.folds).split(real, groups=real["source_url"].to_numpy())
    for k, (_, held_pos) in enumerate(splits):
        held_rows = real_rows[held_pos]
        keep = np.setdiff1d(np.arange(len(train)), held_rows)
        fold_started = time.perf_counter()
        labels, secs = run(
            train.iloc[keep].reset_index(drop=True),
            train.iloc[held_rows].reset_index(drop=True),
            v_all[keep],
            v_all[held_rows],
            tp,
            the_schema,
            names,
            None if cues is None else (cues[keep], cues[held_rows]),
        )
        for name in names:
            for t in the_schema.target_names:
                oof[name][t][held_pos] = labels[name][t]
            per_fold[name].append(mean_stance_f1(real.iloc[held_pos], labels[name], the_schema))
            seconds[name] += secs[name]
        print(
            f"fold {k + 1}/{args.folds}: {len(held_rows)} held rows, {time.perf_counter() - fold_started:.0f} s; "
            + ", ".join(f"{n}: {per_fold[n][-1]:.3f}" for n in names),
            file=sys.stderr,
        )
    cv_seconds = time.perf_counter() - cv_started

    print(
        f"\nCross-validation over the real-reporting rows of train.csv: {len(real)} rows, "
        f"{real['source_url'].nunique()} pages, {args.folds} folds grouped by page "
        f"({cv_seconds / 60:.1f} min). Pooled out-of-fold mean stance-F1; page bootstrap, {args.bootstrap} resamples.\n"
    )
    extra = {
        "columns": ["mean of fold scores", "fit + predict s (all folds; cached members shared)"],
        "cells": {n: [f"{np.mean(per_fold[n]):.3f}", f"{seconds[n]:.0f}"] for n in names},
    }
    summary = table(real, oof, the_schema, args.bootstrap, extra)

    if args.no_confirm:
        return
    if args.confirm:
        chosen = args.confirm
    else:
        # spaCy per sentence is too slow for the default path, so the clause cues are never chosen here.
        others = {n: s for n, s in summary.items() if n not in (DEFAULT, CUES)}
        best = max(others, key=lambda n: others[n][0])
        chosen = [best] + [n for n, (_, low, _) in others.items() if low > 0 and n != best]
    print(f"\nChosen on CV for the one real_test confirmation: {', '.join(chosen)}", file=sys.stderr)
    started = time.perf_counter()
    v_test = encoder.embed(real_test["text"].tolist(), memo=True)
    labels, _ = run(train, real_test, v_all, v_test, tp, the_schema, [DEFAULT, *chosen])
    print(
        f"\nConfirmation on real_test.csv ({len(real_test)} rows, {real_test['source_url'].nunique()} pages), "
        f"trained on all of train.csv ({time.perf_counter() - started:.0f} s):\n"
    )
    table(real_test, labels, the_schema, args.bootstrap)


if __name__ == "__main__":
    main()
