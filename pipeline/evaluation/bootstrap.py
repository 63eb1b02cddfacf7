"""Article bootstrap: intervals for every headline figure from one set of resamples.

Sentences of one article are not independent, so a resample draws whole
articles. Every score here is a function of a confusion matrix, and the
confusion matrix of a resample is the sum of its articles' matrices weighted by
how often each was drawn. One matrix product therefore gives the confusion
matrices of all resamples at once, for the model and each baseline alike, and
using the same draws for every system makes their differences paired.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from pipeline.data.schema import Target

CHUNK = 200  # resamples per weight matrix, so memory stays bounded on a large test split


def codes(values: np.ndarray, target: Target) -> np.ndarray:
    """Labels as integer codes in the schema's order."""
    index = {lab: i for i, lab in enumerate(target.label_names)}
    return np.array([index[v] for v in values], dtype=np.int64)


def group_confusions(gold: np.ndarray, pred: np.ndarray, groups: np.ndarray, n_groups: int, k: int) -> np.ndarray:
    """One flattened k x k confusion matrix per group: shape (n_groups, k*k)."""
    flat = groups * (k * k) + gold * k + pred
    return np.bincount(flat, minlength=n_groups * k * k).reshape(n_groups, k * k).astype(np.float64)


def iter_resample_weights(n_groups: int, n: int, seed: int, chunk: int = CHUNK) -> Iterator[np.ndarray]:
    """How often each group is drawn in each of `n` resamples, in chunks of (resamples, groups) made one at a
    time, so that a large number of groups holds only one chunk in memory (`chunk` resamples each)."""
    rng = np.random.default_rng(seed)
    for start in range(0, n, chunk):
        size = min(chunk, n - start)
        draws = rng.integers(0, n_groups, (size, n_groups)) + (np.arange(size) * n_groups)[:, None]
        yield np.bincount(draws.ravel(), minlength=size * n_groups).reshape(size, n_groups).astype(np.float64)


def resample_weights(n_groups: int, n: int, seed: int) -> list[np.ndarray]:
    """All chunks of `iter_resample_weights` at once (the evaluation reuses them for every system)."""
    return list(iter_resample_weights(n_groups, n, seed))


def scores(confusions: np.ndarray, k: int, positions: list[int]) -> dict[str, np.ndarray]:
    """Macro-F1, stance-F1 and accuracy of each flattened confusion matrix (rows: gold, columns: predicted).

    As in `evaluate.target_scores`, a label absent from both gold and
    predictions is left out of the averages.
    """
    matrices = confusions.reshape(-1, k, k)
    tp = np.einsum("bii->bi", matrices)
    gold, pred = matrices.sum(axis=2), matrices.sum(axis=1)
    present = (gold + pred) > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(present, 2 * tp / (gold + pred), 0.0)
    total = matrices.sum(axis=(1, 2))

    def mean_over(mask: np.ndarray) -> np.ndarray:
        counted = mask.sum(axis=1)
        return np.where(counted > 0, (f1 * mask).sum(axis=1) / np.maximum(counted, 1), 0.0)

    stance_mask = np.zeros(k, dtype=bool)
    stance_mask[positions] = True
    return {
        "macro_f1": mean_over(present),
        "stance_f1": mean_over(present & stance_mask),
        "accuracy": np.where(total > 0, tp.sum(axis=1) / np.maximum(total, 1), 0.0),
    }


def interval(values: np.ndarray) -> tuple[float, float]:
    """The 95% percentile interval."""
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


def resampled_scores(
    per_group: dict[str, np.ndarray], k: int, positions: list[int], weights: list[np.ndarray]
) -> dict[str, dict[str, np.ndarray]]:
    """For each system's per-group confusions, its scores in every resample."""
    out = {}
    for system, confusions in per_group.items():
        parts = [scores(w @ confusions, k, positions) for w in weights]
        out[system] = {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
    return out
