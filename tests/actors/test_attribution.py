import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.actors import attribution
from pipeline.actors.registry import Registry
from pipeline.text.segment import split_sentences
from tests.helpers import PROJECT


def _speakers(article: str) -> list[str | None]:
    return attribution.attribute(article, split_sentences(article))


@pytest.mark.parametrize(
    "body, expected",
    [
        ('"We will not wait," the minister said.', "minister-ref"),
        ('"Ukraine belongs in NATO," said Mark Rutte.', "Mark Rutte"),
        ('"No more weapons," Viktor Orban told reporters in Budapest.', "Viktor Orban"),
        ("Orban told reporters that Hungary would veto the package.", "Orban"),
        ("Foreign Minister Andrii Sybiha stressed that Kyiv needs an invitation.", "Andrii Sybiha"),
        ("The Kremlin said talks were premature.", "Kremlin"),
        ("According to Peskov, the weapons only prolong the war.", "Peskov"),
        ("Kremlin spokesman Dmitry Peskov warned that the move was dangerous.", "Dmitry Peskov"),
        ("Kyiv insists on a clear timetable for accession.", "Kyiv"),
        ("Hungary blocked the fund again on Monday.", "Hungary"),
        ("Sen. Graham has long argued for more aid.", "Graham"),
        ("Szijjarto: Hungary will not send weapons", "Szijjarto"),
        ("It is time to send the jets.", None),
        # "de" inside "aide" looks like a name particle; an actor must start a word.
        (
            "Presidential aide Mykhailo Podolyak, speaking on national television, said the plan was a non-starter.",
            "Mykhailo Podolyak",
        ),
    ],
)
def test_single_sentence_attribution(body, expected):
    article = "Headline\n\nChancellor Olaf Scholz spoke first. " + body
    found = _speakers(article)[-1]
    if expected == "minister-ref":
        assert found == "Olaf Scholz"  # "the minister" resolves to the last named actor in the paragraph
    else:
        assert found == expected


def test_pronouns_resolve_to_the_last_named_actor_of_the_paragraph():
    article = "Headline\n\nPolish President Andrzej Duda arrived in Vilnius. He said the invitation must come now."
    assert _speakers(article)[-1] == "Andrzej Duda"


def test_a_quote_over_two_sentences_shares_its_attribution():
    article = (
        'Headline\n\n"Ukraine cannot wait for the guns to fall silent," said Kaja Kallas. '
        '"Every month of delay is a gift to Moscow."\n\n"Nobody expects a deal," a diplomat said.'
    )
    found = _speakers(article)
    assert found[1] == "Kaja Kallas"
    assert found[2] == "Kaja Kallas"  # bare quote, attribution in the sentence before
    assert found[3] != "Kaja Kallas"  # a new paragraph starts a new quotation


def test_a_bare_quote_borrows_the_attribution_that_follows_it():
    article = 'Headline\n\n"We have waited long enough." "Now the allies must act," Duda told reporters.'
    assert _speakers(article)[1:] == ["Duda", "Duda"]


@pytest.mark.parametrize(
    "gold, found, same",
    [
        ("Mark Rutte", "Rutte", True),
        ("Russian government", "Russia", True),
        ("author", None, True),
        ("author", "Kremlin", False),
        ("Kremlin", None, False),
        ("Viktor Orban", "Robert Fico", False),
    ],
)
def test_lenient_actor_matching(gold, found, same):
    assert attribution._same_actor(gold, found) is same


def test_accuracy_on_the_labeled_articles():
    frames = [
        pd.read_csv(f, dtype=str, keep_default_na=False) for f in (PROJECT / "data" / "labeled").glob("articles_*.csv")
    ]
    registry = Registry.load(PROJECT / "data" / "actors.yaml")
    result = attribution.accuracy(pd.concat(frames), registry)
    assert result["sentences"] >= 500
    # Strict (names, not shared prefixes): 0.655 when written; the lenient measure it replaced gave 0.685.
    assert result["accuracy"] >= 0.62, result
    assert result["accuracy"] <= result["lenient_accuracy"]


# The plain definition of a verb occurrence, which `_verbs` computes in a cheaper way.
_VERB_REFERENCE = re.compile(rf"(?<![A-Za-z]){attribution._VERB}(?![^\W_])")


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "said",
                "says",
                "told reporters",
                "told",
                "reportersx",
                "made clear",
                "made",
                "clear",
                "pointed out",
                "points",
                "out",
                "sets",
                "warned",
                "warns",
                "Said",
                "well-",
                "un",
                "x",
                "_",
                "5",
                "é",
                " ",
                "  ",
                ",",
                ".",
                '"',
                "\u201c",
                "\u201d",
                "\n",
                "(",
                "Rutte",
                "\u2019",
                "?",
            ]
        ),
        max_size=14,
    ).map("".join)
)
def test_verbs_are_found_where_the_plain_definition_finds_them(text):
    assert attribution._verbs(text) == [m.span() for m in _VERB_REFERENCE.finditer(text)]


def test_a_weekday_or_month_is_never_the_speaker():
    article = (
        "Summit ends\n\nTHE HAGUE (wire) - NATO leaders on Wednesday told Ukraine it would join one day. "
        "In March said nobody anything. Officials on Tuesday said the decision was final."
    )
    found = _speakers(article)
    assert not {"Wednesday", "Tuesday", "March"} & set(found)


