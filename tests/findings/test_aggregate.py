"""Pass one keeps per-article counts and pass two a bounded sample: memory follows articles and groups,
not sentences, and chunking does not change a number."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pandas as pd

from pipeline.findings.build import collect
from pipeline.findings.options import Options
from tests.findings import synthetic
from tests.findings.conftest import SCHEMA


def _write(path, records):
    with open(path, "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record) + "\n")
    return path


def _peak(path, **options) -> tuple[int, object]:
    tracemalloc.start()
    try:
        found = collect([str(path)], Options(bootstrap=50, **options), Path(SCHEMA))
        return tracemalloc.get_traced_memory()[1], found
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_when_articles_hold_ten_times_the_sentences(tmp_path):
    base = list(synthetic.records(250, seed=5, sentences=(4, 4)))
    small = _write(tmp_path / "small.jsonl", base)
    # The same articles, each sentence said ten times over: ten times the sentences, the same groups.
    repeated = [r | {"sentence_index": r["sentence_index"] * 10 + k} for r in base for k in range(10)]
    large = _write(tmp_path / "large.jsonl", repeated)
    small_peak, small_found = _peak(small, chunk_size=1000)
    large_peak, large_found = _peak(large, chunk_size=1000)
    assert large_found.tally.sentences == 10 * small_found.tally.sentences
    assert large_peak < 1.5 * small_peak, (small_peak, large_peak)
    a = small_found.tables["actors"].set_index(["target", "actor", "position"])
    b = large_found.tables["actors"].set_index(["target", "actor", "position"])
    assert (b["sentences"] == 10 * a["sentences"]).all()
    pd.testing.assert_series_equal(a["share"], b["share"])


def test_chunking_changes_no_number(tmp_path):
    path = _write(tmp_path / "c.jsonl", synthetic.records(150, seed=9))
    whole = collect([str(path)], Options(bootstrap=50), None)
    pieces = collect([str(path)], Options(bootstrap=50, chunk_size=37), None)
    for name, table in whole.tables.items():
        pd.testing.assert_frame_equal(table, pieces.tables[name], obj=name)
    pd.testing.assert_frame_equal(whole.shifts, pieces.shifts)
    for name, frame in whole.examples.items():
        pd.testing.assert_frame_equal(frame, pieces.examples[name], obj=name)
