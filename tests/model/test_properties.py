"""Property tests: segmentation and classification hold for arbitrary Unicode text."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.classify.batch import Classifier
from pipeline.data import schema
from pipeline.model import served
from pipeline.model.predict import predict
from pipeline.text.articles import Article
from pipeline.text.segment import split_sentences
from tests.helpers import PROJECT

SCHEMA = schema.load(PROJECT / "data" / "schema.yaml")
# Arbitrary Unicode, and text built from the pieces segmentation cares about, so both kinds of input get explored.
TRICKY = st.lists(
    st.sampled_from(
        [
            "U.S.",
            "Mr.",
            " ",
            "\n",
            "\n\n",
            "\r\n",
            "\t",
            ".",
            "...",
            "?!",
            '."',
            ',"',
            "- ",
            "* ",
            "1. ",
            "# ",
            "KYIV, Dec 3 (Reuters) -",
            "said",
            "NATO",
            "Kyiv",
            "\u2022 ",
            "\u3002",
            "\u00a0",
            "\u2028",
            "é",
            "0.5",
        ]
    ),
    max_size=40,
).map("".join)
TEXT = st.one_of(st.text(max_size=400), TRICKY)


@given(TEXT)
@settings(max_examples=300, deadline=None)
def test_segmentation_never_raises_and_offsets_hold(article):
    sentences = split_sentences(article)
    last_end = 0
    for s in sentences:
        assert s.text and article[s.start : s.end] == s.text
        assert last_end <= s.start < s.end  # in order, non-overlapping
        last_end = s.end


@cache
def _classifier(path: str) -> Classifier:
    return Classifier(Path(path), None)


@cache
def _served(path: str):
    return served.load(Path(path))


@given(st.lists(TEXT, min_size=1, max_size=4))
@settings(max_examples=40, deadline=None)
def test_classify_gives_a_valid_label_for_every_target(model_path, texts):
    classifier = _classifier(str(model_path))
    articles = [Article(f"a{i}", t) for i, t in enumerate(texts)]
    data, count = classifier.chunk(articles, "jsonl")
    records = [json.loads(line) for line in data.decode("utf-8").split("\n") if line]  # not splitlines: U+2028
    assert count == len(records) == sum(len(split_sentences(t)) for t in texts)
    expected = predict(_served(str(model_path)), [r["text"] for r in records])
    for record, (_, want) in zip(records, expected.iterrows(), strict=True):
        for target in SCHEMA.targets:
            assert record[target.name] in target.label_names
            assert record[target.name] == want[target.name]
            assert record[f"{target.name}_confidence"] == want[f"{target.name}_confidence"]


@given(st.lists(TEXT, min_size=1, max_size=6))
@settings(max_examples=40, deadline=None)
def test_prediction_is_deterministic_and_independent_of_the_batch(model_path, texts):
    arrays = _served(str(model_path))
    batch = predict(arrays, texts)
    assert batch.equals(predict(arrays, texts))
    alone = [predict(arrays, [t]).iloc[0].tolist() for t in texts]
    assert [row.tolist() for _, row in batch.iterrows()] == alone
