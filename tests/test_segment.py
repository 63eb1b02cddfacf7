import pytest

from pipeline.segment import split_sentences

from .conftest import PROJECT

CASES = [
    ("Headline without a stop\n\nBody one. Body two.", ["Headline without a stop", "Body one.", "Body two."]),
    (
        "H\n\nMs. Kallas met Gen. Syrskyi in Kyiv. They spoke for an hour.",
        ["H", "Ms. Kallas met Gen. Syrskyi in Kyiv.", "They spoke for an hour."],
    ),
    (
        "H\n\nThe package is worth $1.5 billion. It arrives in Jan. 2025, officials said.",
        ["H", "The package is worth $1.5 billion.", "It arrives in Jan. 2025, officials said."],
    ),
    (
        'H\n\n"We cannot wait," said Mr. Zelensky. "The time is now."',
        ["H", '"We cannot wait," said Mr. Zelensky.', '"The time is now."'],
    ),
    (
        "H\n\nSen. Graham and Rep. Smith voted no. The U.S. Senate passed the bill anyway.",
        ["H", "Sen. Graham and Rep. Smith voted no.", "The U.S. Senate passed the bill anyway."],
    ),
    (
        "H\n\n- first bullet\n- second bullet\nPlain text follows.",
        ["H", "- first bullet", "- second bullet", "Plain text follows."],
    ),
    ("H\n\nA line that is hard\nwrapped in the middle.", ["H", "A line that is hard\nwrapped in the middle."]),
    ("\n\n  Leading blank lines\n\nBody.", ["Leading blank lines", "Body."]),
    ("", []),
    ("   \n \n", []),
]


@pytest.mark.parametrize("article, expected", CASES)
def test_sentences_and_offsets(article, expected):
    sentences = split_sentences(article)
    assert [s.text for s in sentences] == expected
    for s in sentences:
        assert article[s.start : s.end] == s.text


def test_sample_articles_segment_in_order_without_gaps_or_overlaps():
    files = sorted((PROJECT / "data" / "articles").glob("*.txt"))
    assert len(files) >= 5
    for file in files:
        article = file.read_text(encoding="utf-8")
        sentences = split_sentences(article)
        assert sentences[0].text == article.splitlines()[0].strip()
        assert len(sentences) >= 8
        for before, after in zip(sentences, sentences[1:], strict=False):
            assert before.end <= after.start
            assert article[before.end : after.start].strip() == ""
        covered = "".join(article[s.start : s.end] for s in sentences)
        assert "".join(covered.split()) == "".join(article.split())
