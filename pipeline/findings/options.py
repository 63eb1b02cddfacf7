"""The settings of one `stance findings` run, declared once and checked before anything is read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pipeline import StanceError

PERIODS = ("week", "month", "quarter", "year")
# Columns of the classified records that `--by` may group on, besides a period.
GROUP_COLUMNS = ("actor", "actor_type", "actor_country", "source", "speaker", "article_id")
FORMATS = ("csv", "parquet")


@dataclass(frozen=True)
class Options:
    """What to count and show.

    Args:
        period: the unit of time for the figures over time and for shifts.
        by: extra grouping for one more tidy table (`grouped.csv`): columns of GROUP_COLUMNS and at most one
            of PERIODS, in the order given; empty for none.
        min_confidence: labels on topic below this confidence count as `uncertain` (kept, never dropped).
        since, until: keep articles dated within these days (inclusive); undated articles are then left out.
        targets: the targets to report; empty for every target in the input.
        fmt: the tidy tables' file format.
        bootstrap: resamples of articles behind every interval.
        seed: for the resamples and the sample of sentences behind each figure.
        examples: sentences kept behind each figure cell on the page (a fixed random sample).
        rows: rows of the actor, outlet, type and country tables shown on the page (all of them in the CSV).
        shifts: shifts listed per target and grouping.
        min_sentences: sentences a group needs in both periods for a shift to be listed.
        chunk_size: records read at a time.
    """

    period: str = "month"
    by: tuple[str, ...] = ()
    min_confidence: float | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    targets: tuple[str, ...] = ()
    fmt: str = "csv"
    bootstrap: int = 500
    seed: int = 7
    examples: int = 5
    rows: int = 50
    shifts: int = 10
    min_sentences: int = 20
    chunk_size: int = 5_000
    sources: tuple[str, ...] = field(default=(), compare=False)  # the input files, as named on the page

    def __post_init__(self) -> None:
        if self.period not in PERIODS:
            raise StanceError(f"--period must be one of {', '.join(PERIODS)}, got {self.period!r}")
        unknown = [c for c in self.by if c not in GROUP_COLUMNS + PERIODS]
        if unknown:
            allowed = ", ".join(GROUP_COLUMNS + PERIODS)
            raise StanceError(f"--by: unknown column {unknown[0]!r}; choose from {allowed}")
        if len(set(self.by)) != len(self.by):
            raise StanceError("--by names a column twice")
        if sum(c in PERIODS for c in self.by) > 1:
            raise StanceError("--by takes at most one period (week, month, quarter or year)")
        if self.min_confidence is not None and not 0 <= self.min_confidence <= 1:
            raise StanceError(f"--min-confidence must be between 0 and 1, got {self.min_confidence}")
        if self.since and self.until and self.since > self.until:
            raise StanceError(f"--since {self.since} is after --until {self.until}")
        if self.fmt not in FORMATS:
            raise StanceError(f"--format must be csv or parquet, got {self.fmt!r}")
        for name in ("bootstrap", "examples", "rows", "shifts", "min_sentences", "chunk_size"):
            if getattr(self, name) < 1:
                raise StanceError(f"--{name.replace('_', '-')} must be at least 1, got {getattr(self, name)}")

    @property
    def filters(self) -> list[str]:
        """The filters in force, as the page states them at the top."""
        said = [f"positions over time by {self.period}"]
        said.append(
            f"labels below confidence {self.min_confidence:g} count as uncertain"
            if self.min_confidence is not None
            else "no minimum confidence (every label as the classifier gave it)"
        )
        if self.since or self.until:
            said.append(f"articles dated {self.since or 'any time'} to {self.until or 'any time'}; undated left out")
        else:
            said.append("all dates, undated articles included")
        said.append(f"targets: {', '.join(self.targets)}" if self.targets else "all targets")
        return said


def parse_date(value: str, flag: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise StanceError(f"{flag}: expected a date as YYYY-MM-DD, got {value!r}") from None


def parse_by(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip()) if value else ()
