import pandas as pd
import pytest

from pipeline import StanceError
from pipeline.data import agreement, schema
from tests.helpers import PROJECT, run_stance

SCHEMA = schema.load(PROJECT / "data" / "schema.yaml")


def _labels(ids, mt, aid, pt):
    return pd.DataFrame({"id": ids, "membership_timing": mt, "aid": aid, "peace_talks": pt})


def test_kappa_matches_a_hand_computed_case():
    ids = ["1", "2", "3", "4"]
    a = _labels(ids, ["now", "now", "none", "none"], ["none"] * 4, ["support", "none", "none", "oppose"])
    b = _labels(ids, ["now", "none", "none", "none"], ["none"] * 4, ["support", "none", "none", "oppose"])
    result = agreement.compare(a, b, SCHEMA)
    # membership: observed 3/4; chance = 0.5*0.25 + 0.5*0.75 = 0.5; kappa = (0.75-0.5)/(1-0.5) = 0.5
    assert result["targets"]["membership_timing"] == {"kappa": 0.5, "agreement": 0.75, "disagreements": 1}
    assert result["targets"]["peace_talks"]["kappa"] == 1.0
    assert result["targets"]["aid"]["agreement"] == 1.0  # one label only: kappa undefined, agreement total
    assert result["targets"]["aid"]["kappa"] is None


def test_only_shared_ids_are_compared_and_disagreements_are_listed():
    a = _labels(["1", "2", "9"], ["now", "later", "never"], ["none"] * 3, ["none"] * 3)
    b = _labels(["2", "1"], ["never", "now"], ["none"] * 2, ["none"] * 2)
    assert agreement.compare(a, b, SCHEMA)["statements"] == 2
    table = agreement.disagreements(a, b, SCHEMA)
    assert table.to_dict(orient="records") == [{"id": "2", "target": "membership_timing", "a": "later", "b": "never"}]


def test_unknown_labels_and_missing_columns_are_refused():
    a = _labels(["1"], ["soon"], ["none"], ["none"])
    with pytest.raises(StanceError, match="'soon' is not a label of membership_timing"):
        agreement.compare(a, a, SCHEMA)
    with pytest.raises(StanceError, match="missing column"):
        agreement.compare(a.drop(columns="aid"), a, SCHEMA)


def test_cli_reports_kappa_per_target(tmp_path):
    ids = [str(i) for i in range(6)]
    a = _labels(ids, ["now", "later", "never", "none", "none", "neutral"], ["none"] * 6, ["none"] * 6)
    b = _labels(ids, ["now", "now", "never", "none", "none", "neutral"], ["none"] * 6, ["none"] * 6)
    a.to_csv(tmp_path / "a.csv", index=False)
    b.to_csv(tmp_path / "b.csv", index=False)
    result = run_stance(
        "agreement",
        "a.csv",
        "b.csv",
        "--disagreements",
        "d.csv",
        "--schema",
        str(PROJECT / "data" / "schema.yaml"),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("membership_timing"))
    kappa = agreement.compare(a, b, SCHEMA)["targets"]["membership_timing"]["kappa"]
    assert line.split()[1:] == [f"{kappa:.3f}", "83.3%", "1"]
    assert pd.read_csv(tmp_path / "d.csv")["id"].tolist() == [1]


def test_committed_agreement_files_reproduce_the_reported_kappa():
    folder = PROJECT / "data" / "agreement"
    first = agreement.read_labeling(folder / "first_pass.csv")
    second = agreement.read_labeling(folder / "second_pass.csv")
    result = agreement.compare(first, second, SCHEMA)
    assert result["statements"] >= 400
    readme = (PROJECT / "data" / "README.md").read_text(encoding="utf-8")
    for name, scores in result["targets"].items():
        assert f"| {name} | {scores['kappa']:.3f} | {scores['agreement']:.1%} |" in readme
