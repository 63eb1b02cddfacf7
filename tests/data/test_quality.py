import pandas as pd
import pytest

from pipeline import StanceError
from pipeline.data import quality, schema
from tests.helpers import PROJECT

SCHEMA = schema.load(PROJECT / "data" / "schema.yaml")


def _frame(texts, **columns):
    n = len(texts)
    base = {
        "id": [f"q{i}" for i in range(n)],
        "article_id": [f"q{i}" for i in range(n)],
        "sentence_index": [""] * n,
        "text": texts,
        "speaker": [""] * n,
        "membership_timing": ["none"] * n,
        "aid": ["none"] * n,
        "peace_talks": ["none"] * n,
    }
    base.update(columns)
    return pd.DataFrame(base)


def test_opening_ignores_case_and_punctuation():
    assert quality.opening("U.S. officials said on Monday...", 2) == "u s"
    assert quality.opening("Kyiv's allies, meanwhile, waited.", 3) == "kyiv's allies meanwhile"


def test_a_formula_opening_fails_the_gate_and_names_ids():
    texts = [f"Officials said that item {i} was delayed by weather." for i in range(3)] + [
        "Berlin approved the package.",
        "Rain fell over Kharkiv.",
        "Talks resume in Geneva.",
        "Markets were calm.",
    ]
    with pytest.raises(StanceError) as info:
        quality.check_formulas(_frame(texts), max_share=0.2)
    message = str(info.value)
    assert "opening 'officials said' starts 3 statements (42.9% > 20.0% allowed), e.g. q0, q1, q2" in message
    assert "opening 'officials said that' starts 3 statements" in message
    quality.check_formulas(_frame(texts), max_share=0.5)  # the same corpus passes a looser gate


def test_corpus_stats_counts_labels_speakers_and_overlaps():
    frame = _frame(
        [
            "Invite Kyiv now, Warsaw said.",
            "Send more shells and talk later, the senator argued.",
            "Snow fell in Lviv.",
            "Kyiv wants an invitation, Sybiha told reporters.",
        ],
        membership_timing=["now", "none", "none", "now"],
        aid=["none", "support", "none", "none"],
        peace_talks=["none", "oppose", "none", "none"],
        speaker=["Poland", "senator", "", "Poland"],
        sentence_index=["0", "1", "2", ""],
        article_id=["a", "a", "a", "q3"],
    )
    stats = quality.corpus_stats(frame, SCHEMA)
    assert stats["labels"]["membership_timing"]["now"] == {"count": 2, "share": 0.5}
    assert stats["statements_on_two_or_more_targets"] == 1
    assert stats["statements_off_topic_on_all_targets"] == 1
    assert stats["standalone_off_topic_on_all_targets"] == 0
    assert stats["articles_fully_labeled"] == 1 and stats["article_sentences"] == 3
    assert stats["speakers"] == 2
    assert stats["per_speaker"]["Poland"] == {
        "statements": 2,
        "membership_timing": {"now": 2},
        "aid": {},
        "peace_talks": {},
    }
    verbs = {v["verb"]: v["count"] for v in stats["reporting_verbs"]}
    assert verbs == {"said": 1, "argued": 1, "told": 1, "wants": 1}


def test_shipped_corpus_meets_the_coverage_targets(shipped_corpus):
    labeled = shipped_corpus
    quality.check_formulas(labeled, 0.02)
    stats = quality.corpus_stats(labeled, SCHEMA)
    assert stats["statements"] >= 3000
    assert stats["articles_fully_labeled"] >= 80
    for target in SCHEMA.targets:
        for label in [*target.positions, "neutral"]:
            assert stats["labels"][target.name][label]["count"] >= 150, (target.name, label)
    assert stats["statements_on_two_or_more_targets"] >= 300
    assert stats["standalone_off_topic_on_all_targets"] >= 600
    assert stats["speakers"] >= 40
