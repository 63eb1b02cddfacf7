"""`stance suggest`: the most uncertain sentences, spread over outlets, articles and actors, without
near-duplicates or sentences already labeled, each with its context."""

from __future__ import annotations

import csv
import json

import numpy as np

from pipeline.cli import main
from pipeline.data.labeled import normalise
from pipeline.labeling import suggest
from tests.labeling.conftest import OUTLETS, TARGETS, classified


def test_uncertainty_is_the_least_confident_target():
    record = {"aid": "none", "aid_confidence": 0.95, "peace_talks": "support", "peace_talks_confidence": 0.4}
    assert suggest.uncertainty(record, ["aid", "peace_talks"]) == 0.6
    assert suggest.uncertainty({**record, "aid": "uncertain"}, ["aid", "peace_talks"]) == 1.0


def test_context_is_the_neighbouring_sentences_of_the_same_article():
    records = classified(5, seed=1)
    found = list(suggest.with_context(records))
    assert [r for r, _, _ in found] == records
    for i, (record, previous, following) in enumerate(found):
        same_before = i > 0 and records[i - 1]["article_id"] == record["article_id"]
        same_after = i + 1 < len(records) and records[i + 1]["article_id"] == record["article_id"]
        assert previous == (records[i - 1]["text"] if same_before else "")
        assert following == (records[i + 1]["text"] if same_after else "")


def test_selection_is_uncertain_spread_and_free_of_duplicates_and_known_text():
    records = classified(200, seed=2)
    # A sentence already labeled, and a sentence repeated in another article, both as unsure as can be.
    known_text = records[5]["text"]
    records[5] |= {"aid": "uncertain"}
    records[9] |= {"aid": "uncertain"}
    records[40] |= {"text": records[9]["text"] + " ", "aid": "uncertain"}
    pool = suggest.candidates(records, list(TARGETS), 60, {normalise(known_text)})
    chosen = suggest.select(pool, 60, per_article=2)
    assert len(chosen) == 60
    texts = [normalise(c.record["text"]) for c in chosen]
    assert len(set(texts)) == 60 and normalise(known_text) not in texts
    assert normalise(records[9]["text"]) in texts  # one of the two copies, not both
    per_article = np.bincount(np.unique([c.record["article_id"] for c in chosen], return_inverse=True)[1])
    assert per_article.max() <= 2
    actors = [c.record["actor"] for c in chosen if c.record["actor"]]
    assert max(actors.count(a) for a in set(actors)) <= 6
    outlets = [c.record["source"] for c in chosen]
    assert {outlets.count(o) for o in OUTLETS} <= {15}  # round-robin: an even share per outlet
    all_scores = sorted((suggest.uncertainty(r, list(TARGETS)) for r in records), reverse=True)
    assert np.median([c.score for c in chosen]) >= all_scores[len(all_scores) // 5]


def test_suggest_writes_a_sheet_and_label_studio_tasks(bare_project, classified_file, tmp_path, capsys):
    path, records = classified_file
    out = tmp_path / "next.csv"
    assert main(["suggest", "30", "--from", str(path), "-o", str(out)]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 30 and len({r["id"] for r in rows}) == 30
    by_key = {(r["article_id"], r["sentence_index"]): r for r in records}
    for row in rows:
        record = by_key[(row["article_id"], int(row["sentence_index"]))]
        assert row["text"] == record["text"] and row["url"] == record["url"]
        assert row["aid"] == "" and row["model_aid"] == record["aid"]
    tasks = json.loads(out.with_suffix(".labelstudio.json").read_text(encoding="utf-8"))
    assert [t["data"]["id"] for t in tasks] == [r["id"] for r in rows]
    choice = tasks[0]["predictions"][0]["result"][0]
    assert choice["type"] == "choices" and choice["to_name"] == "text"
    assert "suggest: 30 sentences" in capsys.readouterr().out


def test_when_the_caps_leave_too_few_the_most_uncertain_of_the_rest_fill_up():
    records = [r | {"article_id": "one-long-article", "source": "Harbour Times"} for r in classified(12, seed=3)]
    pool = suggest.candidates(records, list(TARGETS), 20, set())
    chosen = suggest.select(pool, 20, per_article=2)
    assert len(chosen) == 20
    first_two = sorted(pool[:2])
    assert sorted(chosen[:2]) == first_two  # the caps' picks first, the fill after, in order of uncertainty
    assert [c.score for c in chosen[2:]] == sorted((c.score for c in chosen[2:]), reverse=True)
