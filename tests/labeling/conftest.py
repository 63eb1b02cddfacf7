"""Classified-looking records built on sentences of the shipped corpus (varied text, as suggestion needs)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tests.helpers import PROJECT

TARGETS = {"membership_timing": ["now", "later", "never", "neutral", "none"]} | {
    t: ["support", "oppose", "neutral", "none"] for t in ("aid", "peace_talks")
}
OUTLETS = ["Northern Ledger", "Harbour Times", "Capital Wire", "Plains Gazette"]


def corpus_texts() -> list[str]:
    texts = []
    for path in sorted((PROJECT / "data" / "labeled").glob("statements_*.csv")):
        texts += pd.read_csv(path, dtype=str, keep_default_na=False)["text"].tolist()
    return texts


def classified(n_articles: int, seed: int = 0) -> list[dict]:
    """Records shaped like `stance classify` output: articles of 4-8 corpus sentences with random labels."""
    rng = np.random.default_rng(seed)
    texts = corpus_texts()
    order = rng.permutation(len(texts))
    records, at = [], 0
    for a in range(n_articles):
        source = OUTLETS[a % len(OUTLETS)]
        for s in range(int(rng.integers(4, 9))):
            record = {"article_id": f"art-{a:04d}", "sentence_index": s, "text": texts[order[at]]}
            at += 1
            actor = f"Actor {int(rng.integers(0, 12))}" if rng.random() < 0.7 else None
            record |= {"speaker": actor, "actor": actor, "source": source, "url": f"https://example.org/{a}"}
            record["date"] = "2025-03-01"
            for target, labels in TARGETS.items():
                record[target] = labels[int(rng.integers(0, len(labels)))]
                record[f"{target}_confidence"] = round(float(rng.uniform(0.25, 1.0)), 4)
            records.append(record)
    return records


@pytest.fixture
def classified_file(tmp_path):
    records = classified(120, seed=4)
    path = tmp_path / "classified.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path, records


@pytest.fixture
def bare_project(tmp_path, monkeypatch):
    """A project root with the schema and params but no labeled data, so nothing counts as already labeled."""
    root = tmp_path / "project"
    (root / "data" / "labeled").mkdir(parents=True)
    for name in ("data/schema.yaml", "params.yaml", "dvc.yaml"):
        (root / name).write_text((PROJECT / name).read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("STANCE_ROOT", str(root))
    return root
