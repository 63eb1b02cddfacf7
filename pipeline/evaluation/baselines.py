"""Baselines scored on the same split as the model, so "how good" has a scale.

- majority: the most frequent training label of each target;
- keyword: words of the schema's own label meanings and target descriptions
  (what a person with the codebook and a search box would do), no training;
- svm: the SemEval-2016 stance task organisers' baseline, a linear SVM per
  target on word 1-3 and character 2-5 n-grams. It uses the model's fitted
  n-gram features (the same n-gram ranges), so the gap to the model is what the
  class-weighted logistic regression adds over the classic recipe.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from pipeline.data.schema import Schema, Target

_WORD = re.compile(r"[a-z]+")
# Words of a definition that say how it is worded, not what a sentence is about.
_DEFINITION_WORDS = frozenset({"about", "including", "position", "reported", "alone", "one", "own", "specific"})


def stem(word: str) -> str:
    """A crude stem (the first five letters), so 'negotiations' meets 'negotiate'."""
    return word[:5]


def content_stems(text: str) -> set[str]:
    return {
        stem(w)
        for w in _WORD.findall(text.lower())
        if len(w) > 2 and w not in ENGLISH_STOP_WORDS and w not in _DEFINITION_WORDS
    }


def majority(train: pd.DataFrame, target: Target, n: int) -> np.ndarray:
    return np.full(n, train[target.name].value_counts().idxmax(), dtype=object)


class KeywordRules:
    """Rules read off the schema: topic words gate a target, label words pick the label.

    Topic words: stems of the target's description and label meanings that no
    other target's description uses (so "Ukraine", shared by several targets,
    decides nothing). Label words: stems of one label's meaning that no other
    label of the target uses. A sentence with no topic word gets the off-topic
    label; otherwise the label with most label-word hits, and the neutral label
    when none hits.
    """

    def __init__(self, the_schema: Schema):
        self.rules: dict[str, tuple[set[str], dict[str, set[str]], str, str | None]] = {}
        descriptions = {t.name: content_stems(t.description) for t in the_schema.targets}
        for t in the_schema.targets:
            elsewhere = set().union(*(d for name, d in descriptions.items() if name != t.name))
            on_topic = [lab for lab in t.labels if lab.kind != "off_topic"]
            meaning = {lab.name: content_stems(lab.meaning) for lab in on_topic}
            shared = Counter(s for stems in meaning.values() for s in stems)
            topic = (descriptions[t.name] | {s for s, n in shared.items() if n > 1}) - elsewhere
            cues = {name: {s for s in stems if shared[s] == 1} - topic for name, stems in meaning.items()}
            neutral = next((lab.name for lab in t.labels if lab.kind == "neutral"), t.positions[0])
            self.rules[t.name] = (topic, cues, neutral, t.off_topic)

    def predict(self, texts: list[str]) -> pd.DataFrame:
        words = [{stem(w) for w in _WORD.findall(text.lower())} for text in texts]
        columns = {}
        for name, (topic, cues, neutral, off_topic) in self.rules.items():
            labels = []
            for present in words:
                if off_topic is not None and not present & topic:
                    labels.append(off_topic)
                    continue
                hits = {label: len(present & stems) for label, stems in cues.items()}
                best = max(hits, key=hits.__getitem__)
                labels.append(best if hits[best] > 0 else neutral)
            columns[name] = np.array(labels, dtype=object)
        return pd.DataFrame(columns)


def svm(fitted: Pipeline, train: pd.DataFrame, test: pd.DataFrame, the_schema: Schema, C: float) -> pd.DataFrame:
    """One LinearSVC per target on the model's word 1-3 + char 2-5 n-gram features."""
    from pipeline.model.estimator import ngram_pipeline

    features = ngram_pipeline(fitted).named_steps["features"]
    x_train = features.transform(train["text"].tolist())
    x_test = features.transform(test["text"].tolist())
    columns: dict[str, Any] = {}
    for t in the_schema.targets:
        classifier = LinearSVC(C=C).fit(x_train, train[t.name].to_numpy(dtype=object))
        columns[t.name] = classifier.predict(x_test)
    return pd.DataFrame(columns)


def predict_all(
    fitted: Pipeline, train: pd.DataFrame, test: pd.DataFrame, the_schema: Schema, svm_C: float
) -> dict[str, pd.DataFrame]:
    """Every baseline's labels for the test split, one column per target."""
    n = len(test)
    return {
        "majority": pd.DataFrame({t.name: majority(train, t, n) for t in the_schema.targets}),
        "keyword": KeywordRules(the_schema).predict(test["text"].tolist()),
        "svm": svm(fitted, train, test, the_schema, svm_C),
    }
