"""The findings page in headless Chromium: it renders fast, pages long tables, and opens the sentences
behind a number."""

from __future__ import annotations

import json
import os

import lxml.html
import pytest

from pipeline.report import browser

BROWSER_REQUIRED = bool(os.environ.get("STANCE_REQUIRE_BROWSER"))
needs_chromium = pytest.mark.skipif(
    browser.find() is None and not BROWSER_REQUIRED, reason="chromium is not installed (CI installs it)"
)


@needs_chromium
def test_page_renders_in_chromium_within_two_seconds_pages_long_tables_and_opens_a_linked_cell(built, tmp_path):
    out, page_tree, _, _ = built
    cell = page_tree.xpath('//table[@data-table="sources"][@data-target="peace_talks"]//td[@data-cell]')[3]
    ident = cell.get("data-cell")
    item = json.loads(page_tree.xpath('//script[@id="examples"]')[0].text_content())[ident]
    tree = lxml.html.fromstring(browser.dump_dom(out / "findings.html", fragment=f"#cell={ident}"))
    # The script's last act stamps the page with the milliseconds since navigation began.
    assert 0 < int(tree.get("data-ready")) < 2000
    table = tree.xpath('//table[@data-table="actors"][@data-target="aid"]')[0]
    rows = table.xpath("./tbody/tr")
    assert len(rows) == 31  # 30 actors and the sentences with no speaker
    assert sum(r.get("hidden") is not None for r in rows) == 6
    assert table.getprevious().text_content().startswith("rows 1-25 of 31")
    # A link to a cell (findings.html#cell=cN) opens the sentences behind it.
    drill = tree.xpath('//aside[@id="drill"]')[0]
    assert drill.get("hidden") is None and drill.get("data-cell") == ident
    shown = [li.xpath("./div")[0].text_content() for li in drill.xpath("./ol/li")]
    assert shown == [row[2] for row in item["rows"]]
    assert drill.xpath("./h3")[0].text_content() == item["title"]
    # Text from the articles is text in the DOM, never markup.
    assert not drill.xpath(".//b") and "<b>&amp;</b>" in shown[0]
    png = browser.screenshot(out / "findings.html", tmp_path / "findings.png", height=1200)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
