"""`stance evaluate --gold`: score a model on a user's own labeled sentences, as the pipeline scores its own.

A model trained on one corpus loses much of its score on news written by others, so the figure that
matters to a user is the one on their own outlets. The gold file is a table (CSV or JSONL) with `text`
and a column per target of the schema; `article_id` makes the intervals resample whole articles (as
the pipeline's do), `article_id` with `sentence_index` and `speaker` also measures who-said-it. The
metrics are computed by the same functions as `stance evaluate`'s, so the numbers are comparable.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline import StanceError
from pipeline.data.schema import Schema
from pipeline.evaluation.metrics import add_calibration, evaluate
from pipeline.io import tables


def read_gold(path: str, the_schema: Schema) -> pd.DataFrame:
    """The gold table, checked: every target column present and every label one of the schema's."""
    _, rows = tables.strict_rows(path)
    records = []
    for number, row in rows:
        records.append({**{k: ("" if v is None else v) for k, v in row.items()}, "_line": number})
    if not records:
        raise StanceError(f"{path}: no rows")
    gold = pd.DataFrame.from_records(records)
    missing = [c for c in ["text", *the_schema.target_names] if c not in gold.columns]
    if missing:
        need = ", ".join(["text", *the_schema.target_names])
        raise StanceError(f"{path}: missing column(s) {', '.join(missing)} (a gold file needs {need})")
    for column in ("text", *the_schema.target_names, "id", "article_id", "speaker", "sentence_index"):
        if column in gold.columns:
            gold[column] = gold[column].astype(str).str.strip().where(gold[column].notna(), "")
    empty = gold[gold["text"] == ""]
    if len(empty):
        raise StanceError(f"{path} line {empty['_line'].iloc[0]}: empty text")
    for target in the_schema.targets:
        bad = gold[~gold[target.name].isin(target.label_names)]
        if len(bad):
            first = bad.iloc[0]
            ident = f" (id {first['id']})" if "id" in gold.columns and first["id"] else ""
            raise StanceError(
                f"{path} line {first['_line']}{ident}: {target.name}: unknown label {first[target.name]!r} "
                f"(the schema's labels: {', '.join(target.label_names)})"
            )
    if "article_id" in gold.columns and (gold["article_id"] == "").any():
        line = gold.loc[gold["article_id"] == "", "_line"].iloc[0]
        raise StanceError(f"{path} line {line}: empty article_id (give every row one, or drop the column)")
    return gold.drop(columns="_line")


def confusions(gold: pd.DataFrame, predicted: pd.DataFrame, the_schema: Schema) -> dict[str, Any]:
    """Each target's confusion matrix: rows gold labels, columns predicted, in the schema's order."""
    out = {}
    for target in the_schema.targets:
        labels = target.label_names
        matrix = pd.crosstab(
            pd.Categorical(gold[target.name], categories=labels),
            pd.Categorical(predicted[target.name], categories=labels),
            dropna=False,
        )
        out[target.name] = {"labels": labels, "matrix": matrix.to_numpy().astype(int).tolist()}
    return out


def score(
    gold: pd.DataFrame,
    predicted: pd.DataFrame,
    the_schema: Schema,
    bootstrap: int,
    seed: int,
    bins: int,
) -> dict[str, Any]:
    """The pipeline's metrics on the gold: stance-F1 per target and their mean (`mean_stance_f1`), with
    intervals, per-class scores, confusion matrices and calibration (ECE).

    Without `article_id` each sentence is its own group, so the interval resamples sentences (narrower
    than it should be when sentences come from the same articles; the output says which).
    """
    test = gold.copy()
    by_article = "article_id" in test.columns
    if not by_article:
        test["article_id"] = [f"row-{i}" for i in range(len(test))]
    metrics = evaluate(test, predicted, {}, the_schema, bootstrap, seed)
    metrics.pop("baselines", None)
    add_calibration(metrics, test, predicted, the_schema, bins)
    metrics["interval"] = "article bootstrap" if by_article else "sentence bootstrap (no article_id column)"
    metrics["confusion"] = confusions(test, predicted, the_schema)
    return metrics


def speakers(gold: pd.DataFrame, actors: Any, parse: Any) -> dict[str, Any]:
    """Who-said-it accuracy when the gold holds whole articles in order (`article_id`, `sentence_index`) and a
    `speaker` column; otherwise why not."""
    need = [c for c in ("article_id", "sentence_index", "speaker") if c not in gold.columns]
    if need:
        return {"measured": False, "reason": f"needs the column(s) {', '.join(need)}"}
    from pipeline.actors import attribution

    rows = gold[gold["sentence_index"] != ""]
    if not (rows["speaker"] != "").any():
        return {"measured": False, "reason": "no row names a speaker"}
    return {"measured": True, **attribution.accuracy(rows, actors, parse)}


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def summary_lines(metrics: dict[str, Any]) -> list[str]:
    """What the command prints: each target's stance-F1 and the mean, with intervals."""
    lines = []
    for name, entry in metrics["targets"].items():
        lines.append(
            f"{name:<20} stance-F1 {entry['stance_f1']:.3f} "
            f"({entry['stance_f1_ci95_low']:.3f}-{entry['stance_f1_ci95_high']:.3f})  ECE {entry['ece']:.3f}"
        )
    lines.append(
        f"{'mean':<20} stance-F1 {metrics['mean_stance_f1']:.3f} "
        f"({metrics['mean_stance_f1_ci95_low']:.3f}-{metrics['mean_stance_f1_ci95_high']:.3f})"
        f"  on {metrics['test_statements']} sentences, {metrics['interval']}"
    )
    return lines


def as_builtin(value: Any) -> Any:
    """numpy scalars to Python ones, for JSON."""
    if isinstance(value, dict):
        return {k: as_builtin(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_builtin(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def display(path: str) -> str:
    return Path(path).name
