"""The inputs of a run cut into partitions: the unit of work, retry and resume of the Dask engine.

A partition names where its articles are, not the articles themselves, so a
worker reads its own share of the inputs and the machine that plans the run
never holds or ships the text. Article files are grouped `size` at a time;
a table is cut into slices of `size` rows (`pipeline.io.tables.slices`, one
pass over it on a worker), each its own partition, which a worker enters
without reading the rows before it (JSON lines and Parquet; a CSV table is
read from its start). Partitions follow the inputs' reading order
(`pipeline.text.articles.sources`), and no article is split between two, so
reading every partition in order gives the articles of `iter_articles`, and
the records of `--jobs 1`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from pipeline.io.tables import Slice
from pipeline.text.articles import Article, BadArticle, Columns, Source, read_source, sources


@dataclass(frozen=True)
class Piece:
    """An article file, or one slice of a table."""

    source: Source
    part: Slice | None = None


@dataclass(frozen=True)
class Partition:
    index: int
    pieces: tuple[Piece, ...]


def plan(
    inputs: list[str], glob: str | None, size: int, split: Callable[[list[str]], list[list[Slice]]]
) -> list[Partition]:
    """The partitions of the inputs in reading order; `split` cuts each table into slices (on the cluster)."""
    found = list(sources(inputs, glob))
    tables = [s.path for s in found if s.id is None]
    cut = dict(zip(tables, split(tables), strict=True)) if tables else {}
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
        close_files()  # a table's slices never share a partition with the files before it: order stays simple
        for part in cut[source.path]:
            partitions.append(Partition(len(partitions), (Piece(source, part),)))
    close_files()
    return partitions


def articles(partition: Partition, columns: Columns) -> Iterator[Article | BadArticle]:
    for piece in partition.pieces:
        yield from read_source(piece.source, columns, piece.part)
