"""The held-back test of news written from real reporting: whole pages, stable as data grows."""

import pandas as pd

from pipeline import params
from pipeline.data import labeled as data
from tests.helpers import PROJECT


def _frame(urls):
    return pd.DataFrame({"id": [f"r{i}" for i in range(len(urls))], "source_url": urls})


def test_pages_are_held_back_whole_and_in_house_rows_never():
    urls = [f"https://news.example/{i // 3}" for i in range(600)] + [""] * 50
    held = data.real_reporting_holdout(_frame(urls), 0.3, "salt")
    frame = _frame(urls).assign(held=held)
    per_page = frame[frame["source_url"] != ""].groupby("source_url")["held"].nunique()
    assert (per_page == 1).all()  # every sentence of a page on one side
    assert not frame[frame["source_url"] == ""]["held"].any()
    share = frame[frame["source_url"] != ""].groupby("source_url")["held"].first().mean()
    assert 0.2 < share < 0.4


def test_adding_pages_moves_no_other_page():
    before = [f"https://a.example/{i}" for i in range(300)]
    after = before + [f"https://b.example/{i}" for i in range(300)]
    held_before = data.real_reporting_holdout(_frame(before), 0.3, "salt")
    held_after = data.real_reporting_holdout(_frame(after), 0.3, "salt")
    assert (held_after[:300] == held_before).all()
    assert (data.real_reporting_holdout(_frame(before), 0.3, "other") != held_before).any()  # the salt draws anew


def test_the_shipped_corpus_holds_back_at_least_25_real_articles(shipped_corpus):
    labeled = shipped_corpus
    prepare = params.load(PROJECT / "params.yaml").prepare
    held = data.real_reporting_holdout(labeled, prepare.real_test_share, prepare.real_test_salt)
    real = labeled[held]
    assert (real.groupby("article_id").size() > 1).sum() >= 25
    assert real["source_url"].str.startswith("http").all()
    trained_pages = set(labeled[~held & (labeled["source_url"] != "")]["source_url"])
    assert not trained_pages & set(real["source_url"])
