"""speakers.csv: one row per actor and target, with spellings of an unregistered actor merged across articles."""

import pandas as pd

from pipeline.classify.summary import summarise

TARGETS = ["aid"]
POSITIONS = {"aid": {"support", "oppose"}}
LABELS = {"aid": ["support", "oppose", "neutral", "none"]}


def _record(article: str, index: int, speaker: str, label: str, actor=None, country=None, kind=None) -> dict:
    return {
        "article_id": article,
        "sentence_index": index,
        "speaker": speaker,
        "actor": actor or speaker,
        "actor_country": country,
        "actor_type": kind,
        "aid": label,
        "aid_confidence": 0.9,
    }


def test_unregistered_spellings_and_bare_surnames_merge_across_articles(tmp_path):
    records = [
        _record("a", 0, "Jan Novak", "oppose"),
        _record("b", 0, "Novak", "oppose"),  # a bare surname in another article: the one Jan Novak
        _record("c", 0, "Jan Novák", "support"),  # the same name with a diacritic
        _record("d", 0, "Petr Dvorak", "support"),
        _record("e", 0, "Tomas Dvorak", "oppose"),
        _record("f", 0, "Dvorak", "support"),  # two full names end in Dvorak: left alone
        _record("g", 0, "Zelenskyy", "support", "Volodymyr Zelensky", "Ukraine", "head_of_state_or_government"),
        _record("h", 0, "Zelensky", "support", "Volodymyr Zelensky", "Ukraine", "head_of_state_or_government"),
    ]
    summarise(iter(records), TARGETS, POSITIONS, LABELS, tmp_path)
    rows = pd.read_csv(tmp_path / "speakers.csv", keep_default_na=False).set_index("actor")
    assert sorted(rows.index) == ["Dvorak", "Jan Novak", "Petr Dvorak", "Tomas Dvorak", "Volodymyr Zelensky"]
    novak = rows.loc["Jan Novak"]
    assert (novak["statements"], novak["oppose"], novak["support"], novak["articles"]) == (3, 2, 1, 3)
    assert set(novak["names_seen"].split(" | ")) == {"Jan Novak", "Novak", "Jan Novák"}
    zelensky = rows.loc["Volodymyr Zelensky"]
    assert (zelensky["statements"], zelensky["actor_country"]) == (2, "Ukraine")
