"""Classified records, read in chunks and turned into one row per (sentence, target) on topic.

`stance classify` writes one record per sentence with a label and a confidence per target and the
article's metadata. Findings count positions, so a sentence enters a target's figures only when it is
on topic there (any label but the schema's off-topic one); a label below `--min-confidence` becomes
`uncertain` and stays in, as its own category.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import StanceError
from pipeline.io import tables

UNCERTAIN = "uncertain"
OFF_TOPIC = "none"
NO_ACTOR = "(no speaker)"
UNKNOWN = "(unknown)"
NO_SOURCE = "(no source)"
UNDATED = "undated"
SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}
# The columns a sentence keeps in long form: what the groupings, the drill-down and the counts need.
KEEP = ("article_id", "sentence_index", "text", "speaker", "actor", "actor_type", "actor_country", "source", "url")


def input_format(path: Path) -> str | None:
    name = path.name.lower()
    for suffix, fmt in SUFFIXES.items():
        if name.endswith(suffix) or name.endswith(suffix + ".gz"):
            return fmt
    return None


def input_files(paths: list[str]) -> list[Path]:
    """The files behind the arguments: files as given, folders searched for classified tables."""
    found: list[Path] = []
    for arg in paths:
        path = Path(arg)
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*") if p.is_file() and input_format(p))
            if not inside:
                raise StanceError(f"{arg}: no .jsonl, .csv or .parquet files in this folder")
            found.extend(inside)
        elif path.is_file():
            if input_format(path) is None:
                raise StanceError(
                    f"{arg}: unknown format; findings reads .jsonl, .csv or .parquet from `stance classify`"
                )
            found.append(path)
        else:
            raise StanceError(f"{arg}: input file not found")
    return found


def iter_records(files: list[Path]) -> Iterator[dict[str, Any]]:
    """Every record of the files, in order."""
    for path in files:
        yield from tables.read_records(path, input_format(path))


def chunks(files: list[Path], size: int) -> Iterator[tuple[Path, pd.DataFrame]]:
    """Each file's records as DataFrames of at most `size` rows."""
    for path in files:
        batch: list[dict[str, Any]] = []
        for record in iter_records([path]):
            batch.append(record)
            if len(batch) >= size:
                yield path, pd.DataFrame.from_records(batch)
                batch = []
        if batch:
            yield path, pd.DataFrame.from_records(batch)


def targets_in(frame: pd.DataFrame) -> list[str]:
    """The targets a classified table holds: every column with a `<name>_confidence` beside it."""
    return [c for c in frame.columns if f"{c}_confidence" in frame.columns]


def period_of(dates: pd.Series, unit: str) -> pd.Series:
    """Each date's period as a sortable string: 2025-W07, 2025-02, 2025Q1, 2025; `undated` when missing."""
    parsed = pd.to_datetime(dates, errors="coerce", utc=True, format="mixed")
    out = pd.Series(UNDATED, index=dates.index, dtype=object)
    ok = parsed.notna()
    if ok.any():
        day = parsed[ok].dt.tz_convert(None)
        if unit == "week":
            iso = day.dt.isocalendar()
            out[ok] = iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)
        elif unit == "month":
            out[ok] = day.dt.strftime("%Y-%m")
        elif unit == "quarter":
            out[ok] = day.dt.year.astype(str) + "Q" + day.dt.quarter.astype(str)
        else:
            out[ok] = day.dt.year.astype(str)
    return out


def dates_of(dates: pd.Series) -> pd.Series:
    """Each date as a day (NaT when missing or unreadable)."""
    return pd.to_datetime(dates, errors="coerce", utc=True, format="mixed").dt.tz_convert(None).dt.normalize()


def long_form(
    frame: pd.DataFrame,
    path: Path,
    targets: list[str],
    off_topic: dict[str, str],
    min_confidence: float | None,
    periods: tuple[str, ...],
    since=None,
    until=None,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """One row per (sentence, target) on topic, with the columns every grouping needs.

    Args:
        frame: classified records, one per sentence.
        path: the file they came from (for error messages).
        targets: the targets to keep.
        off_topic: each target's off-topic label; its sentences leave the target's figures.
        min_confidence: on-topic labels below it become `uncertain`.
        periods: the period units to add as columns (`week`, `month`, ...).
        since, until: keep articles dated within these days; undated ones leave when either is set.

    Returns:
        the long table and counts of what was read and left out.
    """
    if "article_id" not in frame.columns:
        raise StanceError(f"{path}: no article_id column; findings reads what `stance classify` wrote")
    for target in targets:
        for column in (target, f"{target}_confidence"):
            if column not in frame.columns:
                raise StanceError(f"{path}: no {column} column (the other inputs have target {target})")
    for column in ("sentence_index", "text", "speaker", "actor", "actor_type", "actor_country", "source", "url"):
        if column not in frame.columns:
            frame[column] = None
    if "date" not in frame.columns:
        frame["date"] = None
    counts = {"sentences": len(frame), "left_out_by_date": 0, "undated": 0}
    days = dates_of(frame["date"])
    counts["undated"] = int(days.isna().sum())
    if since is not None or until is not None:
        keep = days.notna()
        if since is not None:
            keep &= days >= pd.Timestamp(since)
        if until is not None:
            keep &= days <= pd.Timestamp(until)
        counts["left_out_by_date"] = int((~keep).sum())
        frame, days = frame[keep], days[keep]
    base = pd.DataFrame({c: frame[c] for c in KEEP})
    base["article_id"] = base["article_id"].astype(str)
    base["sentence_index"] = pd.to_numeric(base["sentence_index"], errors="coerce").fillna(-1).astype(int)
    named = base["actor"].where(base["actor"].notna(), base["speaker"])
    base["actor"] = named.where(named.notna() & (named.astype(str) != ""), NO_ACTOR).astype(str)
    for column, missing in (("actor_type", UNKNOWN), ("actor_country", UNKNOWN), ("source", NO_SOURCE)):
        value = base[column]
        base[column] = value.where(value.notna() & (value.astype(str) != ""), missing).astype(str)
    base["date"] = days.dt.strftime("%Y-%m-%d").where(days.notna(), None)
    for unit in periods:
        base[unit] = period_of(frame["date"], unit)
    parts = []
    for target in targets:
        label = frame[target].astype(object)
        confidence = pd.to_numeric(frame[f"{target}_confidence"], errors="coerce")
        on_topic = label.notna() & (label != off_topic[target])
        if not on_topic.any():
            continue
        part = base[on_topic].copy()
        part["target"] = target
        position = label[on_topic].astype(str)
        if min_confidence is not None:
            position = position.where(~(confidence[on_topic] < min_confidence), UNCERTAIN)
        part["position"] = position
        part["confidence"] = confidence[on_topic]
        parts.append(part)
    if not parts:
        return base.iloc[0:0].assign(target=[], position=[], confidence=[]), counts
    return pd.concat(parts, ignore_index=True), counts
