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
TfidfVectorizer's smoothed idf, L2-normalised rows.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import FeatureUnion
from sklearn.utils.validation import check_is_fitted

_TOKEN_OR_END = re.compile(r"\w[\w'-]*|\x00")
_END = np.uint64(0)  # the hash that marks a document end among word tokens (blake2b never gives 0 in practice)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX = np.uint64(0xBF58476D1CE4E5B9)


def _joined(texts: list[str]) -> str:
    """The batch as one string, documents separated by NUL (a NUL inside a text becomes a space)."""
    joined = "\x00".join(texts)
    if joined.count("\x00") != max(len(texts) - 1, 0):
        joined = "\x00".join(t.replace("\x00", " ") for t in texts)
    return joined


def _stable_hash(token: str) -> int:
    """A 64-bit hash that is the same in every process (Python's hash() is salted)."""
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "little")


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
        if self.kind == "char":
            doc_of, keys, ok, flat = self._char_grid(texts)
        elif self.kind == "word":
            doc_of, keys, ok, found = self._word_grid(texts)
            flat = [token for token in found if token != "\x00"]
        else:
            raise ValueError(f"kind must be 'word' or 'char', not {self.kind!r}")
        where = np.flatnonzero(ok)
        width = keys.shape[1]
        starts = where // width
        return doc_of[starts], keys.ravel()[where], starts, self.ngram_range[0] + where % width, flat

    def _char_grid(self, texts: list[str]):
        # Documents joined by NUL, whitespace runs collapsed to one space (str.split is faster than a regex).
        joined = _joined(texts)
        core = " ".join(joined.lower().replace("\x00", " \x00 ").split())
        flat = (f" {core} " if core else " ").encode("utf-8")
        raw = np.frombuffer(flat, dtype=np.uint8)
        sep = raw == 0
        doc_of = np.cumsum(sep)  # a window starting at i belongs to document doc_of[i]
        total = len(raw)
        low, high = self.ngram_range
        wide = raw.astype(np.uint64)
        key = np.zeros(total, dtype=np.uint64)
        bad = np.zeros(total, dtype=bool)
        keys = np.zeros((total, high - low + 1), dtype=np.uint64)
        ok = np.zeros((total, high - low + 1), dtype=bool)
        for n in range(1, high + 1):
            m = total - n + 1
            if m <= 0:
                break
            # Extend every window by one byte, in place on contiguous slices (no gathers).
            key[:m] |= wide[n - 1 :] << np.uint64(8 * (n - 1))
            bad[:m] |= sep[n - 1 :]
            if n >= low:
                keys[:m, n - low] = key[:m] | (np.uint64(n) << np.uint64(56))
                np.logical_not(bad[:m], out=ok[:m, n - low])
        return doc_of, keys, ok.ravel(), flat

    def _word_grid(self, texts: list[str]):
        cache = self.__dict__.setdefault("_hash_cache", {})
        if len(cache) > 1_000_000:
            cache.clear()
        # One findall over the whole batch; NUL (never part of a token) marks where each document ends.
        joined = _joined(texts)
        found = _TOKEN_OR_END.findall(joined.lower() + "\x00")
        for token in set(found).difference(cache):
            cache[token] = _stable_hash(token) if token != "\x00" else _END
        hashes = np.fromiter(map(cache.__getitem__, found), dtype=np.uint64, count=len(found))
        end = hashes == _END
        doc_of = (np.cumsum(end) - end)[~end]
        hashes = hashes[~end]
        total = len(hashes)
        low, high = self.ngram_range
        key = hashes.copy()
        keys = np.zeros((total, high - low + 1), dtype=np.uint64)
        ok = np.zeros((total, high - low + 1), dtype=bool)
        for n in range(1, high + 1):
            m = total - n + 1
            if m <= 0:
                break
            if n > 1:
                key[:m] = (key[:m] * _MIX) ^ hashes[n - 1 :]
            if n >= low:
                keys[:m, n - low] = key[:m] ^ (np.uint64(n) << np.uint64(60))
                np.equal(doc_of[:m], doc_of[n - 1 :], out=ok[:m, n - low])
        return doc_of, keys, ok.ravel(), found

    def _buckets(self, keys: np.ndarray) -> np.ndarray:
        buckets = keys * _GOLDEN
        buckets >>= np.uint64(64 - self.bits)
        return buckets.view(np.int64)  # below 2**bits, so the same numbers; no copy

    # -- sklearn API -------------------------------------------------------
    def fit(self, X, y=None):
        texts = [str(t) for t in X]
        docs, keys, starts, ns, flat = self._grams(texts)
        buckets = self._buckets(keys)
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
        """Rows of idf-weighted n-gram counts, L2-normalised.

        A repeated n-gram stays as repeated entries of its row, which every
        sparse product sums: raw term counts, with no sort to merge them.
        """
        check_is_fitted(self, "table_")
        texts = [str(t) for t in X]
        n_docs = len(texts)
        if self.kind == "char":
            doc_of, keys, ok, _ = self._char_grid(texts)
        elif self.kind == "word":
            doc_of, keys, ok, _ = self._word_grid(texts)
        else:
            raise ValueError(f"kind must be 'word' or 'char', not {self.kind!r}")
        # Look every grid cell up (the few invalid ones too) rather than gather the valid ones first.
        cols = self.table_[self._buckets(keys.ravel())]
        keep = np.greater_equal(cols, 0, out=ok.copy(), where=ok)
        keep &= ok
        cols = cols[keep]
        rows = np.broadcast_to(doc_of[:, None], keys.shape)[keep.reshape(keys.shape)]
        indptr = np.zeros(n_docs + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n_docs), out=indptr[1:])
        data = self.idf_[cols].astype(np.float64, copy=False)
        norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=n_docs))
        norms[norms == 0] = 1
        data /= norms[rows]
        return sp.csr_matrix((data, cols, indptr), shape=(n_docs, len(self.idf_)))

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self, "feature_names_")
        return np.array([f"{self.kind}:{name}" for name in self.names_], dtype=object)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_hash_cache", None)  # a speed cache, rebuilt on demand
        return state


def build_features(params: dict[str, Any]) -> FeatureUnion:
    """Word 1-n and character n-gram TF-IDF from `params`, side by side."""
    bits = int(params.get("hash_bits", 20))
    word = NgramTfidf("word", (1, int(params.get("word_ngram_max", 3))), min_df=int(params.get("min_df", 1)), bits=bits)
    char = NgramTfidf(
        "char",
        (int(params.get("char_ngram_min", 2)), int(params.get("char_ngram_max", 5))),
        min_df=int(params.get("min_df", 1)),
        bits=bits,
    )
    return FeatureUnion([("word", word), ("char", char)])
