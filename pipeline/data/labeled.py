"""Labeled statements: reading, validating against the schema, and splitting.

Every problem found names the file, the row and what is wrong, so that a user
who adds a CSV can fix it without reading code. Rows are numbered from 1 after
the header, as a spreadsheet shows them (minus the header line).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer

from pipeline import StanceError
from pipeline.data.schema import Schema
from pipeline.io import tables

BASE_COLUMNS = ("id", "article_id", "text")
OPTIONAL_COLUMNS = ("sentence_index", "speaker", "source_url")
MAX_LISTED = 30
# What pandas, R and databases write for a missing cell: never a statement.
MISSING_TEXT = {"nan", "none", "null", "na", "n/a", "<na>"}


class DataProblems(StanceError):
    """All problems of a labeled corpus at once, one line each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = problems[:MAX_LISTED]
        more = len(problems) - len(shown)
        lines = shown + ([f"... and {more} more problems"] if more else [])
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Where:
    file: str
    row: int
    id: str

    def __str__(self) -> str:
        return f"{self.file} row {self.row} (id {self.id})" if self.id else f"{self.file} row {self.row}"


def read_csv_strict(path: Path) -> pd.DataFrame:
    """Read a CSV as text cells, refusing ragged rows instead of shifting columns.

    pandas silently turns an extra cell into an index; the project's table
    reader names the line where the row count goes wrong.
    """
    if path.suffix.lower() != ".csv":
        raise StanceError(f"{path}: expected a .csv file")
    header, rows = tables.strict_rows(str(path))
    assert header is not None
    return pd.DataFrame([list(row.values()) for _, row in rows], columns=header, dtype=object)


def normalise(text: str) -> str:
    """Text reduced to what makes two statements the same statement."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


def load_labeled(folder: Path, schema: Schema, near_duplicate: float = 0.85) -> pd.DataFrame:
    """Read every CSV in `folder`, check it against the schema, and return one table.

    Raises DataProblems listing every problem (not just the first), so one run
    tells the user everything to fix.
    """
    files = sorted(p for p in folder.glob("*.csv") if not p.name.startswith("."))
    if not files:
        raise StanceError(f"{folder}: no labeled CSV files found")
    required = list(BASE_COLUMNS) + schema.target_names
    problems: list[str] = []
    frames = []
    for path in files:
        rel = _display(path, folder)
        frame = read_csv_strict(path)
        frame.columns = [str(c).strip() for c in frame.columns]
        missing = [c for c in required if c not in frame.columns]
        if missing:
            problems.append(f"{rel}: missing column(s) {', '.join(missing)}")
            continue
        for col in OPTIONAL_COLUMNS:
            if col not in frame.columns:
                frame[col] = ""
        frame = frame[required + list(OPTIONAL_COLUMNS)].copy()
        for col in frame.columns:
            frame[col] = frame[col].astype(str).str.strip()
        frame["source_file"] = rel
        frame["source_row"] = np.arange(1, len(frame) + 1)
        frames.append(frame)
    if problems:
        raise DataProblems(problems)
    data = pd.concat(frames, ignore_index=True)
    problems += _row_problems(data, schema)
    problems += _duplicate_problems(data, near_duplicate, page_furniture(data, schema))
    if problems:
        raise DataProblems(problems)
    data["article_id"] = data["article_id"].where(data["article_id"] != "", data["id"])
    return data


def _display(path: Path, folder: Path) -> str:
    return f"{folder.name}/{path.name}"


def _where(row: pd.Series) -> Where:
    return Where(row["source_file"], int(row["source_row"]), row["id"])


def _row_problems(data: pd.DataFrame, schema: Schema) -> list[str]:
    problems = []
    seen: dict[str, Where] = {}
    for _, row in data.iterrows():
        where = _where(row)
        if not row["id"]:
            problems.append(f"{where}: empty id")
        elif row["id"] in seen:
            problems.append(f"{where}: duplicate id '{row['id']}' (first at {seen[row['id']]})")
        else:
            seen[row["id"]] = where
        if not row["text"]:
            problems.append(f"{where}: empty text")
        elif row["text"].lower() in MISSING_TEXT:
            problems.append(f"{where}: text is '{row['text']}', a missing value written out as text")
        if row["sentence_index"] and not row["sentence_index"].isdigit():
            problems.append(f"{where}: sentence_index '{row['sentence_index']}' is not a whole number")
        for target in schema.targets:
            value = row[target.name]
            if value not in target.label_names:
                shown = f"'{value}'" if value else "an empty cell"
                problems.append(
                    f"{where}: {shown} is not a label of {target.name} "
                    f"(expected one of {', '.join(target.label_names)})"
                )
    return problems


FURNITURE_WORDS = 10  # a short line off topic on every target: a byline, "READ MORE", "Related Articles"


def page_furniture(data: pd.DataFrame, schema: Schema) -> np.ndarray:
    """Rows that are page furniture: at most FURNITURE_WORDS words and off topic on every target.

    Real news pages repeat such lines from page to page, and a corpus written
    from real pages keeps them; they carry no stance, so two equal copies leak
    nothing between the training and test sides and are not refused as duplicates.
    """
    off = np.ones(len(data), dtype=bool)
    for target in schema.targets:
        off &= (data[target.name] == target.off_topic).to_numpy()
    short = data["text"].str.split().str.len().to_numpy() <= FURNITURE_WORDS
    return off & short


def _duplicate_problems(data: pd.DataFrame, threshold: float, furniture: np.ndarray) -> list[str]:
    """Exact duplicates after normalisation, then TF-IDF cosine near-duplicates; page furniture may repeat."""
    problems = []
    norm = data["text"].map(normalise)
    first: dict[str, int] = {}
    exact = set()
    for i, key in enumerate(norm):
        if not key:
            continue
        if key in first:
            j = first[key]
            exact.add((j, i))
            if furniture[i] and furniture[j]:
                continue
            problems.append(f"{_where(data.iloc[i])}: duplicate text of {_where(data.iloc[j])}")
        else:
            first[key] = i
    for i, j, score in near_duplicates(norm.tolist(), threshold):
        if (i, j) not in exact and not (furniture[i] and furniture[j]):
            problems.append(f"{_where(data.iloc[j])}: near-duplicate (cosine {score:.2f}) of {_where(data.iloc[i])}")
    return problems


def near_duplicates(texts: list[str], threshold: float, block: int = 2000) -> list[tuple[int, int, float]]:
    """Pairs (i < j) whose word 1-2-gram TF-IDF cosine is above `threshold`.

    Compared block by block so memory stays bounded as the corpus grows.
    """
    keep = [i for i, t in enumerate(texts) if t]
    if len(keep) < 2:
        return []
    vectors = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit_transform([texts[i] for i in keep])
    pairs = []
    for start in range(0, len(keep), block):
        sims = (vectors[start : start + block] @ vectors.T).toarray()
        rows, cols = np.nonzero(sims > threshold)
        for r, c in zip(rows, cols, strict=True):
            i, j = keep[start + r], keep[c]
            if i < j:
                pairs.append((i, j, float(sims[r, c])))
    return sorted(pairs)


def stratify_key(data: pd.DataFrame, schema: Schema) -> pd.Series:
    """Each row's rarest position label across targets, so every stance reaches the test side."""
    counts = {(t.name, lab): int((data[t.name] == lab).sum()) for t in schema.targets for lab in t.positions}

    def key(row: pd.Series) -> str:
        held = [
            (counts[(t.name, row[t.name])], f"{t.name}={row[t.name]}")
            for t in schema.targets
            if row[t.name] in t.positions
        ]
        return min(held)[1] if held else "no_position"

    return data.apply(key, axis=1)


