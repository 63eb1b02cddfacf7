"""One streaming reader for CSV and JSONL tables: statement tables, article dumps, labeled data, outputs.

Every command that takes a table (`predict`, `classify`, `prepare`,
`agreement`, the summaries) reads it here, so they accept the same files and
name a bad row the same way: ``<file> line N: <problem>``. Rows stream one at
a time, so a table larger than memory is fine; a CSV cell or JSONL line larger
than the article limit is refused by name, not held.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from pipeline import StanceError
from pipeline.text import limits

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}

# A cell may hold a whole article; beyond the article limit it is an unclosed quote or a blob, refused by name.
csv.field_size_limit(limits.MAX_ARTICLE_BYTES)

Row = tuple[int, dict[str, Any] | None, str | None]  # (line number, the row or None, the problem or None)


def table_format(path: str) -> str | None:
    """'csv' or 'jsonl' from the file name, gzip-compressed or not (`-` is JSONL on stdin), or None."""
    if path == "-":
        return "jsonl"
    name = Path(path)
    if name.suffix.lower() == ".gz":
        name = name.with_suffix("")
    return FORMATS.get(name.suffix.lower())


def _open(path: str):
    """A text stream of `path`: gzip-compressed files are read as they are, without unpacking them first."""
    if path.lower().endswith(".gz"):
        import gzip

        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return open(path, encoding=table_encoding(path), newline="")


def table_encoding(path: str) -> str:
    """UTF-8 (a UTF-8 byte-order mark skipped), or UTF-16 when the file starts with its mark."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(3)
    except OSError:
        return "utf-8"  # the caller's open() reports the problem
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    return "utf-8-sig"


def csv_problem(exc: csv.Error) -> str:
    if "field larger than field limit" in str(exc):
        return f"a cell larger than {limits.megabytes(limits.MAX_ARTICLE_BYTES)} (an unclosed quote?)"
    return f"malformed CSV ({exc})"


def bounded_lines(stream: IO[str]) -> Iterator[tuple[int, str | None]]:
    """(line number, line) of a text stream; a line longer than the article limit is (number, None).

    A JSONL dump with a 100 MB line is read in pieces and never held whole.
    """
    limit = limits.MAX_ARTICLE_BYTES
    number = 0
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit and not line.endswith("\n"):
            while (rest := stream.readline(1 << 20)) and not rest.endswith("\n"):
                pass
            yield number, None
        else:
            yield number, line


def read_table(path: str) -> tuple[list[str] | None, Iterator[Row]]:
    """(CSV header or None for JSONL, rows) of the table at `path` (`-`: JSONL on stdin).

    Unreadable files, bad encodings and malformed CSV quoting stop the read
    with a StanceError naming the file (and line); a row that is only itself
    wrong (ragged, not JSON, not an object, too long) comes back as its
    problem, for the caller to refuse or skip. Blank lines are skipped.
    """
    fmt = table_format(path)
    if fmt is None:
        raise StanceError(f"{path}: unknown table format; use a .csv or .jsonl file")
    if path != "-" and not Path(path).is_file():
        raise StanceError(f"{path}: {'is a folder, not a table' if Path(path).is_dir() else 'input file not found'}")
    try:
        stream = sys.stdin if path == "-" else _open(path)
    except OSError as exc:
        raise StanceError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if fmt == "jsonl":
        return None, _jsonl_rows(path, stream)
    # strict: a quote that is never closed ends the file inside one cell; without it, every row after the
    # quote would be read silently as part of that cell.
    reader = csv.reader(stream, strict=True)
    try:
        header = next(reader, None)
    except (UnicodeDecodeError, csv.Error) as exc:
        stream.close()
        raise _read_error(path, exc, reader.line_num) from None
    except (OSError, EOFError) as exc:  # a .gz file that is not gzip, or is cut short
        stream.close()
        raise StanceError(f"{path}: cannot read ({exc})") from None
    if header is None:
        stream.close()
        raise StanceError(f"{path}: file is empty")
    header = [h.strip() for h in header]
    return header, _csv_rows(path, stream, reader, header)


def read_parquet(path: str, batch: int = 10_000) -> tuple[list[str], Iterator[Row]]:
    """(column names, rows) of a Parquet file, read a batch of rows at a time; for archives kept as Parquet.

    Row numbers count from 1, as a table's lines do, so a bad row is named the same way.
    """
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise StanceError(f"{path}: reading Parquet needs pyarrow: pip install 'ukraine-stance[parquet]'") from None
    try:
        found = pq.ParquetFile(path)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise StanceError(f"{path}: cannot read as Parquet ({exc})") from None

    def rows() -> Iterator[Row]:
        number = 0
        with found:
            for table in found.iter_batches(batch_size=batch):
                for record in table.to_pylist():
                    number += 1
                    yield number, record, None

    return list(found.schema_arrow.names), rows()


def _read_error(path: str, exc: Exception, line: int) -> StanceError:
    if isinstance(exc, UnicodeDecodeError):
        return StanceError(f"{path}: not valid UTF-8 (byte {exc.start})")
    assert isinstance(exc, csv.Error)
    return StanceError(f"{path} line {line}: {csv_problem(exc)}")


def _csv_rows(path: str, stream: IO[str], reader: Any, header: list[str]) -> Iterator[Row]:
    with stream:
        last = reader.line_num
        try:
            for cells in reader:
                if not cells:
                    last = reader.line_num
                    continue
                if len(cells) != len(header):
                    yield reader.line_num, None, f"{len(cells)} cells where the header has {len(header)}"
                else:
                    yield reader.line_num, dict(zip(header, cells, strict=True)), None
                last = reader.line_num
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                raise StanceError(
                    f"{path} line {last + 1}: a quoted cell is never closed (an unclosed quote would swallow "
                    "every row after it)"
                ) from None
            raise _read_error(path, exc, reader.line_num) from None
        except UnicodeDecodeError as exc:
            raise _read_error(path, exc, reader.line_num) from None
        except (OSError, EOFError) as exc:
            raise StanceError(f"{path} line {last + 1}: cannot read ({exc})") from None


def _jsonl_rows(path: str, stream: IO[str]) -> Iterator[Row]:
    with stream:
        try:
            for number, line in bounded_lines(stream):
                if line is None:
                    yield number, None, f"line longer than {limits.megabytes(limits.MAX_ARTICLE_BYTES)}"
                    continue
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield number, None, f"invalid JSON ({exc.msg})"
                    continue
                if not isinstance(record, dict):
                    yield number, None, "expected a JSON object"
                    continue
                yield number, record, None
        except UnicodeDecodeError as exc:
            raise StanceError(f"{path}: not valid UTF-8 (byte {exc.start})") from None
        except (OSError, EOFError) as exc:  # a .gz file that is not gzip, or is cut short
            raise StanceError(f"{path}: cannot read ({exc})") from None


def strict_rows(path: str) -> tuple[list[str] | None, Iterator[tuple[int, dict[str, Any]]]]:
    """`read_table` for callers that refuse the first bad row: it stops the read, naming its line."""
    header, rows = read_table(path)

    def checked() -> Iterator[tuple[int, dict[str, Any]]]:
        for number, row, problem in rows:
            if problem is not None:
                raise StanceError(f"{path} line {number}: {problem}")
            assert row is not None
            yield number, row

    return header, checked()
