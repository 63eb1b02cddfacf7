from pathlib import Path

import pandas as pd
import pytest

from pipeline import StanceError
from pipeline.data import labeled as data
from pipeline.data import schema
from tests.helpers import PROJECT

SCHEMA = schema.load(PROJECT / "data" / "schema.yaml")
HEADER = "id,article_id,text,membership_timing,aid,peace_talks\n"
GOOD_ROWS = [
    'a1,,"Kyiv wants an invitation at the summit, not another communique.",now,none,none',
    'a2,,"The Pentagon announced a new tranche of artillery shells for Ukraine.",none,support,none',
    'a3,,"Envoys will meet in Geneva next week to discuss a ceasefire.",none,none,neutral',
]


def _folder(tmp_path: Path, body: str, name: str = "batch.csv", header: str = HEADER) -> Path:
    folder = tmp_path / "labeled"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(header + body, encoding="utf-8")
    return folder


def _problems(folder: Path) -> str:
    with pytest.raises(StanceError) as info:
        data.load_labeled(folder, SCHEMA)
    return str(info.value)


def test_good_rows_load_with_provenance(tmp_path):
    frame = data.load_labeled(_folder(tmp_path, "\n".join(GOOD_ROWS) + "\n"), SCHEMA)
    assert list(frame["id"]) == ["a1", "a2", "a3"]
    assert list(frame["article_id"]) == ["a1", "a2", "a3"]  # empty article_id: its own group
    assert list(frame["source_row"]) == [1, 2, 3]


def test_unknown_label_names_file_row_and_target(tmp_path):
    body = GOOD_ROWS[0] + "\n" + 'a2,,"Berlin will send more Leopard tanks.",none,maybe,none\n'
    message = _problems(_folder(tmp_path, body))
    assert "labeled/batch.csv row 2 (id a2)" in message
    assert "'maybe' is not a label of aid" in message


def test_empty_text_and_empty_label(tmp_path):
    body = 'a1,,,none,none,none\na2,,"Seoul ruled out sending lethal weapons.",none,,none\n'
    message = _problems(_folder(tmp_path, body))
    assert "row 1 (id a1): empty text" in message
    assert "row 2 (id a2): an empty cell is not a label of aid" in message


def test_missing_column_is_named(tmp_path):
    header = "id,article_id,text,membership_timing,aid\n"
    message = _problems(_folder(tmp_path, 'a1,,"Some text.",none,none\n', header=header))
    assert "labeled/batch.csv: missing column(s) peace_talks" in message


def test_duplicate_id_across_files(tmp_path):
    folder = _folder(tmp_path, GOOD_ROWS[0] + "\n")
    (folder / "more.csv").write_text(HEADER + 'a1,,"A different sentence about grain exports.",none,none,none\n')
    message = _problems(folder)
    assert "labeled/more.csv row 1 (id a1): duplicate id 'a1' (first at labeled/batch.csv row 1" in message


def test_duplicate_text_ignores_case_and_punctuation(tmp_path):
    twin = 'a9,,"Kyiv wants an invitation at the summit -- not another communique",now,none,none\n'
    body = GOOD_ROWS[0] + "\n" + twin
    assert "row 2 (id a9): duplicate text of labeled/batch.csv row 1 (id a1)" in _problems(_folder(tmp_path, body))


def test_near_duplicate_text_is_refused(tmp_path):
    body = (
        "\n".join(GOOD_ROWS)
        + "\n"
        + (
            'b1,,"Polish farmers blocked border crossings again on Monday, protesting against cheap grain.",'
            "none,none,none\n"
            'b2,,"Polish farmers blocked border crossings again on Monday, protesting against cheap grain and sugar.",'
            "none,none,none\n"
        )
    )
    message = _problems(_folder(tmp_path, body))
    assert "(id b2): near-duplicate (cosine" in message and "(id b1)" in message


def test_ragged_csv_is_one_line_error(tmp_path):
    message = _problems(_folder(tmp_path, 'a1,,"text",none,none,none,extra,cells\n'))
    assert message == f"{tmp_path / 'labeled' / 'batch.csv'} line 2: 8 cells where the header has 6"


def test_every_problem_is_reported_at_once(tmp_path):
    body = 'a1,,,none,none,none\na1,,"Another sentence entirely.",soon,none,none\n'
    lines = _problems(_folder(tmp_path, body)).splitlines()
    assert len(lines) == 3  # empty text, duplicate id, unknown label


def test_shipped_corpus_passes_validation(shipped_corpus):
    frame = shipped_corpus
    assert len(frame) >= 600
    counts = data.label_counts(frame, SCHEMA)
    for target in SCHEMA.targets:
        for label in target.positions:
            assert counts[target.name][label] >= 40, (target.name, label)
        assert counts[target.name]["neutral"] >= 60
    full_articles = frame[frame["sentence_index"] != ""].groupby("article_id").size()
    assert (full_articles >= 5).sum() >= 25


def test_split_is_grouped_by_article_and_covers_every_position(shipped_corpus):
    frame = shipped_corpus
    in_house = frame[frame["source_url"] == ""].reset_index(drop=True)
    for salt in ("42", "1", "2"):
        train, test = data.split(in_house, 0.2, salt)
        assert not set(train["article_id"]) & set(test["article_id"])
        assert len(train) + len(test) == len(in_house)
        assert 0.15 < test["article_id"].nunique() / in_house["article_id"].nunique() < 0.25
        for target in SCHEMA.targets:
            assert set(target.positions) <= set(test[target.name])


def test_adding_articles_moves_no_statement_between_train_and_test(shipped_corpus):
    frame = shipped_corpus
    in_house = frame[frame["source_url"] == ""].reset_index(drop=True)
    some = in_house[in_house["article_id"].isin(sorted(set(in_house["article_id"]))[::2])]
    _, before = data.split(some.reset_index(drop=True), 0.2, "42")
    _, after = data.split(in_house, 0.2, "42")
    assert set(before["id"]) <= set(after["id"])
    assert set(after["id"]) - set(before["id"]) <= set(in_house["id"]) - set(some["id"])


def test_split_needs_two_articles_and_both_sides():
    frame = pd.DataFrame(
        {
            "article_id": ["x", "x"],
            "membership_timing": ["now", "none"],
            "aid": ["none", "none"],
            "peace_talks": ["none", "none"],
        }
    )
    with pytest.raises(StanceError, match="need at least 2 articles"):
        data.split(frame, 0.2, "0")
    with pytest.raises(StanceError, match="every article fell on the"):
        data.split(frame.assign(article_id=["x", "y"]), 0.01, "0")