def hashed_below(keys: pd.Series, share: float, salt: str) -> np.ndarray:
    """True where the SHA-256 of `salt` and the key falls in the lowest `share` of the hash range.

    A key's side depends on the key alone, so adding rows never moves another key between sides.
    """
    cut = int(share * 2**64)

    def below(key: str) -> bool:
        digest = hashlib.sha256(f"{salt}\x1f{key}".encode()).digest()
        return int.from_bytes(digest[:8], "big") < cut

    return np.array([bool(key) and below(key) for key in keys.fillna("").astype(str)], dtype=bool)


def split(data: pd.DataFrame, test_share: float, salt: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train/test split by article: an article is on the test side when the hash of its id is.

    No article is on both sides, and the split is stable: adding labeled data (new articles) never
    moves an existing statement between train and test, so scores before and after stay comparable on
    the articles both test sets share. The test side holds about `test_share` of the articles (in
    expectation; a small corpus drifts from it).
    """
    articles = data["article_id"].astype(str)
    if articles.nunique() < 2:
        raise StanceError(f"need at least 2 articles or statements to split, found {articles.nunique()}")
    held = hashed_below(articles, test_share, salt)
    if held.all() or not held.any():
        side = "test" if held.all() else "training"
        raise StanceError(f"every article fell on the {side} side; add articles or change prepare.seed")
    return data[~held].reset_index(drop=True), data[held].reset_index(drop=True)


def real_reporting_holdout(data: pd.DataFrame, share: float, salt: str) -> np.ndarray:
    """Which rows belong to the held-back test of news written from real reporting.

    Rows written from a real page carry its `source_url`; a page is held back
    when the hash of its URL (with `salt`) falls below `share`, so every
    sentence written from one page is on the same side, and adding pages never
    moves the others between sides. Rows without a page are never held back
    here (the in-house split handles them).
    """
    urls = data["source_url"] if "source_url" in data.columns else pd.Series("", index=data.index)
    return hashed_below(urls, share, salt)


def label_counts(data: pd.DataFrame, schema: Schema) -> dict[str, dict[str, int]]:
    return {t.name: {lab: int((data[t.name] == lab).sum()) for lab in t.label_names} for t in schema.targets}


def read_prepared(path: Path, schema: Schema) -> pd.DataFrame:
    """Read a split written by `prepare`; checks that it matches the schema."""
    if not path.is_file():
        raise StanceError(f"{path}: not found; run `stance prepare` (or `dvc repro`) first")
    data = read_csv_strict(path)
    missing = [c for c in ["text", *schema.target_names] if c not in data.columns]
    if missing:
        raise StanceError(f"{path}: missing column(s) {', '.join(missing)}; rerun `stance prepare`")
    return data
