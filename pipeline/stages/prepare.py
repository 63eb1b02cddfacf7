"""Stage `prepare`: validate every labeled file against the schema and split by article."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline import config
from pipeline.data import labeled as data
from pipeline.data import quality, schema
from pipeline.io.files import atomic_path, write_json
from pipeline.params import PrepareParams


def run(root: Path) -> dict:
    """Validate data/labeled/ and its formulas; write the split, label counts and corpus statistics."""
    paths = config.paths(root)
    params = PrepareParams.from_mapping(config.load_params(paths.params).get("prepare"))
    the_schema = schema.load(paths.schema)
    labeled = data.load_labeled(paths.labeled, the_schema, params.near_duplicate)
    quality.check_formulas(labeled, params.max_opening_share)
    held = data.real_reporting_holdout(labeled, params.real_test_share, params.real_test_salt)
    real = labeled["source_url"] != ""
    real_test = labeled[held].reset_index(drop=True)
    # The in-house split is drawn over the project's own writing alone, as before real pages were added;
    # the real pages that are not held back join the training side.
    train, test = data.split(labeled[~real].reset_index(drop=True), params.test_size, str(params.seed))
    train = pd.concat([train, labeled[real & ~held]], ignore_index=True)
    for frame, dest in ((train, paths.train), (test, paths.test), (real_test, paths.real_test)):
        with atomic_path(dest, make_parents=True) as tmp:
            frame.to_csv(tmp, index=False)
    articles = labeled.groupby("article_id").size()
    counts = {
        "statements": len(labeled),
        "articles_fully_labeled": int((articles > 1).sum()),
        "train_statements": len(train),
        "test_statements": len(test),
        "train_groups": int(train["article_id"].nunique()),
        "test_groups": int(test["article_id"].nunique()),
        "real_test_statements": len(real_test),
        "real_test_pages": int(real_test["source_url"].nunique()),
        "real_test_articles": int((real_test.groupby("article_id").size() > 1).sum()) if len(real_test) else 0,
        "real_train_statements": int((real & ~held).sum()),
        "labels": data.label_counts(labeled, the_schema),
        "test_labels": data.label_counts(test, the_schema),
        "real_test_labels": data.label_counts(real_test, the_schema),
    }
    write_json(paths.reports / "data_counts.json", counts)
    write_json(paths.reports / "data_stats.json", quality.corpus_stats(labeled, the_schema))
    return counts


def main() -> None:
    counts = run(config.find_root())
    print(
        f"prepare: {counts['statements']} statements "
        f"({counts['train_statements']} train / {counts['test_statements']} test, split by article; "
        f"{counts['real_test_statements']} from {counts['real_test_pages']} real news pages held back)"
    )
