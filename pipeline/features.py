"""Text features: word and character n-gram TF-IDF side by side.

Word n-grams carry the content ("door remains open"); character n-grams carry
morphology and spelling variants ("negotiat-", "Zelenskyy"/"Zelensky") that a
small corpus cannot teach word by word.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion


def build_features(params: dict[str, Any]) -> FeatureUnion:
    """A FeatureUnion of word 1-n and character (char_wb) n-gram TF-IDF from `params`."""
    word = TfidfVectorizer(
        analyzer="word",
        ngram_range=(1, int(params.get("word_ngram_max", 3))),
        min_df=int(params.get("min_df", 1)),
        max_features=params.get("word_max_features"),
        sublinear_tf=True,
        lowercase=True,
        token_pattern=r"(?u)\b\w[\w'-]*\b",
        dtype=np.float32,
    )
    char = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(int(params.get("char_ngram_min", 2)), int(params.get("char_ngram_max", 5))),
        min_df=int(params.get("min_df", 1)),
        max_features=params.get("char_max_features"),
        sublinear_tf=True,
        lowercase=True,
        dtype=np.float32,
    )
    return FeatureUnion([("word", word), ("char", char)])
