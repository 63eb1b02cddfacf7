"""The inputs of a run cut into partitions: the unit of work, retry and resume of the Dask engine.

A partition names where its articles are, not the articles themselves, so a
worker reads its own share of the inputs and the machine that plans the run
never holds or ships the text. Article files are grouped `size` at a time;
a table (JSONL, CSV, gzip-compressed or not, Parquet) is cut into runs of
`size` rows, whose number a worker counts first. Partitions follow the
inputs' reading order (`pipeline.text.articles.sources`), and no article is
split between two, so reading every partition in order gives the articles
of `iter_articles`, and the records of `--jobs 1`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from pipeline.io import tables
from pipeline.text.articles import Article, BadArticle, Columns, Source, read_source, sources


@dataclass(frozen=True)
class Piece:
    """Rows [start, stop) of a table, or the one article of an article file (start 0, stop 1)."""

    source: Source
    start: int = 0
    stop: int = 1


@dataclass(frozen=True)
class Partition:
    index: int
    pieces: tuple[Piece, ...]


def count_rows(path: str) -> int:
    """The rows of a table: `iter_articles` yields one article (or bad article) for each."""
    if path.lower().endswith(".parquet"):
        import pyarrow.parquet as pq

        with pq.ParquetFile(path) as found:
            return found.metadata.num_rows
    _, rows = tables.read_table(path)
    return sum(1 for _ in rows)


def plan(inputs: list[str], glob: str | None, size: int, count: Callable[[list[str]], list[int]]) -> list[Partition]:
    """The partitions of the inputs in reading order; `count` gives the rows of each table (on the cluster)."""
    found = list(sources(inputs, glob))
    tables = [s.path for s in found if s.id is None]
    rows = dict(zip(tables, count(tables), strict=True)) if tables else {}
    partitions: list[Partition] = []
    files: list[Piece] = []

    def close_files() -> None:
        if files:
            partitions.append(Partition(len(partitions), tuple(files)))
            files.clear()

    for source in found:
        if source.id is not None:
            files.append(Piece(source))
            if len(files) >= size:
                close_files()
            continue
        close_files()  # a table's rows never share a partition with files before it: order stays simple
        for start in range(0, rows[source.path], size):
            partitions.append(Partition(len(partitions), (Piece(source, start, min(start + size, rows[source.path])),)))
    close_files()
    return partitions


def articles(partition: Partition, columns: Columns) -> Iterator[Article | BadArticle]:
    for piece in partition.pieces:
        yield from read_source(piece.source, columns, piece.start, piece.stop)
