"""`stance findings` on 2,000 synthetic articles with a planted shift: every number on the page and in
the tables equals a direct pandas recomputation from the records."""

from __future__ import annotations

import json

import lxml.html
import numpy as np
import pandas as pd
import pytest

from pipeline.cli import main
from tests.findings import synthetic
from tests.findings.conftest import SCHEMA


def expected(frame: pd.DataFrame, target: str, by: str) -> pd.DataFrame:
    """Sentences, articles and share per (group, position) of sentences on topic, straight from the records."""
    on = frame[frame[target] != "none"].copy()
    on["month"] = on["date"].astype(str).str[:7]
    on["actor"] = on["actor"].fillna("(no speaker)")
    on["source"] = on["source"].fillna("(no source)")
    cells = on.groupby([by, target]).agg(sentences=("text", "size"), articles=("article_id", "nunique"))
    cells["share"] = cells["sentences"] / cells.groupby(level=0)["sentences"].transform("sum")
    return cells


def cells_of(tree, table: str, target: str) -> dict[tuple[str, str], dict[str, float]]:
    """Every number cell of one page table: (row name, position) -> its data attributes."""
    found = tree.xpath(f'//table[@data-table="{table}"][@data-target="{target}"]')
    assert len(found) == 1, (table, target)
    positions = [th.text_content() for th in found[0].xpath("./thead/tr/th")]
    out = {}
    for row in found[0].xpath("./tbody/tr"):
        tds = row.xpath("./td")
        name = tds[0].text_content()
        for position, td in zip(positions, tds, strict=True):
            if "cell" in (td.get("class") or ""):
                out[(name, position)] = {k[5:]: td.get(k) for k in td.attrib if k.startswith("data-")}
    return out


@pytest.mark.parametrize("target", list(synthetic.LABELS))
def test_every_share_over_time_equals_pandas(built, target):
    _, tree, _, frame = built
    want = expected(frame, target, "month")
    shown = cells_of(tree, "over_time", target)
    assert len(shown) == len(want) == 12 * (len(synthetic.LABELS[target]) - 1)
    for (month, position), row in want.iterrows():
        cell = shown[(month, position)]
        assert int(cell["sentences"]) == row["sentences"]
        assert int(cell["articles"]) == row["articles"]
        assert float(cell["share"]) == pytest.approx(row["share"], abs=1e-6)
        assert float(cell["ci-low"]) <= row["share"] + 1e-9 <= float(cell["ci-high"]) + 2e-9
    on = frame[frame[target] != "none"].assign(month=lambda f: f["date"].astype(str).str[:7])
    table = tree.xpath(f'//table[@data-table="over_time"][@data-target="{target}"]')[0]
    for row in table.xpath("./tbody/tr"):
        cells = row.xpath("./td")
        month = on[on["month"] == cells[0].text_content()]
        totals = int(cells[-2].text_content()), int(cells[-1].text_content())
        assert totals == (len(month), month["article_id"].nunique())


@pytest.mark.parametrize(
    ("table", "column"),
    [("actors", "actor"), ("sources", "source"), ("actor_types", "actor_type"), ("actor_countries", "actor_country")],
)
def test_actor_outlet_type_and_country_tables_equal_pandas(built, table, column):
    _, tree, _, frame = built
    frame = frame.assign(**{c: frame[c].replace("", None).fillna("(unknown)") for c in ("actor_type", "actor_country")})
    for target in synthetic.LABELS:
        want = expected(frame, target, column)
        shown = cells_of(tree, table, target)
        assert shown, target
        # Each row's totals: sentences on topic and articles, straight from the records.
        on = frame[frame[target] != "none"].assign(actor=lambda f: f["actor"].fillna("(no speaker)"))
        found = tree.xpath(f'//table[@data-table="{table}"][@data-target="{target}"]')[0]
        for row in found.xpath("./tbody/tr"):
            cells = row.xpath("./td")
            group = on[on[column] == cells[0].text_content()]
            assert int(cells[-2].text_content()) == len(group)
            assert int(cells[-1].text_content()) == group["article_id"].nunique()
        for (name, position), cell in shown.items():
            row = want.loc[(name, position)] if (name, position) in want.index else None
            sentences = 0 if row is None else row["sentences"]
            assert int(cell["sentences"]) == sentences, (target, name, position)
            if row is not None:
                assert int(cell["articles"]) == row["articles"]
                assert float(cell["share"]) == pytest.approx(row["share"], abs=1e-6)


