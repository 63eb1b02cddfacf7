import itertools
import re

import pytest

from pipeline.text import segment
from pipeline.text.segment import split_sentences
from tests.helpers import PROJECT, sample_articles
from tests.text.segment_cases import CASES


@pytest.mark.parametrize("article, expected", CASES)
def test_sentences_and_offsets(article, expected):
    """Titles, abbreviations, decimals, quotes, ellipses, datelines, bullets: one case each."""
    sentences = split_sentences(article)
    assert [s.text for s in sentences] == expected
    for s in sentences:
        assert article[s.start : s.end] == s.text


def test_sample_articles_segment_in_order_without_gaps_or_overlaps():
    files = sample_articles()
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


def test_a_body_on_one_line_is_split_into_sentences_not_taken_for_a_headline():
    body = (
        "Allies pledged more air defence for Kyiv on Tuesday. Germany said it would send two more Patriot "
        "systems, the defence minister told reporters. Hungary objected."
    )
    assert [s.text for s in split_sentences(body)] == [
        "Allies pledged more air defence for Kyiv on Tuesday.",
        "Germany said it would send two more Patriot systems, the defence minister told reporters.",
        "Hungary objected.",
    ]
    two_lines = body + " " + body + "\nA second paragraph follows."
    texts = [s.text for s in split_sentences(two_lines)]
    assert texts[0] == "Allies pledged more air defence for Kyiv on Tuesday." and len(texts) == 7
    assert [s.text for s in split_sentences("Short headline\n\n" + body)][0] == "Short headline"


def test_a_news_dump_and_the_same_articles_as_text_files_give_the_same_sentences(tmp_path):
    """JSONL as dumps come: `title` in its own column, the body with its paragraph breaks or on one line.

    On one line, a paragraph without a sentence end (a byline) runs into the next sentence, as any reader
    of that line would run them together; every other sentence must come out the same.
    """
    import json
    import re

    from pipeline.text.articles import iter_articles

    folder = PROJECT / "data" / "articles"  # Markdown samples: front matter, headline, paragraphs
    kept, flat = tmp_path / "kept.jsonl", tmp_path / "flat.jsonl"
    ends = re.compile(r"[.!?][\"')\u201d]*$")
    complete = set()
    with open(kept, "w", encoding="utf-8") as k, open(flat, "w", encoding="utf-8") as f:
        for sample in sample_articles():
            path = sample.path
            headline, _, body = sample.read_text(encoding="utf-8").partition("\n")
            paragraphs = [p.strip().replace("\n", " ") for p in body.split("\n\n") if p.strip()]
            if all(ends.search(p) for p in paragraphs):
                complete.add(path.name)
            k.write(json.dumps({"id": path.name, "title": headline.strip(), "text": "\n\n".join(paragraphs)}) + "\n")
            f.write(json.dumps({"id": path.name, "title": headline.strip(), "text": " ".join(paragraphs)}) + "\n")

    def sentences(path):
        return {a.id: [s.text for s in split_sentences(a.text)] for a in iter_articles([str(path)])}

    from_files = sentences(folder)
    assert len(from_files) >= 6 and len(complete) >= 3
    assert sentences(kept) == from_files
    from_flat = sentences(flat)
    for name in complete:
        assert from_flat[name] == from_files[name], name
