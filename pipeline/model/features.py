"""Text features: word and character n-gram TF-IDF side by side.

Word n-grams carry the content ("door remains open"); character n-grams carry
morphology and spelling variants ("negotiat-", "Zelenskyy"/"Zelensky") that a
small corpus cannot teach word by word.

scikit-learn's TfidfVectorizer builds every n-gram as a Python string, which
caps a whole batch at a few thousand sentences a second. `NgramTfidf` computes
the same kind of features with numpy over a whole batch at once: each n-gram
becomes a 64-bit key (the bytes themselves for character n-grams, a mix of
token hashes for word n-grams), keys are hashed into 2**bits buckets (2**20 by default: a table that stays in
cache, at the price of a few percent of n-grams sharing a column), and only
buckets seen in training become columns. Weighting: raw term counts times
TfidfVectorizer's smoothed idf, each row divided by the root of the sum of its
squared idf weights taken once per occurrence (a repeated n-gram's entries are
summed only afterwards, by the sparse product, so a row with repeats is not
exactly unit length; TfidfVectorizer would square the summed weight). Character
n-grams run over the whole lower-cased sentence and so cross word boundaries.
The arithmetic is in `pipeline.model.ngrams`, which does not import
scikit-learn, so the trained model runs from its arrays alone
(`pipeline.model.served`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import FeatureUnion
from sklearn.utils.validation import check_is_fitted

from pipeline.model import ngrams
from pipeline.params import TrainParams


class NgramTfidf(TransformerMixin, BaseEstimator):
    """TF-IDF over word or character n-grams, computed batch-wise with numpy.

    kind: "word" (tokens of letters, digits, apostrophes and hyphens) or "char"
    (UTF-8 bytes of the lower-cased text with whitespace collapsed, padded with
    a space at each end). Fitted attributes: ``table_`` (bucket -> column or -1),
    ``idf_`` and ``feature_names_`` (one n-gram seen in training per column).
    """

    def __init__(self, kind: str = "word", ngram_range: tuple[int, int] = (1, 3), min_df: int = 1, bits: int = 20):
        self.kind = kind
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.bits = bits

    # -- n-gram keys -------------------------------------------------------
    def _grams(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, Any]:
        """Every n-gram of the batch as (document, 64-bit key, start, n), in document order.

        Keys are laid out as a (positions x orders) grid, one column per n, so
        reading the grid row by row lists the n-grams in text order: already
        grouped by document, as a CSR matrix wants them, with no sort or merge.
        The last value is what the start positions index (bytes or tokens).
        """
        doc_of, keys, ok, flat = ngrams.grid(self.kind, texts, self.ngram_range, self._cache())
        if self.kind == "word":
            flat = [token for token in flat if token != "\x00"]
        where = np.flatnonzero(ok)
        width = keys.shape[1]
        starts = where // width
        return doc_of[starts], keys.ravel()[where], starts, self.ngram_range[0] + where % width, flat

    def _cache(self) -> dict:
        """Token hashes of word n-grams seen so far: a speed cache, not part of the fitted state."""
        return self.__dict__.setdefault("_hash_cache", {})

    # -- sklearn API -------------------------------------------------------
    def fit(self, X, y=None):
        texts = [str(t) for t in X]
        docs, keys, starts, ns, flat = self._grams(texts)
        buckets = ngrams.buckets(keys, self.bits)
        pairs = np.unique(docs * (1 << self.bits) + buckets)
        df = np.bincount(pairs & ((1 << self.bits) - 1), minlength=1 << self.bits)
        keep = np.flatnonzero(df >= self.min_df)
        self.table_ = np.full(1 << self.bits, -1, dtype=np.int32)
        self.table_[keep] = np.arange(len(keep), dtype=np.int32)
        self.idf_ = np.log((1 + len(texts)) / (1 + df[keep])) + 1
        # One string, not an object array: unpickling 10^5 small strings is slow on every model load.
        self.feature_names_ = "\x1f".join(self._names(buckets, starts, ns, keep, flat))
        self.n_features_out_ = len(keep)
        return self

    @property
    def names_(self) -> np.ndarray:
        """One training n-gram per column."""
        check_is_fitted(self, "feature_names_")
        return np.array(self.feature_names_.split("\x1f"), dtype=object)

    def _names(self, buckets, starts, ns, keep, flat) -> list[str]:
        """One training n-gram per kept column (its first occurrence), for reports of informative features."""
        seen, first = np.unique(buckets, return_index=True)
        first_of = dict(zip(seen.tolist(), first.tolist(), strict=True))
        names = []
        for bucket in keep.tolist():
            i = first_of[bucket]
            n, s = int(ns[i]), int(starts[i])
            if self.kind == "char":
                names.append(flat[s : s + n].decode("utf-8", errors="replace"))
            else:
                names.append(" ".join(flat[s : s + n]))
        return [name.replace("\x1f", " ") for name in names]

    def transform(self, X):
        """Rows of idf-weighted n-gram counts, normalised as `ngrams.tfidf` says.

        A repeated n-gram stays as repeated entries of its row, which every
        sparse product sums: raw term counts, with no sort to merge them.
        """
        check_is_fitted(self, "table_")
        texts = [str(t) for t in X]
        return ngrams.tfidf(self.kind, texts, self.ngram_range, self.bits, self.table_, self.idf_, self._cache())

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self, "feature_names_")
        return np.array([f"{self.kind}:{name}" for name in self.names_], dtype=object)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_hash_cache", None)  # a speed cache, rebuilt on demand
        return state


def build_features(params: TrainParams) -> FeatureUnion:
    """Word 1-n and character n-gram TF-IDF from `params`, side by side."""
    word = NgramTfidf("word", (1, params.word_ngram_max), min_df=params.min_df, bits=params.hash_bits)
    char = NgramTfidf(
        "char", (params.char_ngram_min, params.char_ngram_max), min_df=params.min_df, bits=params.hash_bits
    )
    return FeatureUnion([("word", word), ("char", char)])
