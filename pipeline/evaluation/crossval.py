"""Grouped cross-validation: is the test split's score luck of the draw?

Every prepared statement (training and test split together) is dealt into k
folds by article with `StratifiedGroupKFold`, stratified like the split itself;
each fold is scored by a model trained on the other k-1 with the training
parameters. The folds run in parallel worker processes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.model_selection import StratifiedGroupKFold

from pipeline import StanceError
from pipeline.data import labeled as data
from pipeline.data.schema import Schema
from pipeline.evaluation.scores import target_scores
from pipeline.model import estimator
from pipeline.model.predict import predict
from pipeline.params import TrainParams


def _fold(train: pd.DataFrame, test: pd.DataFrame, the_schema: Schema, params: TrainParams) -> dict[str, float]:
    _, arrays = estimator.fit(train, the_schema, params)
    predicted = predict(arrays, test["text"].tolist())
    return {
        t.name: target_scores(test[t.name].to_numpy(object), predicted[t.name].to_numpy(object), t)["stance_f1"]
        for t in the_schema.targets
    }


def cross_validate(
    statements: pd.DataFrame, the_schema: Schema, params: TrainParams, k: int, seed: int, jobs: int
) -> dict[str, Any]:
    """Stance-F1 per target and fold, with mean and standard deviation over the folds."""
    groups = statements["article_id"].to_numpy()
    if len(set(groups)) < k:
        raise StanceError(f"evaluate.cv_folds: {k} folds need at least {k} articles, found {len(set(groups))}")
    folds = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    splits = list(folds.split(statements, data.stratify_key(statements, the_schema), groups))
    results = Parallel(n_jobs=min(jobs, k))(
        delayed(_fold)(
            statements.iloc[train].reset_index(drop=True),
            statements.iloc[test].reset_index(drop=True),
            the_schema,
            params,
        )
        for train, test in splits
    )
    per_target = {}
    for t in the_schema.target_names:
        scores = np.array([fold[t] for fold in results])
        per_target[t] = {
            "stance_f1_mean": round(float(scores.mean()), 4),
            "stance_f1_sd": round(float(scores.std(ddof=1)), 4),
            "folds": [round(float(s), 4) for s in scores],
        }
    means = np.array([np.mean([fold[t] for t in the_schema.target_names]) for fold in results])
    return {
        "folds": k,
        "statements": len(statements),
        "mean_stance_f1_mean": round(float(means.mean()), 4),
        "mean_stance_f1_sd": round(float(means.std(ddof=1)), 4),
        "targets": per_target,
    }