# Invented phrases: a name with no person after its titles stays whole instead of losing its first words.
@pytest.mark.parametrize(
    "phrase, name",
    [
        ("the White House", "White House"),
        ("the European Union", "European Union"),
        ("Western officials", "Western officials"),
        ("A Kremlin spokesman", "Kremlin"),
        ("A Slovenian Foreign Ministry spokeswoman", "Slovenian Foreign Ministry"),
        ("A White House official", "White House official"),
        ("Minister-President Anna Kowalczyk", "Anna Kowalczyk"),
        ("Latvian MP Ilze Ozola", "Ilze Ozola"),
        ("Defence Secretary Tom Hargreave", "Tom Hargreave"),
        ("the Kremlin", "Kremlin"),
    ],
)
def test_canonical_names_keep_institutions_and_groups_whole(phrase, name):
    assert attribution.canonical(phrase) == name


@pytest.mark.parametrize(
    "body, expected",
    [
        # A clause-opening preposition or conjunction is not part of the speaker's name.
        ("Under Pope Clement, the Holy See offered to mediate between the two sides.", "Holy See"),
        ("Once Varga had left the room, Senator Ilse Brandt said the aid must continue.", "Ilse Brandt"),
        # A dateline or an interviewer's label before a colon is not the speaker.
        ("TALLINN: Foreign Minister Aivar Koppel warned that a ban on accession would reward Moscow.", "Aivar Koppel"),
        ("HOST: Should the alliance invite Kyiv this year?", None),
        ("Details: Koppel said the invitation must come before winter.", "Koppel"),
        ("Koppel: the invitation must come before winter", "Koppel"),
    ],
)
def test_openers_and_labels_are_not_speakers(body, expected):
    assert _speakers("Headline\n\nThe summit opened in the rain. " + body)[-1] == expected


_REGISTRY = Registry.from_entries(
    [
        {"name": "Boris Velkov", "aliases": ["Velkov"], "country": "Russia", "type": "head_of_state_or_government"},
        {"name": "Greta Lind", "aliases": ["Lind"], "country": "Norway", "type": "minister"},
        {"name": "Government of Norway", "aliases": ["Norway", "Oslo"], "country": "Norway", "type": "government_body"},
    ]
)


def _registered_speakers(article: str) -> list[str | None]:
    return attribution.attribute(article, split_sentences(article), registry=_REGISTRY)


def test_a_description_of_one_person_refers_back_to_that_person():
    article = (
        "Talks resume\n\nBoris Velkov met envoys in the capital. Foreign Minister Greta Lind said the talks were "
        "useful. Neutrality must be written into any treaty, the Russian leader said."
    )
    assert _registered_speakers(article)[-1] == "Boris Velkov"  # the nearest person is Lind, but not Russian


def test_he_and_she_refer_to_people_not_to_countries():
    article = (
        "Air defence\n\nForeign Minister Greta Lind arrived in Kyiv. Norway will pay for two more batteries, "
        "officials in Oslo confirmed. Norway announced the money on Monday. She said more would follow."
    )
    assert _registered_speakers(article)[-1] == "Greta Lind"


def test_a_pronoun_after_the_sentences_own_subject_is_that_subject():
    article = (
        "Debate\n\nGreta Lind spoke first. "
        "Party chairman Jonas Falk drew criticism on Tuesday when he suggested freezing the front line."
    )
    assert _registered_speakers(article)[-1] == "Jonas Falk"


@pytest.mark.parametrize(
    "body, expected",
    [
        # A place after "of" is where the person comes from, not who speaks.
        ("Senator Jane Roe of Ohio said the aid must not stop.", "Jane Roe"),
        ("Rep. Greg Moss of New York, the senior Democrat on the panel, said the pause was reckless.", "Greg Moss"),
        # A description opening the sentence, with the holder's name in apposition.
        ("The Prime Minister of Freedonia, Jan Novak, said Kyiv must be invited.", "Jan Novak"),
        ("Estonia's defence minister, Jaan Tamm, went further, arguing that a freeze rewards Moscow.", "Jaan Tamm"),
        ("Its largest shareholder, Tomas Berka, said the plant should keep making shells.", "Tomas Berka"),
        # A generic group with its most prominent member named.
        ("Critics of the plan, most prominently Chancellor Eva Berg, say it invites escalation.", "Eva Berg"),
        ("Some senators, including Senator Al Roe of Utah, oppose sending more money.", "Al Roe"),
        ("Those against a delivery, Chancellor Olaf Brenner first among them, argue it is too risky.", "Olaf Brenner"),
        # An apposition that is a description leaves the named head in place.
        ("Mark Ostrow, the alliance's chief, said the door remains open.", "Mark Ostrow"),
    ],
)
def test_the_named_person_beside_a_place_description_or_group_speaks(body, expected):
    assert _speakers("Headline\n\nThe summit opened in the rain. " + body)[-1] == expected


def test_two_coordinated_subjects_hold_the_position_together():
    article = "Headline\n\nThe summit opened. Freedonia and Sylvania have refused to back any invitation this year."
    assert _speakers(article)[-1] == "Freedonia and Sylvania"
