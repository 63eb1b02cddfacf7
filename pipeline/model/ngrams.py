"""Hashed n-gram TF-IDF rows, with numpy alone: the arithmetic of `features.NgramTfidf`.

It lives apart from the scikit-learn estimator so that classifying articles
can run a trained model from its arrays (`pipeline.model.served`) without importing
scikit-learn at all, and both paths share one implementation.

Each n-gram becomes a 64-bit key (the bytes themselves for character n-grams,
a mix of token hashes for word n-grams), keys are hashed into 2**bits buckets,
and a fitted table maps each bucket to a column (or -1 for buckets never seen
in training).
"""

from __future__ import annotations

import hashlib
import re

import numpy as np
import scipy.sparse as sp

_TOKEN_OR_END = re.compile(r"\w[\w'-]*|\x00")
_END = np.uint64(0)  # the hash that marks a document end among word tokens (blake2b never gives 0 in practice)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX = np.uint64(0xBF58476D1CE4E5B9)
KINDS = ("word", "char")


def joined(texts: list[str]) -> str:
    """The batch as one string, documents separated by NUL (a NUL inside a text becomes a space)."""
    together = "\x00".join(texts)
    if together.count("\x00") != max(len(texts) - 1, 0):
        together = "\x00".join(t.replace("\x00", " ") for t in texts)
    return together


def stable_hash(token: str) -> int:
    """A 64-bit hash that is the same in every process (Python's hash() is salted)."""
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "little")


def char_grid(texts: list[str], ngram_range: tuple[int, int]):
    """(document of each position, keys, valid, the bytes) for character n-grams, a column per n.

    Keys are laid out as a (positions x orders) grid, so reading the grid row by
    row lists the n-grams in text order: already grouped by document, as a CSR
    matrix wants them, with no sort or merge.
    """
    # Documents joined by NUL, whitespace runs collapsed to one space (str.split is faster than a regex).
    core = " ".join(joined(texts).lower().replace("\x00", " \x00 ").split())
    flat = (f" {core} " if core else " ").encode("utf-8")
    raw = np.frombuffer(flat, dtype=np.uint8)
    sep = raw == 0
    doc_of = np.cumsum(sep)  # a window starting at i belongs to document doc_of[i]
    total = len(raw)
    low, high = ngram_range
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


def word_grid(texts: list[str], ngram_range: tuple[int, int], cache: dict[str, np.uint64 | int]):
    """(document of each token, keys, valid, the tokens) for word n-grams; `cache` keeps token hashes."""
    if len(cache) > 1_000_000:
        cache.clear()
    # One findall over the whole batch; NUL (never part of a token) marks where each document ends.
    found = _TOKEN_OR_END.findall(joined(texts).lower() + "\x00")
    for token in set(found).difference(cache):
        cache[token] = stable_hash(token) if token != "\x00" else _END
    hashes = np.fromiter(map(cache.__getitem__, found), dtype=np.uint64, count=len(found))
    end = hashes == _END
    doc_of = (np.cumsum(end) - end)[~end]
    hashes = hashes[~end]
    total = len(hashes)
    low, high = ngram_range
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


def grid(kind: str, texts: list[str], ngram_range: tuple[int, int], cache: dict[str, np.uint64 | int]):
    if kind == "char":
        return char_grid(texts, ngram_range)
    if kind == "word":
        return word_grid(texts, ngram_range, cache)
    raise ValueError(f"kind must be 'word' or 'char', not {kind!r}")


def buckets(keys: np.ndarray, bits: int) -> np.ndarray:
    found = keys * _GOLDEN
    found >>= np.uint64(64 - bits)
    return found.view(np.int64)  # below 2**bits, so the same numbers; no copy


def tfidf(
    kind: str,
    texts: list[str],
    ngram_range: tuple[int, int],
    bits: int,
    table: np.ndarray,
    idf: np.ndarray,
    cache: dict[str, np.uint64 | int],
) -> sp.csr_matrix:
    """Rows of idf-weighted n-gram counts, each divided by the norm of its entries.

    A repeated n-gram stays as repeated entries of its row, which every sparse
    product sums: raw term counts, with no sort to merge them. The norm is taken
    over the entries before that sum (one idf per occurrence), so a row with a
    repeated n-gram is close to, not exactly, unit length.
    """
    n_docs = len(texts)
    doc_of, keys, ok, _ = grid(kind, texts, ngram_range, cache)
    # Look every grid cell up (the few invalid ones too) rather than gather the valid ones first.
    cols = table[buckets(keys.ravel(), bits)]
    keep = np.greater_equal(cols, 0, out=ok.copy(), where=ok)
    keep &= ok
    cols = cols[keep]
    rows = np.broadcast_to(doc_of[:, None], keys.shape)[keep.reshape(keys.shape)]
    indptr = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_docs), out=indptr[1:])
    data = idf[cols].astype(np.float64, copy=False)
    norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=n_docs))
    norms[norms == 0] = 1
    data /= norms[rows]
    return sp.csr_matrix((data, cols, indptr), shape=(n_docs, len(idf)))
