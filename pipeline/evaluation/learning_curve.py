"""Would more labels still help? Scores of models trained on nested shares of the training articles.

Trains on growing, nested shares of the training articles (whole articles,
never single sentences) and scores each model on the same test split. A curve
still rising at 100% says more labeled data will pay off.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from pipeline.data.schema import Schema
from pipeline.evaluation.scores import target_scores
from pipeline.model import estimator
from pipeline.model.predict import predict
from pipeline.params import TrainParams


def curve(
    train: pd.DataFrame,
    test: pd.DataFrame,
    the_schema: Schema,
    train_params: TrainParams,
    fractions: list[float],
    seed: int,
) -> pd.DataFrame:
    groups = train["article_id"].unique()
    order = np.random.default_rng(seed).permutation(len(groups))
    rows = []
    for fraction in sorted(fractions):
        chosen = set(groups[order[: max(1, math.ceil(fraction * len(groups)))]])
        subset = train[train["article_id"].isin(chosen)]
        _, arrays = estimator.fit(subset, the_schema, train_params)
        predicted = predict(arrays, test["text"].tolist())
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
