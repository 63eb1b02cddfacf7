"""News pages: the article's sentences and metadata, not the page around them.

The pages in tests/text/pages are written for the project in the shapes of real
news sites (a wire story, a newspaper behind a paywall, a live blog with
timestamped entries, a state-media article with its lead outside the body, an
aggregator reprint), each with the furniture such sites carry: cookie banners,
navigation, bylines, captions, share buttons, "Read next" and "Most read" boxes
of topical headlines, paywall prompts, footers, JSON-LD and og: tags.
expected.json lists each article's paragraphs and metadata.
"""

import json
from pathlib import Path

import pytest

from pipeline.text import pages
from pipeline.text.articles import iter_articles
from pipeline.text.segment import split_sentences

PAGES = Path(__file__).with_name("pages")
EXPECTED = json.loads((PAGES / "expected.json").read_text(encoding="utf-8"))


def _found() -> dict:
    return {a.id: a for a in iter_articles([str(PAGES)], glob="*.html")}


def test_article_sentences_are_found_and_furniture_is_left_out():
    found = _found()
    assert set(found) == set(EXPECTED)
    wanted_total = found_total = hits_recall = hits_precision = 0
    for name, expected in EXPECTED.items():
        wanted = [expected["title"]] + [
            s.text for p in expected["paragraphs"] for s in split_sentences("x\n\n" + p)[1:]
        ]
        emitted = [s.text for s in split_sentences(found[name].text)]
        hits_recall += sum(1 for w in wanted if w in emitted)
        hits_precision += sum(1 for e in emitted if e in wanted)
        wanted_total, found_total = wanted_total + len(wanted), found_total + len(emitted)
        assert emitted.count(expected["title"]) == 1, name  # the headline once
    recall, precision = hits_recall / wanted_total, hits_precision / found_total
    assert wanted_total >= 40
    assert recall >= 0.97, f"recall {recall:.3f}"
    assert precision >= 0.95, f"precision {precision:.3f}"


def test_date_outlet_url_and_title_come_from_the_page():
    found = _found()
    right = 0
    for name, expected in EXPECTED.items():
        meta = found[name].meta
        right += all(meta[k] == expected[k] for k in ("title", "date", "source", "url"))
        assert meta["language"] == "en"
    assert right / len(EXPECTED) >= 0.95


def test_classify_carries_the_metadata_into_every_sentence(trained_project, tmp_path):
    from tests.helpers import run_stance

    out = tmp_path / "pages.jsonl"
    result = run_stance("classify", str(PAGES), "--glob", "*.html", "-o", str(out), cwd=trained_project)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    for record in records:
        expected = EXPECTED[record["article_id"]]
        assert (record["date"], record["source"], record["url"]) == (
            expected["date"],
            expected["source"],
            expected["url"],
        )
    heads = [r for r in records if r["sentence_index"] == 0]
    assert [r["text"] for r in heads] == [r["title"] for r in heads] and len(heads) == len(EXPECTED)


@pytest.mark.parametrize(
    ("line", "furniture"),
    [
        ("17:32 GMT", True),
        ("Thu 29 May 2025 07.15 BST", True),
        ("Updated 3 December 2024, 17:40 GMT", True),
        ("(Reporting by Jane Roe; Editing by John Doe)", True),
        ("Read more: Zelensky urges allies to invite Ukraine now", True),
        ("This article originally appeared on Capitol Courier and is republished here with permission.", True),
        ("May 9 is Victory Day in Russia, and Putin said talks were possible.", False),
        ("The Senate voted 67 to 27 on Sunday.", False),
        ("Related news reached Kyiv on Monday: the aid had been approved.", False),
    ],
)
def test_lines_that_are_never_the_article_are_told_by_their_shape(line, furniture):
    assert bool(pages._STAMP.match(line) or pages._FURNITURE.search(line)) is furniture


def test_a_page_without_article_text_is_skipped_with_its_reason(tmp_path):
    (tmp_path / "empty.html").write_text(
        "<html><body><nav><a href='/'>Home</a></nav><p>Cookie settings</p></body></html>", encoding="utf-8"
    )
    [found] = iter_articles([str(tmp_path)])
    assert (found.id, getattr(found, "reason", None)) == ("empty.html", "no article text found in the page")
