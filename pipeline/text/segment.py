"""Split an article into sentences with character offsets into the original text.

The headline (first non-empty line, when more text follows it on later lines
and it reads as one sentence) is a sentence of its own. Each paragraph
(lines separated by a blank line) is split by sentencex, which is fast but
splits after titles such as "Ms." or "Gen."; those pieces are joined back.
Offsets always satisfy ``text == article[start:end]``.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from sentencex import segment as _sentencex

# Abbreviations that precede a name or number and so never end a sentence.
_TITLES = frozenset(
    "Mr Ms Mrs Dr Gen Lt Col Maj Capt Sgt Adm Cmdr Sen Rep Gov Pres Prof Amb Sec St Rev Hon No Nos "
    "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec vs approx Fig".split()
)
_TITLE_LENGTHS = sorted({len(title) for title in _TITLES})
# sentencex keeps "voted no. Rep. Smith" together ("no." as in "No. 2"): split when a capitalised word follows.
_RESPLIT = re.compile(r"(?<=\sno\.)\s+(?=[A-Z][a-z])")
_MARKDOWN_HEADING = re.compile(r"#{1,6}[ \t]+")
_PARAGRAPH = re.compile(r"\n[ \t]*\n")
# A bullet line ("- ", "* ", "• ", "1. ") is a sentence block of its own.
_BULLET = re.compile(r"[ \t]*(?:[-*\u2022\u2013]|\d{1,2}[.)])\s")
# A first line longer than this that holds several sentences is body text, not a headline.
HEADLINE_CHARS = 200


class Sentence(NamedTuple):
    """A sentence and where it sits: ``text == article[start:end]``. A tuple, as there are millions."""

    start: int
    end: int
    text: str


# Builds a Sentence without NamedTuple's Python-level __new__, at less than half the cost (millions are made).
_sentence = tuple.__new__


def _ends_with_title(span: str) -> bool:
    """Whether a piece ends in "Gen." or "No." and so runs on into the next one, or is a list number ("2.").

    A title counts when it starts the piece or follows a space, "(" or a
    quote mark. Looked up by the few possible title lengths rather than with
    a regex search, which cost more than sentencex's own splitting; a test
    holds the two equal.
    """
    span = span.rstrip()
    last = span[-1:]
    if last != "." and last != ")":
        return False
    if span[-2:-1].isdecimal():  # maybe a list number alone: "2." or "12)"
        number = span.lstrip()[:-1]
        if 1 <= len(number) <= 2 and number.isdecimal():
            return True
    if last != ".":
        return False
    size = len(span) - 1
    for length in _TITLE_LENGTHS:
        if length <= size and span[size - length : size] in _TITLES:
            before = span[size - length - 1 : size - length]
            if not before or before.isspace() or before in "(\"'":
                return True
    return False


def _runs_on(previous: str, piece: str) -> bool:
    """Whether `piece` continues the sentence before it: it opens in lower case, or it goes on with an
    abbreviation that `previous` began ("Sen. Lindsey Graham, R-S." + "C., said ...", AP's party and state
    after a legislator's name, which sentencex cuts at the first stop)."""
    head = piece.lstrip()[:2]
    if not head:
        return False
    if head[0].islower():
        return True
    end = previous.rstrip()[-3:]
    return (
        head[1:] == "."
        and head[0].isupper()
        and len(end) == 3
        and end[2] == "."
        and end[1].isupper()
        and not end[0].isalpha()
    )


def _spans(text: str, offset: int) -> list[Sentence]:
    """The sentences of one paragraph, whitespace trimmed, titles re-joined."""
    found = _sentencex("en", text)
    if len(found) == 1 and found[0] == text and "no." not in text:  # one sentence: most paragraphs of news
        found = [text]
    else:
        pieces = []
        for piece in found:
            if "no." not in piece:
                pieces.append(piece)
                continue
            cut = 0
            for match in _RESPLIT.finditer(piece):
                pieces.append(piece[cut : match.start()] + match.group())
                cut = match.end()
            pieces.append(piece[cut:])
        found = []
        for piece in pieces:
            if found and (_ends_with_title(found[-1]) or _runs_on(found[-1], piece)):
                found[-1] += piece
            else:
                found.append(piece)
        if sum(map(len, found)) != len(text):  # sentencex dropped text: fall back to the whole paragraph
            found = [text]
    out = []
    start = offset
    for piece in found:  # the pieces tile the paragraph, so offsets add up
        stripped = piece.strip()
        if stripped:
            lead = start + len(piece) - len(piece.lstrip())
            out.append(_sentence(Sentence, (lead, lead + len(stripped), stripped)))
        start += len(piece)
    return out


def _blocks(paragraph: str, offset: int) -> list[tuple[int, int]]:
    """Cut a paragraph at line breaks that start or end a bullet line."""
    blocks = []
    start = 0
    lines = paragraph.split("\n")
    pos = 0
    for i, line in enumerate(lines[:-1]):
        pos += len(line) + 1
        if _BULLET.match(line) or _BULLET.match(lines[i + 1]):
            blocks.append((offset + start, offset + pos - 1))
            start = pos
    blocks.append((offset + start, offset + len(paragraph)))
    return blocks


def split_sentences(article: str) -> list[Sentence]:
    """Headline first, then the sentences of every paragraph, in reading order."""
    sentences: list[Sentence] = []
    stripped = article.lstrip()
    if not stripped:
        return sentences
    head_start = len(article) - len(stripped)
    newline = article.find("\n", head_start)
    head_end = len(article) if newline == -1 else newline
    heading = _MARKDOWN_HEADING.match(article, head_start)
    if heading and heading.end() < head_end:
        head_start = heading.end()
    headline = article[head_start:head_end].rstrip()
    if newline == -1 or (len(headline) > HEADLINE_CHARS and len(_spans(headline, head_start)) > 1):
        # A text on one line (a news dump's body) or a first line of several long sentences has no
        # headline line: all of it is body, split into sentences.
        head_end = len(article) - len(stripped)
    elif headline:
        sentences.append(Sentence(head_start, head_start + len(headline), headline))
    body_start = head_end
    pos = body_start
    for match in [*_PARAGRAPH.finditer(article, body_start), None]:
        end = match.start() if match else len(article)
        paragraph = article[pos:end]
        blocks = _blocks(paragraph, pos) if "\n" in paragraph else [(pos, end)]
        for block_start, block_end in blocks:
            block = paragraph if block_end - block_start == len(paragraph) else article[block_start:block_end]
            if block and not block.isspace():
                sentences += _spans(block, block_start)
        if match:
            pos = match.end()
    return sentences
