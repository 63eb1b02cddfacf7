"""Slices of a table (`tables.slices`): what the Dask engine's workers read, each without the rows before it."""

from __future__ import annotations

import gzip
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.io import tables

LINES = [
    json.dumps({"id": 1, "text": "One."}),
    "",
    json.dumps({"id": 2, "text": "Two, with a line break\\nescaped."}),
    "not json",
    "   ",
    json.dumps({"id": 3, "text": "Trois: \u00e9t\u00e9 \u2014 \u4e2d\u6587."}),
    "[1, 2]",
    *[json.dumps({"id": k, "text": f"Row {k}."}) for k in range(4, 30)],
    "",
]


def _write(path, text: str) -> None:
    if path.name.endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8", newline="") as fh:
            fh.write(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")


@pytest.mark.parametrize("name", ["t.jsonl", "t.jsonl.gz", "bom.jsonl", "crlf.jsonl", "t.csv"])
@pytest.mark.parametrize("size", [1, 2, 7, 100])
def test_slices_hold_every_row_once_with_its_line_number(tmp_path, name, size):
    path = tmp_path / name
    if name == "t.csv":
        text = "id,text\n" + "".join(f'{k},"Row {k},\nover two lines"\n' for k in range(20))
    else:
        text = ("\r\n" if name.startswith("crlf") else "\n").join(LINES)
        text = ("\ufeff" if name.startswith("bom") else "") + text
    _write(path, text)
    _, whole = tables.read_table(str(path))
    expected = list(whole)
    found = tables.slices(str(path), size)
    assert [s.stop - s.start for s in found[:-1]] == [size] * (len(found) - 1)
    rows = [row for part in found for row in tables.read_slice(str(path), part)[1]]
    assert rows == expected


def test_parquet_slices_read_only_their_rows(tmp_path):
    path = tmp_path / "t.parquet"
    table = pa.Table.from_pylist([{"id": str(k), "text": f"Row {k}."} for k in range(25)])
    pq.write_table(table, path, row_group_size=4)
    _, whole = tables.read_parquet(str(path))
    expected = list(whole)
    for size in (1, 3, 4, 10, 30):
        found = tables.slices(str(path), size)
        assert [row for part in found for row in tables.read_slice(str(path), part)[1]] == expected
