"""Table prediction (`stance predict`): every row of a CSV or JSONL table gets a label per target.

Rows stream through in batches, so memory does not grow with the table: each
batch is read, labeled in one vectorised call and written to a temporary file
that replaces the output only when the whole table is done. The first broken
row stops the run with its line number (a table in, the same table out: a
skipped row would shift every row after it for the reader).
"""

from __future__ import annotations

import csv
import json
import sys
import tempfile
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import IO, Any

from pipeline import StanceError
from pipeline.io import tables
from pipeline.io.cells import row as csv_row
from pipeline.io.files import atomic_path
from pipeline.model.predict import predict
from pipeline.model.served import ServedModel

BATCH = 5_000


def table_format(path: str, default: str | None = None) -> str:
    if path == "-":
        if default:
            return default
        return "jsonl"
    fmt = tables.FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise StanceError(f"{path}: unknown table format; use a .csv or .jsonl file")
    return fmt


def _labeled(
    model: ServedModel, rows: Iterator[tuple[int, dict[str, Any]]], text_column: str, source: str
) -> Iterator[dict[str, Any]]:
    """Each row with `<target>` and `<target>_confidence` added, labeled a batch at a time."""
    while batch := list(islice(rows, BATCH)):
        texts = []
        for number, record in batch:
            if text_column not in record:
                raise StanceError(f"{source} line {number}: no '{text_column}' field; use --text-column")
            value = record[text_column]
            texts.append("" if value is None else str(value))
        result = predict(model, texts)
        columns = {c: result[c].tolist() for c in result.columns}
        for k, (_, record) in enumerate(batch):
            for column, values in columns.items():
                record[column] = values[k]
            yield record


def predict_file(
    model: ServedModel,
    source: str,
    output: str,
    out_fmt: str,
    text_column: str = "text",
    spreadsheet_safe: bool = False,
    required: list[tuple[str, str]] | None = None,
) -> int:
    """Label every row of `source` into `output` (`-`: stdout); returns the number of rows."""
    header, rows = tables.strict_rows(source)
    if header is not None and text_column not in header:
        shown = ", ".join(header) or "none"
        raise StanceError(f"{source}: no '{text_column}' column (columns: {shown}); use --text-column")
    for option, name in required or []:  # columns the user named: a typo must not pass unnoticed
        if header is not None and name not in header:
            raise StanceError(f"{source}: no '{name}' column for {option} (columns: {', '.join(header)})")
    records = _labeled(model, rows, text_column, source)
    added = [c for t in model.targets for c in (t, f"{t}_confidence")]
    if output == "-":
        count = _write(records, sys.stdout, out_fmt, header, added, spreadsheet_safe)
    else:
        with atomic_path(Path(output)) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
            count = _write(records, fh, out_fmt, header, added, spreadsheet_safe)
            if count == 0:
                raise StanceError(f"{source}: no rows to label")
    return count


def _write(
    records: Iterator[dict[str, Any]],
    fh: IO[str],
    fmt: str,
    header: list[str] | None,
    added: list[str],
    safe: bool,
) -> int:
    count = 0
    if fmt == "jsonl":
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
        return count
    if header is not None:  # CSV in: the columns are known before the first row
        return _write_csv(records, fh, list(dict.fromkeys(header + added)), safe)
    # JSONL in, CSV out: rows may differ in keys, and the header must name them all. Stage, then write.
    with tempfile.TemporaryFile("w+", encoding="utf-8") as staged:
        keys: dict[str, None] = {}
        for record in records:
            keys.update(dict.fromkeys(record))
            staged.write(json.dumps(record, ensure_ascii=False) + "\n")
        staged.seek(0)
        return _write_csv((json.loads(line) for line in staged), fh, list(keys), safe)


def _write_csv(records: Iterator[dict[str, Any]], fh: IO[str], columns: list[str], safe: bool) -> int:
    writer = csv.writer(fh, lineterminator="\n")
    writer.writerow(csv_row(list(columns), safe))
    count = 0
    for record in records:
        writer.writerow(csv_row(["" if record.get(c) is None else record.get(c) for c in columns], safe))
        count += 1
    return count
