"""The adaptation simulation's parts: whole pages on each side, suggested picks as `stance suggest` makes them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.data import schema as schemas
from pipeline.evaluation import adaptation
from pipeline.labeling import suggest
from pipeline.model import served
from pipeline.model.predict import predict


def _real(trained_project) -> pd.DataFrame:
    return pd.read_csv(trained_project / "data" / "prepared" / "real_test.csv", dtype=str, keep_default_na=False)


def test_pool_and_evaluation_hold_whole_pages(trained_project):
    real = _real(trained_project)
    pool, held = adaptation.split_pool(real, 0.5, "adaptation-1")
    assert len(pool) + len(held) == len(real)
    assert not set(pool["source_url"]) & set(held["source_url"])
    assert 0.3 < held["source_url"].nunique() / real["source_url"].nunique() < 0.7


def test_suggested_picks_are_the_most_uncertain_pool_rows_spread_over_outlets(trained_project):
    real = _real(trained_project)
    pool, _ = adaptation.split_pool(real, 0.5, "adaptation-1")
    model = served.load(trained_project / "models" / "fast.npz")
    targets = schemas.load(trained_project / "data" / "schema.yaml").target_names
    taken = set(range(0, len(pool), 7))
    picked = adaptation.choose_suggested(model, pool, taken, 40, targets)
    assert len(picked) == 40 == len(set(picked)) and not set(picked) & taken
    predicted = predict(model, pool["text"].tolist())
    scores = np.array([suggest.uncertainty(row, targets) for row in predicted.to_dict("records")])
    left = [i for i in range(len(pool)) if i not in taken]
    assert np.median(scores[picked]) > np.median(scores[left])
    assert pool.iloc[picked]["article_id"].value_counts().max() <= 2
    assert pool.iloc[picked]["source_url"].map(adaptation.outlet).nunique() >= 10


def test_random_picks_are_reproducible_and_new():
    pool = pd.DataFrame({"text": [f"s{i}" for i in range(50)]})
    first = adaptation.choose_random(pool, {1, 2, 3}, 10, np.random.default_rng(5))
    again = adaptation.choose_random(pool, {1, 2, 3}, 10, np.random.default_rng(5))
    assert first == again and len(set(first)) == 10 and not set(first) & {1, 2, 3}
