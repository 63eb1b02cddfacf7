"""Shares, intervals and shifts on counts small enough to check by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.findings import shares


def _counts(rows):
    frame = pd.DataFrame(rows, columns=["target", "actor", "period", "article_id", "position", "n"])
    return frame.set_index(["target", "actor", "period", "article_id", "position"])["n"]


def test_share_table_counts_every_label_even_when_absent():
    counts = _counts(
        [
            ("aid", "Ana", "2024-01", "a1", "support", 3),
            ("aid", "Ana", "2024-01", "a2", "support", 1),
            ("aid", "Ana", "2024-01", "a2", "oppose", 1),
            ("aid", "Bo", "2024-01", "a3", "oppose", 2),
        ]
    ).droplevel("period")
    table = shares.share_table(counts, ("actor",), {"aid": ["support", "oppose", "neutral"]}, 200, 1)
    ana = table[table["actor"] == "Ana"].set_index("position")
    assert ana.loc["support", "sentences"] == 4 and ana.loc["support", "articles"] == 2
    assert ana.loc["support", "share"] == pytest.approx(0.8) and ana.loc["neutral", "share"] == 0
    assert ana.loc["support", "group_sentences"] == 5 and ana.loc["support", "group_articles"] == 2
    # Two articles: resamples draw a1 twice (share 1), a2 twice (0.5) or both (0.8).
    assert ana.loc["support", "ci_low"] == pytest.approx(0.5) and ana.loc["support", "ci_high"] == pytest.approx(1.0)
    bo = table[table["actor"] == "Bo"].set_index("position")
    assert bo.loc["oppose", "share"] == 1 and np.isnan(bo.loc["oppose", "ci_low"])  # one article: no interval


def test_shifts_rank_a_well_supported_change_above_a_larger_noisy_one():
    rows = []
    # Ana: 12 articles each month, all oppose in January and all support in February.
    for i in range(12):
        rows.append(("aid", "Ana", "2024-01", f"a{i}", "oppose", 2))
        rows.append(("aid", "Ana", "2024-02", f"b{i}", "support", 2))
    # Bo: a full swing too, but from one article each month.
    rows.append(("aid", "Bo", "2024-01", "c0", "oppose", 24))
    rows.append(("aid", "Bo", "2024-02", "c1", "support", 24))
    # Cy: too few sentences to count.
    rows.append(("aid", "Cy", "2024-01", "d0", "oppose", 3))
    rows.append(("aid", "Cy", "2024-02", "d1", "support", 3))
    found = shares.shifts(_counts(rows), "actor", {"aid": ["support", "oppose", "neutral"]}, 5, 20, 200, 1)
    assert list(dict.fromkeys(found["group"])) == ["Ana"]  # Bo's single articles give no standard error
    support = found[found["position"] == "support"].iloc[0]
    assert (support["share_before"], support["share_after"], support["change"]) == (0, 1, 1)
    assert (support["sentences_before"], support["sentences_after"]) == (0, 24)
    assert support["ci_low"] == support["ci_high"] == 1


def test_tidy_names_period_and_group():
    table = pd.DataFrame(
        {"target": ["aid"], "actor": ["Ana"], "month": ["2024-01"], "position": ["support"], "sentences": [1]}
        | {"articles": [1], "share": [1.0], "ci_low": [np.nan], "ci_high": [np.nan]}
        | {"group_sentences": [1], "group_articles": [1]}
    )
    out = shares.tidy(table, ("actor", "month"), ("week", "month"))
    assert out.loc[0, ["dimension", "period", "group"]].tolist() == ["actor|month", "2024-01", "Ana"]
