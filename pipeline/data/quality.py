"""Corpus quality: formula detection and the statistics a reader checks first.

A corpus written by few hands drifts into formulas (the same openings, the
same reporting verb), and a classifier then learns the formula instead of the
position. `prepare` fails when one opening covers too much of the corpus and
writes what it counted to reports/data_stats.json.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pandas as pd

from pipeline.actors.attribution import VERBS
from pipeline.data.labeled import DataProblems
from pipeline.data.schema import Schema

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# How statements attribute positions: the attribution module's verbs, plus "according to".
REPORTING = (*VERBS, "according to")
_REPORTING = re.compile(r"\b(" + "|".join(re.escape(v) for v in REPORTING) + r")\b")


def opening(text: str, words: int) -> str:
    """The first `words` words, lower-cased, punctuation dropped."""
    return " ".join(_WORD.findall(text.lower())[:words])


def top_openings(texts: pd.Series, words: int, n: int = 10) -> list[dict[str, Any]]:
    counts = Counter(o for o in (opening(t, words) for t in texts) if len(o.split()) == words)
    total = max(len(texts), 1)
    return [{"opening": o, "count": c, "share": round(c / total, 4)} for o, c in counts.most_common(n)]


def formula_problems(data: pd.DataFrame, max_share: float) -> list[str]:
    """One problem per 2- or 3-word opening that covers more than `max_share` of the corpus."""
    problems = []
    for words in (2, 3):
        keys = data["text"].map(lambda t, w=words: opening(t, w))
        for item in top_openings(data["text"], words, n=50):
            if item["share"] > max_share:
                ids = data.loc[keys == item["opening"], "id"].head(5).tolist()
                problems.append(
                    f"opening '{item['opening']}' starts {item['count']} statements ({item['share']:.1%} > "
                    f"{max_share:.1%} allowed), e.g. {', '.join(ids)}: vary how these sentences begin"
                )
    return problems


def check_formulas(data: pd.DataFrame, max_share: float) -> None:
    problems = formula_problems(data, max_share)
    if problems:
        raise DataProblems(problems)


def reporting_verbs(texts: pd.Series, n: int = 15) -> list[dict[str, Any]]:
    counts = Counter(m for t in texts for m in _REPORTING.findall(t.lower()))
    total = max(len(texts), 1)
    return [{"verb": v, "count": c, "share": round(c / total, 4)} for v, c in counts.most_common(n)]


def corpus_stats(data: pd.DataFrame, schema: Schema) -> dict[str, Any]:
    """Label balance, speakers, article coverage and formula indicators."""
    on_topic = pd.DataFrame({t.name: data[t.name] != t.off_topic for t in schema.targets})
    holds = pd.DataFrame({t.name: data[t.name].isin(t.positions) for t in schema.targets})
    in_articles = data[data["sentence_index"] != ""]
    speakers = data[data["speaker"] != ""]
    per_speaker = {}
    for name, group in speakers.groupby("speaker"):
        per_speaker[name] = {
            "statements": len(group),
            **{
                t.name: {lab: int(n) for lab, n in group[t.name].value_counts().items() if lab in t.positions}
                for t in schema.targets
            },
        }
    per_speaker = dict(sorted(per_speaker.items(), key=lambda kv: (-kv[1]["statements"], kv[0])))
    labels = {}
    for t in schema.targets:
        counts = data[t.name].value_counts()
        labels[t.name] = {
            lab: {"count": int(counts.get(lab, 0)), "share": round(counts.get(lab, 0) / len(data), 4)}
            for lab in t.label_names
        }
    return {
        "statements": len(data),
        "articles_fully_labeled": int(in_articles["article_id"].nunique()),
        "article_sentences": len(in_articles),
        "standalone_statements": int(len(data) - len(in_articles)),
        "labels": labels,
        "statements_with_a_position": int(holds.any(axis=1).sum()),
        "statements_on_two_or_more_targets": int((on_topic.sum(axis=1) >= 2).sum()),
        "statements_off_topic_on_all_targets": int((~on_topic.any(axis=1)).sum()),
        # Stand-alone statements are written on purpose; their off-topic ones are the near-topic distractors.
        "standalone_off_topic_on_all_targets": int((~on_topic.any(axis=1) & (data["sentence_index"] == "")).sum()),
        "speakers": int(speakers["speaker"].nunique()),
        "statements_with_speaker": len(speakers),
        "openings_two_words": top_openings(data["text"], 2),
        "openings_three_words": top_openings(data["text"], 3),
        "reporting_verbs": reporting_verbs(data["text"]),
        "per_speaker": per_speaker,
    }
