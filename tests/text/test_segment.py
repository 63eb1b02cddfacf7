import itertools
import re

import pytest

from pipeline.text import segment
from pipeline.text.segment import split_sentences
from tests.helpers import PROJECT
from tests.text.segment_cases import CASES


@pytest.mark.parametrize("article, expected", CASES)
def test_sentences_and_offsets(article, expected):
    """Titles, abbreviations, decimals, quotes, ellipses, datelines, bullets: one case each."""
    sentences = split_sentences(article)
    assert [s.text for s in sentences] == expected
    for s in sentences:
        assert article[s.start : s.end] == s.text


def test_sample_articles_segment_in_order_without_gaps_or_overlaps():
    files = sorted((PROJECT / "data" / "articles").glob("*.txt"))
    assert len(files) >= 5
    for file in files:
        article = file.read_text(encoding="utf-8")
        sentences = split_sentences(article)
        assert sentences[0].text == article.splitlines()[0].strip()
        assert len(sentences) >= 8
        for before, after in zip(sentences, sentences[1:], strict=False):
            assert before.end <= after.start
            assert article[before.end : after.start].strip() == ""
        covered = "".join(article[s.start : s.end] for s in sentences)
        assert "".join(covered.split()) == "".join(article.split())


def test_the_case_table_is_broad():
    assert len(CASES) >= 40


# The plain definition of a piece that runs on into the next, which `_ends_with_title` computes in a cheaper way:
# a title and its stop at the end, after the piece's start, a space, "(" or a quote; or a list number alone.
_TITLE_REFERENCE = re.compile(r"(?:^|[\s(\"'])(?:" + "|".join(sorted(segment._TITLES)) + r")\.\s*$|^\s*\d{1,2}[.)]\s*$")


def test_title_ends_are_found_where_the_plain_definition_finds_them():
    # Every piece of up to four parts: text, boundaries, titles and numbers, stops, trailing space.
    parts = [
        "",
        "x",
        "said",
        " ",
        "\t",
        "\u2003",
        "(",
        '"',
        "Gen",
        "approx",
        "No",
        "no",
        "XMr",
        ".",
        ")",
        "12",
        "1",
        "123",
        "\u0663",
    ]
    for combination in itertools.product(parts, repeat=4):
        piece = "".join(combination)
        assert segment._ends_with_title(piece) == bool(_TITLE_REFERENCE.search(piece.rstrip())), piece
