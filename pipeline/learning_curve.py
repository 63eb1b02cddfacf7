"""Stage `learning_curve`: would more labels still help?

Trains on growing, nested shares of the training articles (whole articles,
never single sentences) and scores each model on the same test split. A curve
still rising at 100% says more labeled data will pay off.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline import StanceError, config, data, model, schema
from pipeline.io import atomic_path
from pipeline.scores import target_scores


def curve(
    train: pd.DataFrame,
    test: pd.DataFrame,
    the_schema: schema.Schema,
    train_params: dict,
    fractions: list[float],
    seed: int,
) -> pd.DataFrame:
    groups = train["article_id"].unique()
    order = np.random.default_rng(seed).permutation(len(groups))
    rows = []
    for fraction in sorted(fractions):
        if not 0 < fraction <= 1:
            raise StanceError(f"learning_curve.fractions: {fraction} is not in (0, 1]")
        chosen = set(groups[order[: max(1, math.ceil(fraction * len(groups)))]])
        subset = train[train["article_id"].isin(chosen)]
        fitted = model.fit(subset, the_schema, train_params)
        predicted = model.predict(fitted, the_schema.target_names, test["text"].tolist())
        scores = {
            t.name: target_scores(test[t.name].to_numpy(object), predicted[t.name].to_numpy(object), t)["stance_f1"]
            for t in the_schema.targets
        }
        rows.append(
            {
                "fraction": fraction,
                "statements": len(subset),
                "groups": len(chosen),
                "mean_stance_f1": round(float(np.mean(list(scores.values()))), 4),
                **{f"{name}_stance_f1": round(score, 4) for name, score in scores.items()},
            }
        )
    return pd.DataFrame(rows)


def run(root: Path) -> pd.DataFrame:
    paths = config.paths(root)
    params = config.load_params(paths.params)
    settings = params.get("learning_curve", {})
    the_schema = schema.load(paths.schema)
    train = data.read_prepared(paths.train, the_schema)
    test = data.read_prepared(paths.test, the_schema)
    result = curve(
        train,
        test,
        the_schema,
        params.get("train", {}),
        [float(f) for f in settings.get("fractions", [0.1, 0.25, 0.5, 1.0])],
        int(settings.get("seed", 11)),
    )
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
