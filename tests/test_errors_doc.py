"""docs/errors.md and the tests name the same cases."""

import re

from tests.helpers import PROJECT

DOC = PROJECT / "docs" / "errors.md"


def _documented() -> set[str]:
    return set(re.findall(r"^\| `([a-z0-9_-]+)` \|", DOC.read_text(encoding="utf-8"), flags=re.MULTILINE)) - {
        "MAX_ARTICLE_BYTES"
    }


def _tested() -> set[str]:
    """Test function names, and the ids of the bad-input battery's parametrised cases."""
    names = set()
    for path in (PROJECT / "tests").rglob("test_*.py"):
        source = path.read_text(encoding="utf-8")
        names |= set(re.findall(r"^def (test_\w+)", source, flags=re.MULTILINE))
        names |= set(re.findall(r'^\s+\(?"([a-z0-9]+(?:-[a-z0-9]+)+)",', source, flags=re.MULTILINE))
    return names


def test_every_documented_case_has_a_test():
    documented = _documented()
    assert len(documented) >= 40
    assert documented <= _tested(), sorted(documented - _tested())


def test_every_battery_case_is_documented():
    battery = (PROJECT / "tests" / "classify" / "test_bad_input.py").read_text(encoding="utf-8")
    cases = set(re.findall(r'^\s+\(?"([a-z0-9]+(?:-[a-z0-9]+)+)",', battery, flags=re.MULTILINE))
    tests = set(re.findall(r"^def (test_\w+)", battery, flags=re.MULTILINE))
    parametrised = {"test_bad_article_is_fatal_with_strict", "test_bad_tables_are_refused"}
    parametrised |= {"test_bad_labeled_data_is_refused_by_prepare", "test_bad_schema_is_refused_by_prepare"}
    assert cases and (cases | tests) - parametrised <= _documented(), sorted(
        (cases | tests) - parametrised - _documented()
    )
