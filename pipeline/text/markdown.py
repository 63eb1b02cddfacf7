"""Markdown articles: front matter as metadata, the markup that is not prose left out.

Newsletters, static-site archives and note-taking tools keep articles as
Markdown with a YAML front matter block. Read as plain text, its keys, the
byline, section headings and the image and link syntax all became
"sentences". Here the front matter gives the metadata (`title`, `date`,
`source` or `publisher`, `url`, `author`), the headline is the front matter's
title or else the first heading, other headings and a byline line are left
out, images are dropped and links keep their text.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
_HEADING = re.compile(r"^#{1,6}[ \t]+(.*?)[ \t#]*$")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
# A byline line: "By Staff Reporter", "*By Jane Roe — March 4, 2025*", "_By J. Roe, Kyiv_".
_BYLINE = re.compile(r"^[*_]*\s*by\s+[^.!?]{1,80}[*_]*$", re.IGNORECASE)
KEYS = {"title": ("title",), "date": ("date", "published"), "source": ("source", "publisher", "outlet")}
KEYS |= {"url": ("url", "link", "canonical"), "author": ("author", "byline")}


def _front_matter(raw: str) -> tuple[dict[str, Any], str]:
    found = _FRONT.match(raw)
    if not found:
        return {}, raw
    try:
        data = yaml.safe_load(found.group(1))
    except yaml.YAMLError:
        return {}, raw  # not front matter after all: read the text as it is
    return (data if isinstance(data, dict) else {}), raw[found.end() :]


def read(raw: str) -> tuple[str, dict[str, str | None]]:
    """(article text, metadata) of a Markdown article; the text is headline, blank line, paragraphs."""
    data, body = _front_matter(raw)
    meta: dict[str, str | None] = {}
    for field, keys in KEYS.items():
        value = next((data[k] for k in keys if data.get(k) not in (None, "")), None)
        meta[field] = None if value is None else str(value)
    headline = meta["title"]
    paragraphs: list[str] = []
    for block in re.split(r"\n[ \t]*\n", body):
        lines = []
        for line in block.split("\n"):
            heading = _HEADING.match(line.strip())
            if heading:
                if headline is None:
                    headline = heading.group(1)
                if lines:
                    paragraphs.append("\n".join(lines))
                    lines = []
                continue  # a section heading is not a sentence of the article
            line = _EMPHASIS.sub(r"\2", _LINK.sub(r"\1", _IMAGE.sub("", line)))
            if line.strip() and not _BYLINE.match(line.strip()):
                lines.append(line)
        if lines:
            paragraphs.append("\n".join(lines))
    if meta["title"] is None:
        meta["title"] = headline
    parts = ([headline] if headline else []) + [p.strip() for p in paragraphs if p.strip()]
    return "\n\n".join(parts), meta
