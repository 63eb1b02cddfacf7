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
from dataclasses import dataclass
from itertools import islice
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


def read_parquet(path: str, start: int = 0, stop: int | None = None) -> tuple[list[str], Iterator[Row]]:
    """(column names, rows[start:stop]) of a Parquet file; only the row groups holding those rows are read.

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
    meta = found.metadata
    stop = meta.num_rows if stop is None else min(stop, meta.num_rows)
    groups, first, number = [], None, 0
    for k in range(meta.num_row_groups):
        n = meta.row_group(k).num_rows
        if number + n > start and number < stop:
            groups.append(k)
            first = number if first is None else first
        number += n

    def rows() -> Iterator[Row]:
        number = first or 0
        with found:
            for batch in found.iter_batches(batch_size=10_000, row_groups=groups) if groups else ():
                for record in batch.to_pylist():
                    if start <= number < stop:
                        yield number + 1, record, None
                    number += 1

    return list(found.schema_arrow.names), rows()


@dataclass(frozen=True)
class Slice:
    """Rows [start, stop) of a table, for a worker to read without reading the rows before them.

    For JSON lines in UTF-8 (gzip-compressed or not) also the bytes [offset, end) that hold them and the
    number of their first line: a plain file is entered there directly, a compressed one by decompressing up
    to it. Other tables (CSV, UTF-16) are read from their start, the rows before `start` parsed and passed.
    """

    start: int
    stop: int
    offset: int | None = None
    end: int | None = None
    line: int = 1


def slices(path: str, size: int) -> list[Slice]:
    """The table cut into runs of `size` rows (fewer in the last), in one pass over it."""
    if path.lower().endswith(".parquet"):
        total = _parquet_rows(path)
        return [Slice(k, min(k + size, total)) for k in range(0, total, size)]
    if table_format(path) == "jsonl" and (path.lower().endswith(".gz") or table_encoding(path) != "utf-16"):
        return _jsonl_slices(path, size)
    _, rows = read_table(path)
    total = sum(1 for _ in rows)
    return [Slice(k, min(k + size, total)) for k in range(0, total, size)]


def _parquet_rows(path: str) -> int:
    import pyarrow.parquet as pq

    with pq.ParquetFile(path) as found:
        return found.metadata.num_rows


def _binary(path: str) -> IO[bytes]:
    if path.lower().endswith(".gz"):
        import gzip

        return gzip.open(path, "rb")
    return open(path, "rb")


def _jsonl_slices(path: str, size: int) -> list[Slice]:
    """Runs of `size` rows of JSON lines as byte ranges of whole lines: every byte of the file in exactly one."""
    limit = limits.MAX_ARTICLE_BYTES
    found: list[Slice] = []
    rows = offset = number = 0
    first = Slice(0, 0)  # the run being filled: its first row, byte and line
    try:
        with _binary(path) as fh:
            while line := fh.readline(limit + 1):
                here, number = offset, number + 1
                offset += len(line)
                if len(line) > limit and not line.endswith(b"\n"):
                    while rest := fh.readline(1 << 20):
                        offset += len(rest)
                        if rest.endswith(b"\n"):
                            break
                elif not line.strip():
                    continue  # a blank line is no row: it stays with the run before it
                if rows - first.start == size:
                    found.append(Slice(first.start, rows, first.offset or 0, here, first.line))
                    first = Slice(rows, rows, here, None, number)
                rows += 1
    except (OSError, EOFError) as exc:
        raise StanceError(f"{path}: cannot read ({exc})") from None
    if rows > first.start:
        found.append(Slice(first.start, rows, first.offset or 0, offset, first.line))
    return found


def read_slice(path: str, part: Slice) -> tuple[list[str] | None, Iterator[Row]]:
    """(header, rows) of one slice of a table, as `read_table` (or `read_parquet`) would give them."""
    if path.lower().endswith(".parquet"):
        return read_parquet(path, part.start, part.stop)
    if part.offset is None or part.end is None:
        header, rows = read_table(path)
        return header, islice(rows, part.start, part.stop)
    return None, _jsonl_range(path, part.offset, part.end, part.line)


def _jsonl_range(path: str, offset: int, end: int, line: int) -> Iterator[Row]:
    limit = limits.MAX_ARTICLE_BYTES

    def numbered(fh: IO[bytes]) -> Iterator[tuple[int, str | None]]:
        position, number = offset, line - 1
        while position < end and (raw := fh.readline(limit + 1)):
            position += len(raw)
            number += 1
            if len(raw) > limit and not raw.endswith(b"\n"):
                while rest := fh.readline(1 << 20):
                    position += len(rest)
                    if rest.endswith(b"\n"):
                        break
                yield number, None
                continue
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            yield number, raw.decode("utf-8")

    try:
        with _binary(path) as fh:
            fh.seek(offset)  # a compressed file decompresses up to here
            yield from _json_lines(numbered(fh))
    except UnicodeDecodeError as exc:
        raise StanceError(f"{path}: not valid UTF-8 (byte {exc.start})") from None
    except (OSError, EOFError) as exc:
        raise StanceError(f"{path}: cannot read ({exc})") from None


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
            yield from _json_lines(bounded_lines(stream))
        except UnicodeDecodeError as exc:
            raise StanceError(f"{path}: not valid UTF-8 (byte {exc.start})") from None
        except (OSError, EOFError) as exc:  # a .gz file that is not gzip, or is cut short
            raise StanceError(f"{path}: cannot read ({exc})") from None


def _json_lines(lines: Iterator[tuple[int, str | None]]) -> Iterator[Row]:
    """The rows of numbered JSON lines; blank lines are not rows."""
    for number, line in lines:
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


def read_records(path: Path, fmt: str) -> Iterator[dict[str, Any]]:
    """The records of one classified output file (JSONL, CSV or Parquet), read a batch at a time.

    JSONL and CSV go through `strict_rows` (a bad row stops the read, naming its line); an empty CSV cell
    is a missing value, as in the JSONL the same run would have written.
    """
    if fmt == "parquet":
        try:
            import pyarrow.parquet as pq
        except ImportError:
            raise StanceError(f'{path}: reading Parquet needs pyarrow: pip install -e ".[parquet]"') from None
        try:
            for batch in pq.ParquetFile(path).iter_batches(batch_size=50_000):
                yield from batch.to_pylist()
        except (OSError, ValueError) as exc:  # pyarrow's errors on a damaged file
            raise StanceError(f"{path}: cannot read ({exc})") from None
        return
    _, rows = strict_rows(str(path))
    for _, row in rows:
        yield {k: (v if v != "" else None) for k, v in row.items()} if fmt == "csv" else row
