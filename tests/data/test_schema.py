from pathlib import Path

import pytest
import yaml

from pipeline import StanceError
from pipeline.data import schema
from tests.helpers import PROJECT


def test_shipped_schema_matches_codebook_targets():
    s = schema.load(PROJECT / "data" / "schema.yaml")
    assert s.target_names == ["membership_timing", "aid", "peace_talks"]
    assert s.target("membership_timing").positions == ["now", "later", "never"]
    assert s.target("aid").positions == ["support", "oppose"]
    assert s.target("peace_talks").label_names == ["support", "oppose", "neutral", "none"]
    assert all(t.off_topic == "none" for t in s.targets)
    assert all(label.meaning for t in s.targets for label in t.labels)


def test_round_trip_through_dict():
    s = schema.load(PROJECT / "data" / "schema.yaml")
    assert schema.from_dict(s.to_dict()) == s


def _write(tmp_path: Path, targets: dict) -> Path:
    path = tmp_path / "schema.yaml"
    path.write_text(yaml.safe_dump({"targets": targets}))
    return path


@pytest.mark.parametrize(
    "targets, message",
    [
        ({"aid": {"labels": [{"name": "support"}, {"name": "support"}]}}, "duplicate label 'support'"),
        ({"aid": {"labels": [{"name": "neutral", "kind": "neutral"}]}}, "has no position label"),
        ({"aid": {"labels": [{"name": "x", "kind": "opinion"}]}}, "kind 'opinion'"),
        ({"Aid Target": {"labels": [{"name": "x"}]}}, "lower_snake_case"),
        ({}, "non-empty 'targets'"),
    ],
)
def test_bad_schemas_are_refused_with_the_target_named(tmp_path, targets, message):
    with pytest.raises(StanceError, match=message):
        schema.load(_write(tmp_path, targets))


def test_missing_and_malformed_schema_files(tmp_path):
    with pytest.raises(StanceError, match="not found"):
        schema.load(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("targets: [unclosed\n")
    with pytest.raises(StanceError, match="not valid YAML"):
        schema.load(bad)
