"""Sizes beyond which text is not an article or a sentence, and is refused cheaply.

Scrapers produce blobs: a 100 MB dump with no line break, minified script
saved as .txt, a base64 image in a JSONL field. Segmenting and featurising
such text costs minutes and gigabytes and yields nothing an analyst can use,
so an article above `MAX_ARTICLE_BYTES`, or with a run of `MAX_RUN_CHARS`
characters containing no sentence end and no line break, is reported as a bad
article (skipped and counted; fatal with --strict). The size is checked
before a file is read, so a huge file costs one stat call. As a last guard,
the model sees at most `MAX_SENTENCE_CHARS` characters of any one text (a
sentence cannot reach that after the run check, but `stance predict` cells
can); docs/errors.md lists these limits.
"""

from __future__ import annotations

import re

MAX_ARTICLE_BYTES = 10 * 2**20
MAX_RUN_CHARS = 20_000
MAX_SENTENCE_CHARS = 20_000

# Sentence ends (Latin and CJK) and line breaks: a segmenter can cut nowhere else.
_BREAKS = ".!?;\n\u3002\uff01\uff1f"
# A run too long, found in one linear pass: a match may only start right after a break (or at the start).
_LONG_RUN = re.compile(rf"(?<![^{re.escape(_BREAKS)}])[^{re.escape(_BREAKS)}]{{{MAX_RUN_CHARS}}}")


def megabytes(size: int) -> str:
    return f"{size / 2**20:,.1f} MB"


def too_large(size: int) -> str | None:
    """Why an article of `size` bytes is refused, or None."""
    if size > MAX_ARTICLE_BYTES:
        return f"too large: {megabytes(size)} (the limit is {megabytes(MAX_ARTICLE_BYTES)})"
    return None


def not_prose(text: str) -> str | None:
    """Why `text` cannot be split into sentences of sane length, or None."""
    if len(text) <= MAX_RUN_CHARS:
        return None
    match = _LONG_RUN.search(text)
    if match is None:
        return None
    return (
        f"no sentence end or line break in more than {MAX_RUN_CHARS:,} characters "
        f"(from character {match.start():,}); not prose"
    )


def for_model(text: str) -> str:
    """The part of a text the model sees: at most MAX_SENTENCE_CHARS characters."""
    return text if len(text) <= MAX_SENTENCE_CHARS else text[:MAX_SENTENCE_CHARS]
