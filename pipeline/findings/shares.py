"""Position shares with article-bootstrap intervals, and the shifts between periods.

A share is the sentences holding a position over the sentences on topic, within a group (a period, an
actor, an outlet ...). Sentences of one article are not independent (one op-ed repeats its position a
dozen times), so every interval resamples whole articles, with the project's own article bootstrap
(`pipeline.evaluation.bootstrap.iter_resample_weights`): a resample's counts are its articles' counts
weighted by how often each was drawn.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.evaluation.bootstrap import iter_resample_weights

TIDY = ("target", "dimension", "period", "group", "position", "sentences", "articles", "share", "ci_low", "ci_high")
TIDY_EXTRA = ("group_sentences", "group_articles")
SHIFT_COLUMNS = (
    "target",
    "dimension",
    "group",
    "period_before",
    "period_after",
    "position",
    "sentences_before",
    "sentences_after",
    "group_sentences_before",
    "group_sentences_after",
    "share_before",
    "share_after",
    "change",
    "ci_low",
    "ci_high",
)


WEIGHT_CELLS = 1_000_000  # resamples x articles held at once: memory stays bounded for groups of any size


def resampled_shares(matrix: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Shares of each column in `n` article resamples of `matrix` (articles x positions): shape (n, positions)."""
    chunk = max(1, min(200, WEIGHT_CELLS // max(len(matrix), 1)))
    counts = np.vstack([weights @ matrix for weights in iter_resample_weights(len(matrix), n, seed, chunk)])
    totals = counts.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, counts / np.maximum(totals, 1e-300), np.nan)


def _percentiles(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    low, high = np.nanpercentile(samples, [2.5, 97.5], axis=0)
    return low, high


def _wide(counts: pd.Series, target: str, labels: list[str]) -> pd.DataFrame:
    """One target's counts as articles x positions, indexed by (*dims, article_id), every label a column."""
    part = counts.xs(target, level="target")
    wide = part.unstack("position", fill_value=0)
    return wide.reindex(columns=[*labels, *sorted(set(wide.columns) - set(labels))], fill_value=0)


def share_table(
    counts: pd.Series, dims: tuple[str, ...], labels: dict[str, list[str]], bootstrap: int, seed: int
) -> pd.DataFrame:
    """Every (target, group, position): sentences, articles, share and a 95% article-bootstrap interval.

    Args:
        counts: sentences per (target, *dims, article_id, position), from `aggregate.Tally.counts`.
        dims: the grouping columns (at least one).
        labels: each target's labels in display order; every one gets a row in every group, zero or not.
        bootstrap: resamples; seed: their seed. A group with one article gets no interval (NaN).
    """
    rows = []
    targets = [t for t in labels if t in set(counts.index.get_level_values("target"))] if len(counts) else []
    for target in targets:
        wide = _wide(counts, target, labels[target])
        positions = list(wide.columns)
        level = list(range(len(dims)))
        for key, block in wide.groupby(level=level, sort=True):
            key = key if isinstance(key, tuple) else (key,)
            matrix = block.to_numpy(dtype=np.float64)
            sentences = matrix.sum(axis=0)
            articles = (matrix > 0).sum(axis=0)
            total = sentences.sum()
            if len(matrix) >= 2:
                low, high = _percentiles(resampled_shares(matrix, bootstrap, seed))
            else:
                low = high = np.full(len(positions), np.nan)
            for j, position in enumerate(positions):
                rows.append(
                    (
                        target,
                        *key,
                        position,
                        int(sentences[j]),
                        int(articles[j]),
                        sentences[j] / total if total else np.nan,
                        low[j],
                        high[j],
                        int(total),
                        len(matrix),
                    )
                )
    columns = ["target", *dims, "position", "sentences", "articles", "share", "ci_low", "ci_high", *TIDY_EXTRA]
    return pd.DataFrame(rows, columns=columns)


def tidy(table: pd.DataFrame, dims: tuple[str, ...], periods: tuple[str, ...]) -> pd.DataFrame:
    """The shared tidy shape: `period` (or "all") and `group` (the other columns joined, or "all")."""
    time = [d for d in dims if d in periods]
    other = [d for d in dims if d not in periods]
    out = pd.DataFrame({"target": table["target"], "dimension": "|".join(dims)})
    out["period"] = table[time[0]].astype(str) if time else "all"
    out["group"] = table[other].astype(str).agg(" | ".join, axis=1) if other else "all"
    for column in (*TIDY[4:], *TIDY_EXTRA):
        out[column] = table[column]
    return out.reset_index(drop=True)


def _cluster_variance(wide: pd.DataFrame, levels: list[int]) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Per group: sentences per position, the shares' variance with articles as clusters, and articles.

    The delta-method variance of a ratio of sums, sum(y) / sum(n), over m articles:
    m / (m - 1) * sum((y_i - r n_i)^2) / sum(n)^2. A group of one article has none (infinite).
    """
    y = wide.astype(np.float64)
    n = y.sum(axis=1)
    grouped = y.groupby(level=levels, sort=True)
    sums = grouped.sum()
    total = sums.sum(axis=1)
    share = sums.div(total, axis=0)
    yy = (y**2).groupby(level=levels, sort=True).sum()
    yn = y.mul(n, axis=0).groupby(level=levels, sort=True).sum()
    nn = (n**2).groupby(level=levels, sort=True).sum()
    m = grouped.size()
    spread = yy - 2 * share * yn + share**2 * np.asarray(nn)[:, None]
    factor = (m / (m - 1)).where(m > 1, np.inf)
    variance = spread.clip(lower=0).mul(factor, axis=0).div(total**2, axis=0)
    return sums, variance, m


def shifts(
    counts: pd.Series,
    group: str,
    labels: dict[str, list[str]],
    top: int,
    min_sentences: int,
    bootstrap: int,
    seed: int,
    undated: str = "undated",
) -> pd.DataFrame:
    """The groups whose position shares moved most between one period and the next one they appear in.

    Small groups move a lot by chance, so pairs of periods are ranked by the change the data support at
    the least: the largest, over positions, of |change| minus 1.96 standard errors (articles as clusters,
    the delta method). The listed pairs then get article-bootstrap intervals like every other figure.

    Args:
        counts: sentences per (target, group, period, article_id, position).
        group: the grouping column's name (`actor`, `source`).
        labels: each target's labels in display order.
        top: pairs of periods listed per target.
        min_sentences: sentences on topic a group needs in a period for that period to count.
        bootstrap, seed: the interval of each change resamples the articles of both periods independently.

    Returns:
        one row per (target, group, before, after, position) of the `top` pairs.
    """
    rows = []
    targets = [t for t in labels if len(counts) and t in set(counts.index.get_level_values("target"))]
    for target in targets:
        wide = _wide(counts, target, labels[target])
        wide = wide[wide.index.get_level_values(1) != undated]
        if wide.empty:
            continue
        positions = list(wide.columns)
        sums, variance, _ = _cluster_variance(wide, [0, 1])
        keep = sums.sum(axis=1) >= min_sentences
        sums, variance = sums[keep], variance[keep]
        candidates = []
        for name, block in sums.groupby(level=0, sort=True):
            periods = list(block.index.get_level_values(1))
            values = block.to_numpy(dtype=np.float64)
            share = values / values.sum(axis=1, keepdims=True)
            spread = variance.loc[block.index].to_numpy()
            for i in range(1, len(periods)):
                change = share[i] - share[i - 1]
                supported = np.abs(change) - 1.96 * np.sqrt(spread[i] + spread[i - 1])
                supported = supported[np.isfinite(supported)]
                if supported.size:
                    candidates.append((float(supported.max()), name, periods[i - 1], periods[i]))
        candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
        for _, name, before, after in candidates[:top]:
            m0 = wide.loc[(name, before)].to_numpy(dtype=np.float64)
            m1 = wide.loc[(name, after)].to_numpy(dtype=np.float64)
            s0, s1 = m0.sum(axis=0), m1.sum(axis=0)
            diff = resampled_shares(m1, bootstrap, seed + 1) - resampled_shares(m0, bootstrap, seed)
            low, high = _percentiles(diff)
            for j, position in enumerate(positions):
                b, a = s0[j] / s0.sum(), s1[j] / s1.sum()
                rows.append(
                    (target, group, name, before, after, position, int(s0[j]), int(s1[j]), int(s0.sum()))
                    + (int(s1.sum()), b, a, a - b, low[j], high[j])
                )
    return pd.DataFrame(rows, columns=list(SHIFT_COLUMNS))
