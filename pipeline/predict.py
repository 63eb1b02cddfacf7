"""Table prediction (`stance predict`): every row of a CSV or JSONL table gets a label per target."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pandas as pd
from sklearn.pipeline import Pipeline

from pipeline import StanceError
from pipeline.data import read_csv_strict
from pipeline.io import atomic_path
from pipeline.model import predict

TABLE_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
ARTICLE_SUFFIXES = (".txt",)


def table_format(path: str, default: str | None = None) -> str:
    if path == "-":
        if default:
            return default
        return "jsonl"
    fmt = TABLE_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise StanceError(f"{path}: unknown table format; use a .csv or .jsonl file")
    return fmt


def read_table(path: str) -> pd.DataFrame:
    """A CSV or JSONL table (`-` reads JSONL from stdin), every cell kept as given."""
    fmt = table_format(path)
    if path != "-" and not Path(path).is_file():
        raise StanceError(f"{path}: input file not found")
    if fmt == "csv":
        return read_csv_strict(Path(path))
    try:
        stream = sys.stdin if path == "-" else open(path, encoding="utf-8")
        with stream:
            lines = list(stream)
    except UnicodeDecodeError as exc:
        raise StanceError(f"{path}: not valid UTF-8 (byte {exc.start})") from None
    records = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise StanceError(f"{path} line {number}: invalid JSON ({exc.msg})") from None
        if not isinstance(record, dict):
            raise StanceError(f"{path} line {number}: expected a JSON object")
        records.append(record)
    return pd.DataFrame.from_records(records)


def write_table(frame: pd.DataFrame, path: str, fmt: str) -> None:
    """Write CSV or JSONL to a file atomically, or to stdout for `-`."""
    if fmt == "csv":
        render = lambda fh: frame.to_csv(fh, index=False)  # noqa: E731
    else:
        render = lambda fh: _write_jsonl(frame, fh)  # noqa: E731
    if path == "-":
        buffer = io.StringIO()
        render(buffer)
        sys.stdout.write(buffer.getvalue())
        return
    with atomic_path(Path(path)) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        render(fh)


def _write_jsonl(frame: pd.DataFrame, fh: io.TextIOBase) -> None:
    for record in frame.to_dict(orient="records"):
        fh.write(json.dumps(_plain(record), ensure_ascii=False) + "\n")


def _plain(record: dict) -> dict:
    """JSON-safe values: NaN becomes null, numpy scalars become Python numbers."""
    out = {}
    for key, value in record.items():
        if hasattr(value, "item"):
            value = value.item()
        if isinstance(value, float) and value != value:
            value = None
        out[key] = value
    return out


def predict_table(
    model: Pipeline, targets: list[str], table: pd.DataFrame, text_column: str, source: str
) -> pd.DataFrame:
    """Every input column plus `<target>` and `<target>_confidence` for each target."""
    if text_column not in table.columns:
        shown = ", ".join(map(str, table.columns)) or "none"
        raise StanceError(f"{source}: no '{text_column}' column (columns: {shown}); use --text-column")
    texts = ["" if pd.isna(t) else str(t) for t in table[text_column]]
    result = predict(model, targets, texts)
    out = table.reset_index(drop=True).copy()
    for column in result.columns:
        out[column] = result[column].to_numpy()
    return out
