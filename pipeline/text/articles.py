"""Where articles come from: files, folders, tables and stdin, read one at a time.

Every input kind yields the same thing, an `Article` (or a `BadArticle` that
the batch reports and skips), so the classifier never cares where text came
from, and nothing is loaded whole: a month of wire copy streams through.
"""

from __future__ import annotations

import fnmatch
import glob as globbing
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import StanceError
from pipeline.io import tables
from pipeline.text import limits, markdown, pages

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
TABLE_SUFFIXES = (".jsonl", ".ndjson", ".csv", ".jsonl.gz", ".ndjson.gz", ".csv.gz", ".parquet")
META_FIELDS = ("title", "date", "source", "url", "author", "language")


@dataclass(frozen=True)
class Article:
    id: str
    text: str
    meta: dict[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Columns:
    """Which columns of a table hold each part of an article (`--id-column`, `--text-column` ...)."""

    id: str = "id"
    text: str = "text"
    title: str = "title"
    date: str = "date"
    source: str = "source"
    url: str = "url"
    author: str = "author"
    language: str = "language"


@dataclass(frozen=True)
class BadArticle:
    """An input that cannot be classified; the batch reports it and goes on."""

    id: str
    reason: str


def _read_file(path: Path, article_id: str) -> Article | BadArticle:
    try:
        size = path.stat().st_size
        if reason := limits.too_large(size):
            return BadArticle(article_id, reason)  # refused before reading a byte
        raw = path.read_bytes()
    except OSError as exc:
        return BadArticle(article_id, f"cannot read ({exc.strerror or exc})")
    if b"\x00" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return BadArticle(article_id, "binary file, not text")
    try:
        if raw.startswith(b"\xef\xbb\xbf"):
            text = raw[3:].decode("utf-8")
        elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = raw.decode("utf-16")
        else:
            text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return BadArticle(article_id, f"not valid UTF-8 (byte {exc.start})")
    meta: dict[str, str | None] = {}
    if path.suffix.lower() == ".md":
        text, meta = markdown.read(text)
    elif path.suffix.lower() in HTML_SUFFIXES:
        page = pages.extract(text)
        if page is None:
            return BadArticle(article_id, "no article text found in the page")
        text, meta = page
    if not text.strip():
        return BadArticle(article_id, "empty text")
    if reason := limits.not_prose(text):
        return BadArticle(article_id, reason)
    return Article(article_id, text, meta)


def _from_table(path: str, columns: Columns, part: tables.Slice | None = None) -> Iterator[Article | BadArticle]:
    """The articles of a table, one per row (a bad row is a `BadArticle`); of one slice of it when asked."""
    if part is not None:
        header, rows = tables.read_slice(path, part)
    elif path.lower().endswith(".parquet"):
        header, rows = tables.read_parquet(path)
    else:
        header, rows = tables.read_table(path)
    checked = False
    for number, row, problem in rows:
        where = f"{path} line {number}"
        if row is not None and not checked:
            missing = [c for c in (columns.id, columns.text) if c not in row]
            if missing:
                raise StanceError(
                    f"{where}: no '{missing[0]}' field; tables need an id and a text column "
                    "(--id-column, --text-column)"
                )
            checked = True
        if problem and header is not None:
            # A CSV row of the wrong width means the columns may have shifted: nothing after it can be trusted.
            raise StanceError(f"{where}: {problem}")
        if problem or row is None:
            yield BadArticle(where, problem or "unreadable row")  # a broken JSONL line is only itself
            continue
        article_id = row.get(columns.id)
        text = row.get(columns.text)
        if article_id is None or str(article_id).strip() == "":
            yield BadArticle(where, "empty id")
        elif not isinstance(text, str) or not text.strip():
            yield BadArticle(str(article_id), "empty text")
        elif reason := limits.too_large(len(text)) or limits.not_prose(text):
            yield BadArticle(str(article_id), reason)
        else:
            named = {k: getattr(columns, k) for k in META_FIELDS}
            meta = {k: (None if row.get(c) in (None, "") else str(row.get(c))) for k, c in named.items()}
            yield Article(str(article_id), with_headline(meta["title"], text), meta)


def with_headline(title: str | None, text: str) -> str:
    """The article a table row holds: its `title` as the headline line, a blank line, then its `text`.

    News dumps keep the headline in a column of its own and the body on one
    line; without this the title would be lost and the body's first sentence
    taken for a headline. Offsets of the sentences refer to this joined text.
    A text that already starts with its title is left as it is.
    """
    title = " ".join(title.split()) if title else ""
    if not title or text.lstrip().startswith(title):
        return text
    return f"{title}\n\n{text}"


def _matches(relative: str, pattern: str | None) -> bool:
    if pattern is None:
        return True
    return fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(Path(relative).name, pattern)


def _is_table(name: str) -> bool:
    return name.lower().endswith(TABLE_SUFFIXES)


@dataclass(frozen=True)
class Source:
    """One input file in reading order: an article file with its id, or a table (`id` None) of many."""

    path: str
    id: str | None = None


def expand_inputs(inputs: list[str]) -> list[str]:
    """The inputs with patterns such as 'archive/2024-*.jsonl.gz' replaced by the paths they match, sorted.

    A path that exists is taken as it is, so a file whose name holds a `*` is still read.
    """
    found: list[str] = []
    for raw in inputs:
        if raw == "-" or Path(raw).exists():
            found.append(raw)
        elif any(c in raw for c in "*?["):
            matches = sorted(globbing.glob(raw, recursive=True))
            if not matches:
                raise StanceError(f"{raw}: no file or folder matches")
            found += matches
        else:
            raise StanceError(f"{raw}: no such file or folder")
    return found


def sources(inputs: list[str], glob: str | None = None) -> Iterator[Source]:
    """Every input file in the order `iter_articles` reads them: folders walked in sorted order, recursively.

    Ids are a file's path relative to the folder given (its name when given directly); a table's articles
    carry the ids of its id column.
    """
    for raw in expand_inputs(inputs):
        if raw == "-":
            yield Source("-")
            continue
        path = Path(raw)
        if path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                relative = file.relative_to(path).as_posix()
                if not _matches(relative, glob):
                    continue
                if file.suffix.lower() in TEXT_SUFFIXES + HTML_SUFFIXES:
                    yield Source(str(file), relative)
                elif _is_table(file.name):
                    yield Source(str(file))
        elif _is_table(path.name):
            yield Source(raw)
        elif path.suffix.lower() in TEXT_SUFFIXES + HTML_SUFFIXES:
            yield Source(raw, path.name)
        else:
            raise StanceError(
                f"{raw}: unknown input kind; use .txt, .md, .html, .jsonl, .csv (.gz for tables), .parquet or a folder"
            )


def read_source(source: Source, columns: Columns, part: tables.Slice | None = None) -> Iterator[Article | BadArticle]:
    """The article of an article file, or the articles of a table (of one slice of it, `tables.slices`)."""
    if source.id is not None:
        yield _read_file(Path(source.path), source.id)
    else:
        yield from _from_table(source.path, columns, part)


def iter_articles(
    inputs: list[str], glob: str | None = None, columns: Columns | None = None
) -> Iterator[Article | BadArticle]:
    """Articles from every input in order: files, folders (recursive), tables, patterns, or `-` (JSONL on stdin).

    Folders hold articles and tables alike (`glob` chooses among them); tables may be gzip-compressed, or
    Parquet files.
    """
    columns = columns or Columns()
    for source in sources(inputs, glob):
        yield from read_source(source, columns)
