"""Streaming aggregation: per-article counts for every grouping, then the sentences behind the figures.

Pass one keeps, for each grouping ("view"), how many sentences of each article hold each position in
each group: enough for every share and for article-bootstrap intervals, and its size grows with
articles and groups, not with sentences. Pass two reads the input again and keeps, for each figure
cell the page shows, a fixed random sample of its sentences (the smallest hashes of article id and
sentence index, so the sample is the same on every run and does not depend on the order or chunking
of the input).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

COMPACT_ROWS = 250_000  # partial counts held before they are summed together
EXAMPLE_COLUMNS = ("article_id", "sentence_index", "text", "speaker", "confidence", "url", "date")


@dataclass
class Tally:
    """Pass one. `views` maps a view's name to the columns it groups by (besides target and position)."""

    views: dict[str, tuple[str, ...]]
    parts: dict[str, list[pd.Series]] = field(default_factory=dict)
    held: dict[str, int] = field(default_factory=dict)
    summed_rows: dict[str, int] = field(default_factory=dict)
    articles: set[str] = field(default_factory=set)
    sentences: int = 0
    left_out_by_date: int = 0
    undated: int = 0
    on_topic: Counter = field(default_factory=Counter)
    actor_info: dict[str, tuple[str, str]] = field(default_factory=dict)
    first_date: str | None = None
    last_date: str | None = None

    def add(self, long: pd.DataFrame, counts: dict[str, int], article_ids: pd.Series) -> None:
        """Count one chunk: `long` from `records.long_form`, `counts` its read counts, `article_ids` all its
        articles (on topic or not)."""
        self.sentences += counts["sentences"]
        self.left_out_by_date += counts["left_out_by_date"]
        self.undated += counts["undated"]
        self.articles.update(article_ids.astype(str).unique())
        if long.empty:
            return
        self.on_topic.update(long["target"].value_counts().to_dict())
        dated = long["date"].dropna()
        if not dated.empty:
            low, high = dated.min(), dated.max()
            self.first_date = min(self.first_date or low, low)
            self.last_date = max(self.last_date or high, high)
        people = long.drop_duplicates("actor")
        for actor, country, kind in zip(people["actor"], people["actor_country"], people["actor_type"], strict=True):
            self.actor_info.setdefault(actor, (country, kind))
        for name, dims in self.views.items():
            keys = ["target", *dims, "article_id", "position"]
            part = long.groupby(keys, sort=False).size()
            self.parts.setdefault(name, []).append(part)
            self.held[name] = self.held.get(name, 0) + len(part)
            # Sum the parts when the new ones outgrow the summed ones (and COMPACT_ROWS): each row is summed
            # a logarithmic number of times, and the parts never hold much more than the result will.
            summed = self.summed_rows.get(name, 0)
            if self.held[name] - summed > max(COMPACT_ROWS, summed):
                self.parts[name] = [self._summed(name)]
                self.held[name] = self.summed_rows[name] = len(self.parts[name][0])

    def _summed(self, name: str) -> pd.Series:
        parts = self.parts.get(name) or []
        if not parts:
            keys = ["target", *self.views[name], "article_id", "position"]
            return pd.Series([], dtype="int64", index=pd.MultiIndex.from_tuples([], names=keys))
        joined = pd.concat(parts)
        return joined.groupby(level=list(range(joined.index.nlevels)), sort=True).sum()

    def counts(self, name: str) -> pd.Series:
        """Sentences per (target, *dims, article_id, position) of one view."""
        return self._summed(name)


@dataclass
class Sampler:
    """Pass two: up to `k` sentences behind each wanted cell (a DataFrame of target, dims and position)."""

    wanted: dict[str, pd.DataFrame]
    views: dict[str, tuple[str, ...]]
    k: int
    seed: int
    kept: dict[str, pd.DataFrame] = field(default_factory=dict)

    def add(self, long: pd.DataFrame) -> None:
        if long.empty:
            return
        order = pd.util.hash_pandas_object(
            long[["article_id", "sentence_index"]], index=False, hash_key=f"{self.seed:016d}"[:16]
        )
        long = long.assign(_order=order.to_numpy())
        for name, cells in self.wanted.items():
            if cells.empty:
                continue
            keys = list(cells.columns)
            found = long.merge(cells, on=keys, how="inner")[[*keys, *EXAMPLE_COLUMNS, "_order"]]
            if found.empty:
                continue
            joined = found if name not in self.kept else pd.concat([self.kept[name], found], ignore_index=True)
            self.kept[name] = joined.sort_values("_order", kind="stable").groupby(keys, sort=False).head(self.k)

    def examples(self, name: str) -> pd.DataFrame:
        """The kept sentences of a view's cells, each cell's in a fixed random order."""
        cells = self.wanted.get(name)
        if name not in self.kept:
            columns = list(cells.columns) if cells is not None else []
            return pd.DataFrame(columns=[*columns, *EXAMPLE_COLUMNS])
        return self.kept[name].drop(columns="_order").reset_index(drop=True)
