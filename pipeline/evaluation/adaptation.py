"""Does `stance suggest` pay? Adapting the model to new outlets with labels chosen by it or at random.

The held-back real-reporting pages stand in for a user's own news: half of the pages (by a hash of the
URL) are the pool a user would label from, the other half the evaluation. Each round adds `batch`
labeled sentences from the pool to the training data, chosen by `stance suggest`'s rule from the
current model's predictions or at random, retrains the fast (n-gram) model and scores it on the
evaluation pages, with a page-bootstrap interval. Random choice is repeated with several seeds; each
strategy's last round is also compared with random choice on the same resampled pages (paired).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from pipeline.data.labeled import hashed_below
from pipeline.data.schema import Schema
from pipeline.evaluation.metrics import evaluate
from pipeline.labeling import suggest
from pipeline.model import estimator
from pipeline.model.predict import predict
from pipeline.params import AdaptationParams, TrainParams


def outlet(url: str) -> str:
    """The outlet of a page: its host without www."""
    host = urlsplit(url).netloc.lower()
    return host[4:] if host.startswith("www.") else host


def split_pool(real: pd.DataFrame, eval_share: float, salt: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(pool to label from, evaluation pages): whole pages on each side."""
    held = hashed_below(real["source_url"], eval_share, salt)
    return real[~held].reset_index(drop=True), real[held].reset_index(drop=True)


def choose_suggested(model, pool: pd.DataFrame, taken: set[int], batch: int, targets: list[str]) -> list[int]:
    """The pool rows `stance suggest` would pick next, from the current model's predictions."""
    left = [i for i in range(len(pool)) if i not in taken]
    if not left:
        return []
    predicted = predict(model, pool["text"].iloc[left].tolist())
    records = []
    for row, (i, (_, source)) in enumerate(zip(left, pool.iloc[left].iterrows(), strict=True)):
        record = {
            "_row": i,
            "article_id": source["article_id"],
            "sentence_index": int(source["sentence_index"]) if str(source["sentence_index"]).isdigit() else 0,
            "text": source["text"],
            "source": outlet(source["source_url"]),
            "actor": None,
        }
        for t in targets:
            record[t] = predicted[t].iloc[row]
            record[f"{t}_confidence"] = float(predicted[f"{t}_confidence"].iloc[row])
        records.append(record)
    pool_candidates = suggest.candidates(records, targets, batch, set())
    return [c.record["_row"] for c in suggest.select(pool_candidates, batch)]


def choose_random(pool: pd.DataFrame, taken: set[int], batch: int, rng: np.random.Generator) -> list[int]:
    left = np.array([i for i in range(len(pool)) if i not in taken])
    return sorted(rng.choice(left, size=min(batch, len(left)), replace=False).tolist()) if len(left) else []


def simulate(
    train: pd.DataFrame,
    real: pd.DataFrame,
    the_schema: Schema,
    train_params: TrainParams,
    p: AdaptationParams,
    bootstrap: int,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The learning curves of both strategies and the paired comparison at the last round.

    Returns (one row per strategy, repeat and round: labels added, mean stance-F1 and its interval),
    and a summary for reports/adaptation.json.
    """
    pool, held = split_pool(real, p.eval_share, p.salt)
    if pool.empty or held.empty:
        reason = "no real-reporting pages held back" if real.empty else "too few held-back pages to split"
        return pd.DataFrame(columns=["strategy", "repeat", "round", "labels_added", "mean_stance_f1"]), {
            "skipped": reason
        }
    evaluation = held.assign(article_id=held["source_url"])  # the page is the unit, as for real reporting
    targets = the_schema.target_names
    rows: list[dict[str, Any]] = []
    last: dict[str, list[pd.DataFrame]] = {"suggest": [], "random": []}

    def score(model, strategy: str, repeat: int, added: int, round_: int) -> pd.DataFrame:
        predicted = predict(model, evaluation["text"].tolist())
        m = evaluate(evaluation, predicted, {}, the_schema, bootstrap, p.seed)
        rows.append(
            {
                "strategy": strategy,
                "repeat": repeat,
                "round": round_,
                "labels_added": added,
                "mean_stance_f1": m["mean_stance_f1"],
                "ci_low": m["mean_stance_f1_ci95_low"],
                "ci_high": m["mean_stance_f1_ci95_high"],
                **{f"{t}_stance_f1": m["targets"][t]["stance_f1"] for t in targets},
            }
        )
        return predicted

    _, base = estimator.fit(train, the_schema, train_params)
    start = score(base, "none", 0, 0, 0)  # round 0, shared by both strategies
    runs = [("suggest", 0)] + [("random", r) for r in range(p.random_repeats)]
    for strategy, repeat in runs:
        rng = np.random.default_rng(p.seed + repeat)
        taken: set[int] = set()
        model, predicted = base, start
        for round_ in range(1, p.rounds + 1):
            if strategy == "suggest":
                picked = choose_suggested(model, pool, taken, p.batch, targets)
            else:
                picked = choose_random(pool, taken, p.batch, rng)
            taken |= set(picked)
            added = pool.iloc[sorted(taken)]
            _, model = estimator.fit(pd.concat([train, added], ignore_index=True), the_schema, train_params)
            predicted = score(model, strategy, repeat, len(taken), round_)
        last[strategy].append(predicted)
    paired = []
    for repeat, random_predicted in enumerate(last["random"]):
        m = evaluate(evaluation, last["suggest"][0], {"random": random_predicted}, the_schema, bootstrap, p.seed)
        entry = m["baselines"]["random"]
        paired.append(
            {
                "repeat": repeat,
                "suggest_minus_random": entry["model_minus_baseline"],
                "ci95_low": entry["model_minus_baseline_ci95_low"],
                "ci95_high": entry["model_minus_baseline_ci95_high"],
            }
        )
    table = pd.DataFrame(rows)
    final = table[table["round"] == p.rounds]
    summary = {
        "pool_statements": len(pool),
        "pool_pages": int(pool["source_url"].nunique()),
        "evaluation_statements": len(held),
        "evaluation_pages": int(held["source_url"].nunique()),
        "rounds": p.rounds,
        "batch": p.batch,
        "labels_added": int(table["labels_added"].max()),
        "start_mean_stance_f1": rows[0]["mean_stance_f1"],
        "suggest_mean_stance_f1": float(final[final["strategy"] == "suggest"]["mean_stance_f1"].mean()),
        "random_mean_stance_f1": float(final[final["strategy"] == "random"]["mean_stance_f1"].mean()),
        "paired": paired,
    }
    summary["suggest_ahead"] = bool(paired) and all(entry["ci95_low"] > 0 for entry in paired)
    return table, summary
