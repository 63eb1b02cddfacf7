"""News pages in: the article's own text and its metadata, without the page around it.

A news page is mostly furniture: navigation, cookie banners, bylines, share
buttons, "Read next" boxes whose headlines are on the same topics, footers.
Reading every block as text emitted the article and twice as much furniture,
and the furniture got classified as positions. trafilatura (the field's
well-kept main-content extractor, with htmldate for publication dates) finds
the article body and reads the page's metadata: headline, published date,
outlet (og:site_name, JSON-LD publisher, else the domain), canonical URL and
author; the page's `lang` gives the language.

Compared on the project's own test pages (tests/text/pages: a wire story, a
newspaper behind a paywall, a live blog, a state-media article, an aggregator
reprint), trafilatura kept every live-blog entry and left captions and paywall
prompts out where jusText did not, but it lost a lead paragraph that sits
outside the body's container (state media often put the lead in a block of
its own), which jusText kept. So jusText's verdict recovers such a lead: a
paragraph it judges to be text, before trafilatura's first body line, of
sentence length and ending like a sentence. A few lines that are never the
article are dropped by their shape: time stamps, wire credit lines,
"Read more" links, reprint notices, and any kicker or breadcrumb above a
repeated headline.

The article text is the headline once, then one paragraph per line of the
body, separated by blank lines (the form `split_sentences` reads).
"""

from __future__ import annotations

import re
from typing import Any

# Lines that are never sentences of the article.
_FURNITURE = re.compile(
    r"^\(?\s*(?:(?:additional\s+)?reporting\s+by|writing\s+by|editing\s+by|compiled\s+by)\b"  # wire credits
    r"|^(?:read\s+(?:more|also|next)|related(?:\s+(?:stories|articles))?|see\s+also|watch)\s*:"  # link boxes
    r"|\b(?:originally\s+(?:appeared|published)\s+(?:on|in)|republished\s+(?:here\s+)?with\s+permission)\b",
    re.IGNORECASE,
)
_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|july|august"
_MONTHS += "|september|october|november|december|mon|tue|wed|thu|fri|sat|sun|monday|tuesday|wednesday|thursday"
_MONTHS += "|friday|saturday|sunday|gmt|utc|bst|cet|cest|est|edt|pst|msk|am|pm|updated|published"
# A time stamp: only numbers, month and day names, time zones and punctuation ("17:32 GMT", "Thu 29 May 2025 07.15").
_STAMP = re.compile(rf"^(?:(?:\d{{1,4}}(?:[:./]\d{{1,4}})*|(?:{_MONTHS})\.?)[\s,.:/-]*)+$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)]*$")
_LANG = re.compile(r"<html[^>]*\blang\s*=\s*[\"']?([A-Za-z]{2,3})(?:[-_][A-Za-z]+)?", re.IGNORECASE)
LEAD_WORDS = 12  # a recovered lead is at least this long
MIN_WORDS = 5  # a page holds an article when at least one line is a sentence of this many words


def _clean(line: str) -> str:
    return " ".join(line.split())


def _lead(markup: str, first_line: str, kept: set[str]) -> list[str]:
    """Paragraphs jusText judges to be text that come before `first_line` and look like a lead."""
    import justext

    try:
        paragraphs = justext.justext(markup.encode("utf-8"), justext.get_stoplist("English"))
    except Exception:  # a page jusText cannot parse gives no lead, never a failed article
        return []
    found = []
    for paragraph in paragraphs:
        text = _clean(paragraph.text)
        if text == first_line:
            return found
        if (
            paragraph.class_type == "good"
            and text not in kept
            and len(text.split()) >= LEAD_WORDS
            and _SENTENCE_END.search(text)
            and not _FURNITURE.search(text)
        ):
            found.append(text)
    return []  # the first line was never reached: nothing is known to come before it


def extract(markup: str) -> tuple[str, dict[str, Any]] | None:
    """(article text, metadata) of a news page, or None when the page holds no article text."""
    import trafilatura  # imported on first use: classify runs without it when no page is read

    found = trafilatura.bare_extraction(
        markup,
        with_metadata=True,
        favor_precision=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        deduplicate=True,
    )
    if found is None:
        return None
    doc = found.as_dict() if hasattr(found, "as_dict") else dict(found)
    title = _clean(doc.get("title") or "")
    lines = [_clean(line) for line in (doc.get("text") or "").split("\n")]
    lines = [line for line in lines if line]
    if title in lines:  # the headline once; a kicker or breadcrumb above it goes with it
        lines = lines[lines.index(title) + 1 :]
    lines = [line for line in lines if not _FURNITURE.search(line) and not _STAMP.match(line)]
    if lines:
        lines = _lead(markup, lines[0], set(lines)) + lines
    if not any(len(line.split()) >= MIN_WORDS and _SENTENCE_END.search(line) for line in lines):
        return None  # a page of links and labels ("Home", "Cookie settings"): no article on it
    language = _LANG.search(markup[:4096])
    meta = {
        "title": title or None,
        "date": doc.get("date") or None,
        "source": doc.get("sitename") or doc.get("hostname") or None,
        "url": doc.get("url") or None,
        "author": doc.get("author") or None,
        "language": doc.get("language") or (language.group(1).lower() if language else None),
    }
    return "\n\n".join(([title] if title else []) + lines), meta