def test_the_planted_shift_tops_the_aid_shifts_with_counts_from_pandas(built):
    out, tree, _, frame = built
    rows = tree.xpath('//table[@class="shifts"][@data-target="aid"]/tbody/tr')
    first = rows[0]
    assert first.get("data-group") == synthetic.PLANTED
    before, after = first.xpath('./td[contains(@class, "cell")]')
    assert before.text_content().startswith("2024-06") and after.text_content().startswith("2024-07")
    planted = frame[(frame["actor"] == synthetic.PLANTED) & (frame["aid"] != "none")].copy()
    planted["month"] = planted["date"].astype(str).str[:7]
    position = first.get("data-position")
    for cell, month in ((before, "2024-06"), (after, "2024-07")):
        there = planted[planted["month"] == month]
        assert int(cell.get("data-group-sentences")) == len(there)
        assert int(cell.get("data-sentences")) == int((there["aid"] == position).sum())
    change = first.xpath("./td[@data-change]")[0]
    low, high = float(change.get("data-ci-low")), float(change.get("data-ci-high"))
    assert abs(float(change.get("data-change"))) > 0.5 and (low > 0.3 or high < -0.3)
    # The same shift in shifts.csv, with the interval on the page.
    table = pd.read_csv(out / "shifts.csv")
    mine = table[(table["group"] == synthetic.PLANTED) & (table["position"] == position)].iloc[0]
    assert (mine["period_before"], mine["period_after"]) == ("2024-06", "2024-07")
    assert mine["ci_low"] == pytest.approx(low, abs=1e-5) and mine["ci_high"] == pytest.approx(high, abs=1e-5)


def test_intervals_are_about_as_wide_as_the_article_clustered_standard_error(built):
    out, _, _, frame = built
    table = pd.read_csv(out / "over_time.csv")
    aid = frame[frame["aid"] != "none"].assign(month=lambda f: f["date"].astype(str).str[:7])
    month = aid[aid["month"] == "2024-03"]
    per_article = month.groupby("article_id")["aid"].agg(n="size", y=lambda s: int((s == "support").sum()))
    share = per_article["y"].sum() / per_article["n"].sum()
    m = len(per_article)
    se = np.sqrt(m / (m - 1) * ((per_article["y"] - share * per_article["n"]) ** 2).sum()) / per_article["n"].sum()
    row = table[(table["target"] == "aid") & (table["period"] == "2024-03") & (table["position"] == "support")].iloc[0]
    assert row["share"] == pytest.approx(share, abs=1e-6)
    assert (row["ci_high"] - row["ci_low"]) / (2 * 1.96 * se) == pytest.approx(1.0, abs=0.2)


def test_tidy_tables_have_the_documented_columns_and_match_the_page(built):
    out, tree, _, _ = built
    for name in ("over_time", "actors", "sources", "actor_types", "actor_countries", "grouped"):
        table = pd.read_csv(out / f"{name}.csv", keep_default_na=False)
        assert list(table.columns[:10]) == [
            *("target", "dimension", "period", "group", "position"),
            *("sentences", "articles", "share", "ci_low", "ci_high"),
        ], name
    actors = pd.read_csv(out / "actors.csv", keep_default_na=False)
    planted = actors[(actors["group"] == synthetic.PLANTED) & (actors["target"] == "aid")]
    assert set(planted["actor_country"]) == {"Freedonia"} and set(planted["actor_type"]) == {"minister"}
    cell = cells_of(tree, "actors", "aid")[(synthetic.PLANTED, "support")]
    assert int(cell["sentences"]) == int(planted[planted["position"] == "support"]["sentences"].iloc[0])


def test_grouped_table_follows_by(built):
    out, _, _, frame = built
    grouped = pd.read_csv(out / "grouped.csv", keep_default_na=False)
    assert set(grouped["dimension"]) == {"actor|month|source"}
    row = grouped[(grouped["target"] == "peace_talks") & (grouped["position"] == "oppose")].iloc[0]
    actor, source = row["group"].split(" | ")
    there = frame[
        (frame["actor"].fillna("(no speaker)") == actor)
        & (frame["source"] == source)
        & (frame["date"].astype(str).str[:7] == row["period"])
        & (frame["peace_talks"] != "none")
    ]
    assert row["group_sentences"] == len(there)
    assert row["sentences"] == int((there["peace_talks"] == "oppose").sum())


