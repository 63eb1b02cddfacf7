"""Markdown articles: front matter is metadata; bylines, section headings, images and link syntax are not prose."""

from pipeline.text.articles import iter_articles
from pipeline.text.segment import split_sentences

ARTICLE = """---
title: "Budapest blocks EU money for Kyiv's weapons"
date: 2025-03-04
source: The Danube Post
url: https://danubepost.example/2025/03/04/budapest-blocks
---

# Budapest blocks EU money for Kyiv's weapons

*By Staff Reporter — March 4, 2025*

![Viktor Orban at a summit](https://img.example/orban.jpg)

Hungary on Tuesday blocked the release of **6.6 billion euros** from the [European Peace Facility](https://example.org/epf)
meant to reimburse weapons sent to Ukraine.

## What happens next

Diplomats said the money could be released once Budapest's concerns were addressed, but gave no date.
"""


def test_front_matter_bylines_headings_and_link_syntax(tmp_path):
    (tmp_path / "a.md").write_text(ARTICLE, encoding="utf-8")
    [article] = iter_articles([str(tmp_path)])
    assert article.meta == {
        "title": "Budapest blocks EU money for Kyiv's weapons",
        "date": "2025-03-04",
        "source": "The Danube Post",
        "url": "https://danubepost.example/2025/03/04/budapest-blocks",
        "author": None,
    }
    assert [s.text for s in split_sentences(article.text)] == [
        "Budapest blocks EU money for Kyiv's weapons",
        "Hungary on Tuesday blocked the release of 6.6 billion euros from the European Peace Facility\n"
        "meant to reimburse weapons sent to Ukraine.",
        "Diplomats said the money could be released once Budapest's concerns were addressed, but gave no date.",
    ]


def test_without_front_matter_the_first_heading_is_the_headline(tmp_path):
    (tmp_path / "b.md").write_text(
        "## Kyiv asks for jets\n\nBy Jane Roe\n\nUkraine asked for more jets.\n", encoding="utf-8"
    )
    [article] = iter_articles([str(tmp_path)])
    assert article.meta["title"] == "Kyiv asks for jets"
    assert [s.text for s in split_sentences(article.text)] == ["Kyiv asks for jets", "Ukraine asked for more jets."]
