"""A 2,000-article synthetic stream and the findings built from it, shared by the findings tests."""

from __future__ import annotations

import lxml.html
import pandas as pd
import pytest

from pipeline.cli import main
from tests.findings import synthetic
from tests.helpers import PROJECT

SCHEMA = str(PROJECT / "data" / "schema.yaml")


@pytest.fixture(scope="package")
def stream(tmp_path_factory):
    folder = tmp_path_factory.mktemp("findings")
    path = synthetic.write_jsonl(folder / "classified.jsonl", 2000, seed=3)
    frame = pd.read_json(path, lines=True, dtype={"article_id": str})
    return folder, path, frame


@pytest.fixture(scope="package")
def built(stream):
    folder, path, frame = stream
    out = folder / "out"
    code = main(
        ["findings", str(path), "-o", str(out), "--schema", SCHEMA, "--no-progress", "--by", "actor,month,source"]
    )
    assert code == 0
    page = (out / "findings.html").read_text(encoding="utf-8")
    return out, lxml.html.fromstring(page), page, frame