def test_every_cell_with_sentences_opens_a_sample_of_them(built):
    _, tree, page, frame = built
    examples = json.loads(tree.xpath('//script[@id="examples"]')[0].text_content())
    by_id = frame.set_index(["article_id", "sentence_index"])
    checked = 0
    for td in tree.xpath('//table[@data-table="actors"][@data-target="aid"]//td[@data-cell]'):
        item = examples[td.get("data-cell")]
        assert item["total"] == int(td.get("data-sentences"))
        assert 1 <= len(item["rows"]) <= min(5, item["total"])
        for article_id, index, text, *_ in item["rows"]:
            record = by_id.loc[(article_id, index)]
            assert record["text"] == text
            assert (record["actor"] if isinstance(record["actor"], str) else "(no speaker)") in item["title"]
            checked += 1
    assert checked > 100
    # Article text reaches the page only as escaped JSON: no markup from the articles.
    assert "<b>&amp;</b>" not in page and "\\u003cb>" in page


def test_min_confidence_moves_labels_to_uncertain_without_dropping_them(stream, tmp_path):
    _, path, frame = stream
    frame = frame.head(3000)
    path = tmp_path / "head.jsonl"
    path.write_text("".join(stream[1].read_text(encoding="utf-8").splitlines(keepends=True)[:3000]), encoding="utf-8")
    code = main(["findings", str(path), "-o", str(tmp_path), "--min-confidence", "0.6", "--schema", SCHEMA])
    assert code == 0
    table = pd.read_csv(tmp_path / "over_time.csv")
    aid = table[table["target"] == "aid"]
    assert aid["sentences"].sum() == int((frame["aid"] != "none").sum())
    low = (frame["aid"] != "none") & (frame["aid_confidence"] < 0.6)
    assert aid[aid["position"] == "uncertain"]["sentences"].sum() == int(low.sum())
    page = (tmp_path / "findings.html").read_text(encoding="utf-8")
    assert "labels below confidence 0.6 count as uncertain" in page


def test_date_range_and_targets_filter_and_say_so(stream, tmp_path):
    _, path, frame = stream
    args = ["--since", "2024-03-01", "--until", "2024-04-30", "--targets", "aid", "--schema", SCHEMA]
    assert main(["findings", str(path), "-o", str(tmp_path), *args]) == 0
    table = pd.read_csv(tmp_path / "over_time.csv")
    assert set(table["target"]) == {"aid"} and set(table["period"]) == {"2024-03", "2024-04"}
    dated = frame[(frame["date"] >= "2024-03-01") & (frame["date"] <= "2024-04-30") & (frame["aid"] != "none")]
    assert table["sentences"].sum() == len(dated)
    filters = lxml.html.fromstring((tmp_path / "findings.html").read_bytes()).xpath('//ul[@id="filters"]')[0]
    assert "2024-03-01 to 2024-04-30" in filters.text_content() and "targets: aid" in filters.text_content()


def test_parquet_in_and_out(stream, tmp_path):
    _, _, frame = stream
    source = tmp_path / "classified.parquet"
    frame.head(3000).to_parquet(source, index=False)
    assert main(["findings", str(source), "-o", str(tmp_path / "out"), "--format", "parquet", "--schema", SCHEMA]) == 0
    table = pd.read_parquet(tmp_path / "out" / "sources.parquet")
    head = frame.head(3000)
    assert table[table["target"] == "aid"]["sentences"].sum() == int((head["aid"] != "none").sum())


def test_a_partitioned_dataset_reads_as_the_single_file(stream, tmp_path):
    """What `stance classify --engine dask` writes: a folder of part-NNNNN.parquet files and a manifest."""
    _, path, frame = stream
    head = frame.head(3000).assign(date=lambda f: pd.to_datetime(f["date"]).dt.strftime("%Y-%m-%d"))
    single = tmp_path / "single.jsonl"
    head.to_json(single, orient="records", lines=True)
    dataset = tmp_path / "classified"
    dataset.mkdir()
    for i, start in enumerate((0, 1000, 2000)):
        head.iloc[start : start + 1000].to_parquet(dataset / f"part-{i:05d}.parquet", index=False)
    (dataset / "_classify.json").write_text('{"finished": true}', encoding="utf-8")
    (dataset / ".part-00003.parquet.tmp").write_text("a partial part", encoding="utf-8")
    for source, out in ((single, tmp_path / "a"), (dataset, tmp_path / "b")):
        assert main(["findings", str(source), "-o", str(out), "--schema", SCHEMA, "--no-progress"]) == 0
    for name in ("over_time", "actors", "sources", "shifts"):
        a, b = (pd.read_csv(tmp_path / side / f"{name}.csv") for side in ("a", "b"))
        pd.testing.assert_frame_equal(a, b, obj=name)
