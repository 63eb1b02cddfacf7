"""CSV cells that a spreadsheet would run as a formula, made inert on request.

Excel, LibreOffice and Google Sheets treat a cell starting with `=`, `+`, `-`
or `@` (and, in some versions, a tab or carriage return) as a formula, and a
formula can fetch URLs or run commands (CSV injection). Scraped text can start
with any of them. With `--spreadsheet-safe` such cells get a leading single
quote, which spreadsheets show as text; without it, text is written exactly
as it was, because a quote is data loss for every other reader.
"""

from __future__ import annotations

from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """`value` with a leading ' if it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return "'" + value
    return value


def row(values: list[Any], safe: bool) -> list[Any]:
    return [neutralise(v) for v in values] if safe else values
