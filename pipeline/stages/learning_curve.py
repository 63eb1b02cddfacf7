"""Stage `learning_curve`: retrain on nested shares of the training articles, score each on the test split."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline import config, params
from pipeline.data import labeled as data
from pipeline.data import schema
from pipeline.evaluation.learning_curve import curve
from pipeline.io.files import atomic_path


def run(root: Path) -> pd.DataFrame:
    paths = config.paths(root)
    settings = params.load(paths.params)
    the_schema = schema.load(paths.schema)
    train = data.read_prepared(paths.train, the_schema)
    test = data.read_prepared(paths.test, the_schema)
    lc = settings.learning_curve
    result = curve(train, test, the_schema, settings.train, lc.fractions, lc.seed)
    with atomic_path(paths.reports / "learning_curve.csv", make_parents=True) as tmp:
        result.to_csv(tmp, index=False)
    return result


def main() -> None:
    result = run(config.find_root())
    for row in result.itertuples():
        print(
            f"learning curve: {row.fraction:>5.0%} of training articles ({row.statements} statements): "
            f"mean stance-F1 {row.mean_stance_f1:.3f}"
        )
