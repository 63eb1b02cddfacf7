import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.actors import attribution
from pipeline.actors.registry import Registry
from pipeline.text.segment import Sentence, split_sentences
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
    # As classify writes it, a sentence the model finds no position in gets no borrowed source: with no
    # position anywhere, fewer holders are right, and never more.
    labeled = pd.concat(frames, ignore_index=True)
    none_held = attribution.accuracy(labeled, registry, held=pd.Series(False, index=labeled.index))
    assert none_held["sentences"] == result["sentences"] and none_held["correct"] < result["correct"]


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
        ("Belarusian MFA", "Belarusian Foreign Ministry"),
        ("Several Republican senators", "Republican senators"),
        ("Pope Leo", "Pope Leo"),  # a pope's name is his title and regnal name, not a surname "Leo"
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


def _attribute_rows(rows: list[str]) -> list[str | None]:
    """Attribute sentences as a labeled article gives them (one row each), the way `accuracy` rebuilds it."""
    return attribution.attribute(*attribution.article_of_rows(rows))


def test_sentences_inside_a_long_quotation_are_its_speakers():
    # Labeled rows (and pages whose quotes the splitter cannot hold together) cut a quotation into sentences.
    found = _attribute_rows(
        [
            "Headline",
            '"We have held this line for three winters.',
            "There is no fatigue in the trenches.",
            'What wears us down is waiting for shells," Defence Minister Ilona Varga said at the base.',
            "The ministry later published the remarks.",
        ]
    )
    assert found[1:4] == ["Ilona Varga"] * 3
    rows = ["Headline", '"We hold the line.', 'We need shells," Ilona Varga said.', "The remarks were published."]
    article = rows[0] + "\n\n" + " ".join(rows[1:])
    sentences = [Sentence(article.index(r), article.index(r) + len(r), r) for r in rows]
    methods = attribution.attribute_with_methods(article, sentences, needed=[False] * 4)[1]
    assert methods[1] == "continued_quote" and methods[3] is None  # the quotation closed before it


def test_a_quotation_that_never_closes_lends_its_speaker_to_three_sentences_at_most():
    opened = ["Headline", '"Supplies must keep coming," said Marta Kolar, "and they must come now.']
    assert _attribute_rows([*opened, "It is late in the year.", "There is no time to lose."])[2:] == ["Marta Kolar"] * 2
    assert _attribute_rows([*opened, "One.", "Two.", "Three.", "Four."])[2:] == [None] * 4


def test_a_first_person_sentence_after_a_quote_goes_on_speaking_for_the_quoted():
    article = (
        "Headline\n\nThe delegation arrived on Monday. "
        '"Our pledge stands," General Piotr Nowak told the troops. We will send the next battalion in May. '
        "The rain stopped by noon."
    )
    # (The last sentence holds no position: a report's last source is borrowed only by positions.)
    found = attribution.attribute(article, split_sentences(article), needed=[True] * 4 + [False])
    assert found[2:4] == ["Piotr Nowak", "Piotr Nowak"] and found[4] is None


def test_a_closing_source_outranks_the_claims_own_subject():
    body = [
        ("Oslo hopes a truce can be agreed before winter, Foreign Minister Greta Lind told reporters.", "Greta Lind"),
        ("Norway will not cut its funding, said Greta Lind.", "Greta Lind"),
        # A person's own act keeps its holder even when an institution reports it.
        ("President Boris Velkov agreed to pause the strikes, the Kremlin said.", "Boris Velkov"),
        # A name after "said" that opens a clause is what was said about, not the source.
        ("Premier Jonas Falk, who has long argued for talks, said Norway had no say in the matter.", "Jonas Falk"),
        # A source after a colon, and the named voice of a body that acted.
        ("Not every party agreed: Foreign Minister Greta Lind said the money was wasted.", "Greta Lind"),
        ("Oslo rejected the plan, with Greta Lind calling it a trap for Kyiv.", "Greta Lind"),
    ]
    for text, expected in body:
        assert _registered_speakers("Headline\n\nThe talks went on. " + text)[-1] == expected, text


@pytest.mark.parametrize(
    "body, expected",
    [
        ("In Lind's view, the alliance cannot keep the door half open.", "Greta Lind"),
        ("In the Kremlin's view, every new battery prolongs the war.", "Kremlin"),
        ("In her words, the aid is an investment in Norway's own safety.", "Greta Lind"),
    ],
)
def test_in_someones_view_names_the_holder(body, expected):
    assert _registered_speakers("Headline\n\nForeign Minister Greta Lind spoke in Oslo. " + body)[-1] == expected


def test_answers_in_an_interview_are_the_interviewees():
    article = (
        "'We will not trade land for quiet': a conversation with Kyiv's envoy\n\n"
        "Halyna Moroz, Ukraine's ambassador to the alliance, spoke to us by video on Friday. "
        "Q: Are you disappointed by the summit? "
        "A: Disappointed is too small a word. "
        "We were promised a door and given a corridor. "
        "Q: What would satisfy you? "
        "A: An invitation with a date on it."
    )
    found = _speakers(article)
    assert found[3:5] == ["Halyna Moroz", "Halyna Moroz"] and found[-1] == "Halyna Moroz"
    assert found[2] is None and found[5] is None  # the questions are the interviewer's


def test_turns_of_a_transcript_belong_to_their_labelled_speaker():
    article = (
        "Briefing\n\nDEPUTY SPOKESPERSON ANNA REYES: Good afternoon, everyone. "
        "Every item in the package is meant for the fight in the east. "
        "HOST: Thank you. "
        "Some listeners wrote in about the cost."
    )
    found = _speakers(article)
    assert found[1:3] == ["Anna Reyes", "Anna Reyes"]
    assert found[3:] == [None, None]  # a one-word label (a host, a dateline) names no one


def test_a_transcripts_title_and_surname_labels_name_their_speaker():
    article = (
        "Remarks by President Ann Hale and Prime Minister Olaf Brenner Before Their Meeting\n\n"
        "THE PRESIDENT: Thanks for coming. We will keep the shells moving to Kyiv. "
        "Q: Will you cut the package? "
        "PRIME MINISTER BRENNER: Not at all. Our own deliveries go on through the winter. "
        "MR. OKAFOR: Last question, please. "
        "Is a ceasefire close?"
    )
    found = _registered_speakers(article)
    assert found[1:3] == ["Ann Hale", "Ann Hale"]  # "THE PRESIDENT" is the heading's first president
    assert found[3] is None  # the reporter's question
    assert found[4:6] == ["Brenner", "Brenner"]  # a surname that came with its title
    assert found[6:] == ["Okafor", "Okafor"]  # "MR." marks a person too
    registered = "Talks\n\nA note on the talks. LIND: We back the talks. HOST: Thank you."
    assert _registered_speakers(registered)[2:] == ["Lind", None]  # a registered surname alone is enough


def test_a_description_with_a_country_never_takes_a_person_of_another_country():
    article = (
        "Ministers meet on the package\n\n"
        "Greta Lind arrived in Brussels on Wednesday, hours after the meeting opened. "
        "The Slovak premier said the war has to end at the negotiating table. "
        "The Norwegian minister said the shells would keep coming."
    )
    found = _registered_speakers(article)
    assert found[2] == "Slovak premier"  # no Slovak named: the description itself, not Greta Lind
    assert found[3] == "Greta Lind"


def test_a_title_case_headline_names_its_source_before_the_verb():
    found = _registered_speakers("Oslo Says No Breakthrough Expected at Geneva Talks\n\nThe talks resumed on Monday.")
    assert found[0] == "Oslo"  # not "Oslo Says No Breakthrough Expected"
    found = _registered_speakers("Lind Tells Velkov Norway Will Keep Sending Shells\n\nThe talks resumed on Monday.")
    assert found[0] == "Lind"  # not "Norway", the subject of the reported clause
    found = _registered_speakers("Norway will keep sending shells, says Lind\n\nThe talks resumed on Monday.")
    assert found[0] == "Lind"  # a headline in sentence case is read as it is


def test_a_role_owned_by_a_country_or_a_person_is_a_description_of_one_person():
    article = (
        "Velkov meets the Norwegian envoy\n\n"
        "Boris Velkov received Greta Lind in Moscow, where Ivan Sorin also sat in. "
        "Velkov's aide said the momentum had faded. "
        "Ukraine will never be in NATO, Russia's president said. "
        "Norway's foreign minister said the shells would keep coming. "
        "Kyiv must give up the east, a day after Russian negotiators walked out, Velkov's spokesman said."
    )
    found = _registered_speakers(article)
    assert found[2] == "Ivan Sorin"  # the aide is not Velkov himself
    assert found[3] == "Boris Velkov"  # a president: the head of state, not the aide named just before
    assert found[4] == "Greta Lind"
    assert found[5] == "Ivan Sorin"  # not "day after Russian negotiators"


def test_a_description_may_name_its_person_just_after():
    article = (
        "Ministers gather\n\n"
        "The talks opened in Brussels. "
        "The Norwegian minister said the shells would keep coming. "
        "Greta Lind told reporters the first batch had left."
    )
    assert _registered_speakers(article)[2] == "Greta Lind"


def test_transcript_labels_in_mixed_case_on_their_own_line_or_with_a_full_stop():
    own_line = (
        "Press stake-out with Secretary General Mara Voss after the meeting\n\n"
        "Question:\n\nWill the allies keep paying?\n\n"
        "Secretary General Mara Voss:\n\nI have no doubt about it. The shells will keep coming.\n\n"
        "Question:\n\nAnd the talks?\n\n"
        "Secretary General:\n\nWe back them, but not at any price."
    )
    found = _registered_speakers(own_line)
    assert found[1:3] == [None, None]  # the reporter's turn
    assert found[4:6] == ["Mara Voss", "Mara Voss"]
    assert found[-1] == "Mara Voss"  # a title alone: the person the page named with it
    full_stops = (
        "Remarks before a meeting with President Ann Hale\n\n"
        "President Hale.\n\nThank you. We will keep the shells moving.\n\n"
        "Q.\n\nWill you cut the package?\n\n"
        "President Hale.\n\nNo. Our deliveries go on."
    )
    found = _registered_speakers(full_stops)
    assert found[2] == "Ann Hale" and found[-1] == "Ann Hale"
    assert found[5] is None  # a question, not a letter signed "President Hale"


def test_a_reporters_q_without_a_colon_ends_a_turn_and_a_capitalised_surname_is_a_label():
    article = (
        "Remarks by the Prime Minister\n\n"
        "PRIME MINISTER BRENNER: Our deliveries go on through the winter. "
        "Q Prime Minister, will you send jets? "
        "McGRATH, DEFENCE MINISTER OF THE REPUBLIC: Not this year. We will send shells instead."
    )
    found = _registered_speakers(article)
    assert found[1] == "Brenner" and found[2] is None
    assert found[3:] == ["McGRATH", "McGRATH"]


def test_a_hosts_or_reporters_labelled_turn_is_nobodys():
    article = (
        "Transcript: the minister on the package\n\n"
        "MARY OKAFOR, HOST: Greta Lind joins us from Oslo. Some say the shells only prolong the war. "
        "GRETA LIND: Nonsense. We will keep sending them. "
        "TOM REYES, BYLINE: Velkov wants the deliveries stopped. The talks resume on Monday."
    )
    found = _registered_speakers(article)
    assert found[0] is None  # "Transcript:" is a page label, not a source
    assert found[1:3] == [None, None]  # the host's turn
    assert found[3:5] == ["Greta Lind", "Greta Lind"]
    assert found[5] == "Velkov" and found[6] is None  # the reporter's turn: only what it attributes


def test_a_page_headed_as_a_statement_is_its_speakers():
    article = (
        "Statement from President Ann Hale on the Senate vote\n\n"
        "Today the Senate did the right thing. "
        "I urge the House to pass the package this week. "
        "Norway will keep sending shells, Lind said."
    )
    found = _registered_speakers(article)
    assert found[1:3] == ["Ann Hale", "Ann Hale"]
    assert found[3] == "Lind"  # a sentence with its own source keeps it
    report = "Statement by the president angers allies\n\nThe allies said they were not consulted."
    assert _registered_speakers(report)[1] == "allies"  # a heading that names no one changes nothing


def test_a_gerund_that_opens_a_sentence_is_an_act_not_an_actor():
    found = _registered_speakers(
        "Opinion\n\nOslo sent shells. Handing Norway a veto would only stall the next package."
    )
    assert found[2] is None  # the writer's: "Handing Norway" is nobody
    assert _registered_speakers("Opinion\n\nOslo sent shells. Norway wants the talks to start now.")[2] == "Norway"


def test_a_body_named_without_its_country_takes_the_datelines():
    article = "Shells for Kyiv\n\nOSLO, 4 June - More shells will go to Kyiv this year, the Ministry of Defence said."
    assert _registered_speakers(article)[1] == "Norwegian Ministry of Defence"
    undated = "Shells for Kyiv\n\nMore shells will go to Kyiv this year, the Ministry of Defence said."
    assert _registered_speakers(undated)[1] == "Ministry of Defence"


def test_a_letters_page_gives_each_letter_to_its_signer():
    article = (
        "Letters: what we owe Kyiv\n\n"
        "Your leader was right. I have sent money every month since 2022.\n\nEdith Crane, Bristol\n\n"
        "My village disagrees. We would rather see a ceasefire this year.\n\nDr Owen Parry, Swansea"
    )
    found = _speakers(article)
    assert found[1:3] == ["Edith Crane", "Edith Crane"] and found[4:6] == ["Owen Parry", "Owen Parry"]
    lone = "Opinion\n\nI have sent money every month since 2022.\n\nEdith Crane, Bristol"
    assert _speakers(lone)[1] is None  # one signature-like line is not a letters page


def test_a_family_name_that_comes_first_finds_its_full_name():
    article = (
        'Headline\n\nForeign Minister Li Jun met his counterpart. "Talks are the only way out," Li said. Talks went on.'
    )
    assert _speakers(article)[2] == "Li Jun"


@pytest.mark.parametrize(
    "body",
    [
        "Washington should start saying so, first in private.",
        "Norway must help Ukraine without losing its head.",
        "Nor should Washington keep pretending that the door is open.",
        "A neutral Ukraine need not be a defenceless one.",
    ],
)
def test_a_prescription_to_a_country_is_the_writers_not_the_countrys(body):
    assert _speakers("Opinion\n\nThe war is in its fourth year. " + body)[-1] is None


def test_the_official_refers_back_to_the_unnamed_official_not_to_a_named_person():
    article = (
        "Headline\n\nPresident Boris Velkov met the envoys. "
        "A senior Norwegian official said the package would be announced on Friday. "
        '"It is the largest we have sent," the official said.'
    )
    assert _registered_speakers(article)[-1] == "senior Norwegian official"


@pytest.mark.parametrize(
    "body, expected",
    [
        ("Ukraine's foreign ministry said it regretted the decision.", "Ukrainian foreign ministry"),
        ("OSLO - Norway's defence ministry on Monday set out a new package.", "Norwegian defence ministry"),
        ("Freedonia's parliament, meeting in a rare night session, voted for the loan.", "Freedonia's parliament"),
        ("A German government spokesman said the decision stands.", "German government"),
    ],
)
def test_institutions_named_by_their_country_or_their_spokesman(body, expected):
    assert _speakers("Headline\n\nThe week began quietly. " + body)[-1] == expected


def test_the_president_is_the_person_named_president_even_after_others_spoke():
    article = (
        "Headline\n\nPresident Boris Velkov flew to the talks with his staff. "
        '"We are ready," spokesman Ivan Dragan told reporters. '
        "The president said a truce could be signed within weeks."
    )
    assert _registered_speakers(article)[-1] == "Boris Velkov"  # not the spokesman, who spoke last


@pytest.mark.parametrize(
    "text, names",
    [
        ("said Ursula von der Leyen on Monday", ["Ursula von der Leyen", "Monday"]),
        ("an additional NOK 5 billion", ["NOK"]),  # "al" inside a word is no name particle
    ],
)
def test_name_particles_start_a_word_and_may_follow_each_other(text, names):
    assert attribution._NAME_RE.findall(text) == names


@pytest.mark.parametrize(
    "body, expected",
    [
        # The source reports what another actor did: that actor holds it.
        ("According to Kremlin aide Ivan Dragan, Velkov warned that a truce would need guarantees.", "Boris Velkov"),
        # No actor opens the reported clause (or only a pronoun, the source again): the source holds it.
        ("According to Ivan Dragan, the deliveries only prolong the war.", "Ivan Dragan"),
        ("According to Greta Lind, she will ask parliament for more money.", "Greta Lind"),
        # A party's name in brackets between the minister and the verb.
        ("Norway stands behind Kyiv, Minister of Foreign Affairs Greta Lind (Labour) says.", "Greta Lind"),
        ("Oslo has been cooler, with Foreign Minister Greta Lind questioning why allies should pay.", "Greta Lind"),
    ],
)
def test_the_holder_behind_a_source_a_bracket_or_a_body(body, expected):
    article = "Headline\n\nPresident Boris Velkov and Foreign Minister Greta Lind met. " + body
    assert _REGISTRY.canonical(_registered_speakers(article)[-1]) == expected


def test_a_title_with_of_in_it_is_cut_from_the_name():
    assert attribution.canonical("Minister of Foreign Affairs Margus Tsahkna") == "Margus Tsahkna"
    assert attribution.canonical("the Ministry of Foreign Affairs") == "Ministry of Foreign Affairs"


def test_in_a_report_an_unattributed_position_takes_the_source_before_it():
    report = (
        "Kremlin rejects truce\n\n"
        "Kremlin spokesman Ivan Dragan said on Monday that a truce was premature. "
        '"Nobody has asked us," Dragan told reporters. '
        "There can be no pause while weapons keep flowing to Kyiv. "
        "The talks resume in May, Dragan added."
    )
    found, methods = attribution.attribute_with_methods(report, split_sentences(report))
    assert (found[3], methods[3]) == ("Ivan Dragan", "context")


def test_in_commentary_an_unattributed_position_stays_the_writers():
    comment = (
        "A truce now would be a trap\n\n"
        "Three winters of war have taught Europe little. "
        "Ivan Dragan said on Monday that a truce was premature. "
        "There can be no pause while weapons are needed at the front. "
        "Every pause has been used to rearm. "
        "Europe should stop pretending otherwise."
    )
    assert attribution.attribute(comment, split_sentences(comment))[3] is None


def test_in_a_report_a_person_named_doing_something_holds_their_own_act():
    report = (
        "Aid frozen\n\n"
        "Senator Ana Ruiz said on Monday that the freeze was a mistake. "
        '"It weakens Kyiv," Ruiz told reporters. '
        "It was the third time Defense Secretary Paul Hegman had halted shipments without telling Congress. "
        "The Pentagon declined to comment, officials said."
    )
    found, methods = attribution.attribute_with_methods(report, split_sentences(report))
    assert (found[3], methods[3]) == ("Paul Hegman", "subject")  # not Ruiz, the source before it


def test_a_country_before_a_persons_name_is_not_part_of_it():
    assert attribution.canonical("Denmark's Mette Frederiksen") == "Mette Frederiksen"
    assert attribution.canonical("Ukraine's Foreign Ministry") == "Ukraine's Foreign Ministry"


@pytest.mark.parametrize(
    "body, expected",
    [
        ("Nordic leaders pledged another winter package of air defence.", "Nordic leaders"),
        ("British and French officials believe a deterrent force must come first.", "British and French officials"),
        ("Several Republican senators said they hoped the pause would be brief.", "Republican senators"),
        ("Russian negotiators have demanded that all deliveries stop during a truce.", "Russian negotiators"),
        ("Ukrainian defence ministers told reporters the shells had not arrived.", "Ukrainian defence ministers"),
        # A plural that is what the name acts on, not who the name is, stays out of it.
        ("Ukraine expects allies to send more shells.", "Ukraine"),
        ("Poland trains soldiers for the Ukrainian army.", "Poland"),
    ],
)
def test_a_name_before_a_plural_of_people_is_that_group(body, expected):
    assert _speakers("Headline\n\nThe summit opened in the rain. " + body)[-1] == expected


def test_the_subject_of_a_sentence_without_a_position_is_named_too():
    # `needed` is the model's positions: the subject rule does not depend on it, the parser and a report's
    # borrowed source do (see test_parser and the report tests above).
    rows = ["Headline", "Hungary hosted the talks in Budapest.", '"We want peace," Orban said.', "It rained."]
    article = rows[0] + "\n\n" + " ".join(rows[1:])
    sentences = split_sentences(article)
    found, methods = attribution.attribute_with_methods(article, sentences, needed=[False] * 4)
    assert (found[1], methods[1]) == ("Hungary", "subject")
    assert (found[3], methods[3]) == (None, None)


@pytest.mark.parametrize(
    "body, expected",
    [
        # Wire copy's second-hand quotes: the person quoted, not the agency or the body that published it.
        ("Russia is open to talks, Lavrov was quoted as saying by RIA Novosti.", "Lavrov"),
        ("Russia does not rule out talks, TASS quoted Peskov as saying.", "Peskov"),
        ("Russia is ready for talks without preconditions, Putin said, according to the Kremlin.", "Putin"),
        # A description before the name, a country's body, an unnamed source only when no one else is named.
        ("In the view of Ukrainian negotiator David Arakhamia, enough ground has been covered.", "David Arakhamia"),
        ("According to Ukraine's defence ministry, the shells arrived on time.", "Ukrainian defence ministry"),
        ("The plan is dead, according to two officials familiar with the talks.", "officials"),
        ("Washington and Berlin were wary of the wording, according to three diplomats.", "Washington and Berlin"),
        # A body named by its nationality and a lower-case noun, and a spokesperson for it.
        ("A spokesperson for the German government said deliveries would continue.", "German government"),
        ("The Biden administration has argued that the aid must continue.", "Biden administration"),
        # AP style puts party and state between the name and the verb.
        ("Sen. Lindsey Graham, R-S.C., said the aid must pass.", "Lindsey Graham"),
        # A subject after an opening phrase of time or place; a prescription there is still the writer's.
        ("After the meeting, Donald Trump paused all deliveries to Kyiv.", "Donald Trump"),
        ("In the meantime, Germany should help build the guarantees.", None),
    ],
)
def test_who_holds_it_in_wire_copy(body, expected):
    assert _speakers("Headline\n\nThe summit opened in the rain. " + body)[-1] == expected


def test_according_to_him_and_the_statement_said_refer_back():
    article = (
        "Headline\n\nRussian Foreign Minister Sergei Lavrov said the plan was unacceptable. "
        "According to him, the European amendments are meant to wreck the talks. "
        "The Verkhovna Rada adopted an appeal to the allies on Tuesday. "
        "The appeal also urges partners to send more air defence before winter."
    )
    assert _speakers(article)[1:] == ["Sergei Lavrov", "Sergei Lavrov", "Verkhovna Rada", "Verkhovna Rada"]


def test_an_outlet_that_reports_another_holder_is_not_the_holder():
    registry = Registry.load(PROJECT / "data" / "actors.yaml")
    article = (
        "Headline\n\nThe talks opened in Geneva. According to Starmer's plan, European troops would guard "
        'ports "far away from the current front lines," the Telegraph wrote. '
        '"Even that will not win the war for the West," the Global Times wrote.'
    )
    found = attribution.attribute(article, split_sentences(article), registry=registry)
    assert found[2:] == ["Starmer", "Global Times"]  # the outlet holds its own editorial line


def test_a_party_member_described_refers_back_to_the_person():
    article = (
        "Headline\n\nRep. Michael McCaul chairs the committee. "
        '"The world is watching us," the Texas Republican said. '
        "New York Congressman Nick Langworthy (R-NY) said he could not vote for the bill."
    )
    assert _speakers(article)[2:] == ["Michael McCaul", "Nick Langworthy"]


@pytest.mark.parametrize(
    "body, expected",
    [
        # Unnamed sources, the commonest attribution of wire copy, when no one else is named.
        ("The summit will not issue an invitation, diplomats said.", "diplomats"),
        ("Officials said the summit would not issue an invitation to Ukraine.", "Officials"),
        ('"There will be nothing on membership in the text," said one diplomat.', "diplomat"),
        ("No vote is planned this week, a congressional source told CNN.", "congressional source"),
        ("Kyiv will get more Patriots, a senior U.S. official said.", "senior U.S. official"),
        # ... but a person who acted holds the position the sources report.
        ("It was the third time Pete Hegseth had halted deliveries on his own, the sources said.", "Pete Hegseth"),
        # A source after a dash, in a headline or after the claim; a label is not a source.
        ("Western tanks will burn like the others - Peskov", "Peskov"),
        ("Russia understood long ago that it cannot talk in ultimatums, - said Podolyak.", "Podolyak"),
        ("Exclusive: Trump to send air defence to Kyiv via allies, officials say", "officials"),
        # Datelines with a date and an agency.
        ("KYIV, March 3 (Ukrinform) - Ukraine will not accept a freeze without guarantees.", "Ukraine"),
        # A quotation that names an actor is not its own source.
        ('"The United States supports an immediate ceasefire," Rubio told reporters.', "Rubio"),
        # An institution is not the place or country it is of.
        (
            "The Russian Embassy in Washington said the deliveries push the world to the brink.",
            "Russian Embassy in Washington",
        ),
        (
            "The Office of the President of Ukraine said Kyiv would not accept a ceasefire.",
            "Office of the President of Ukraine",
        ),
        ("This was stated by the chairman of the Federation Council Valentina Matviyenko.", "Valentina Matviyenko"),
    ],
)
def test_who_holds_it_in_wire_copy_sources_and_institutions(body, expected):
    assert _speakers("Headline\n\nThe talks opened in Geneva. " + body)[-1] == expected


def test_roles_refer_back_and_a_claim_takes_the_source_that_follows_it():
    registry = Registry.load(PROJECT / "data" / "actors.yaml")
    article = (
        "Zelensky on air defence\n\nVladimir Medinsky arrived in Istanbul on Friday. "
        "The head of the Russian delegation noted that Kyiv must accept neutrality. "
        "The United States is preparing a package worth $725 million. "
        "Ukrainian President Volodymyr Zelensky said this in his nightly video address. "
        'Zelensky then commented on the night attack. "Our partners can help us close the sky."'
    )
    found = attribution.attribute(article, split_sentences(article), registry=registry)
    assert found[1:] == ["Vladimir Medinsky", "Vladimir Medinsky"] + ["Volodymyr Zelensky"] * 4


@pytest.mark.parametrize(
    "body, expected",
    [
        ("The alliance said it would be ready to invite Ukraine once conditions are met.", "alliance"),
        ("The Senate passed the $61 billion aid package on Tuesday.", "Senate"),
        ("Opposition lawmakers in Warsaw demanded that Tusk send more jets to Kyiv.", "Opposition lawmakers"),
        ("As Peskov put it, talks on Kyiv's terms are a fantasy.", "Peskov"),
        ("The Russian side believes that talks can resume only if Kyiv drops its ambitions.", "Russian side"),
        ('"Both sides must sit down again," said Secretary of State Marco Rubio.', "Marco Rubio"),
        ("Both sides must sit down again, said Special Envoy for Ukraine Keith Kellogg.", "Keith Kellogg"),
        ("Member states pledged to keep supplying Ukraine with air defence.", "Member states"),
        ("G7 finance ministers agreed to use frozen Russian assets for Ukraine.", "G7 finance ministers"),
        ("Many House Republicans are opposed to further aid to Ukraine.", "Republicans"),
        ('"Not one more dime," Senate Majority Leader Jo Ames, D-N.Y. said on the floor.', "Jo Ames"),
        ("The shipments would resume, according to White House Deputy Press Secretary Ann Kell.", "Ann Kell"),
        ("Johnson's office said the speaker remains committed to passing the aid.", "Johnson"),
        ("A Pentagon statement said the shipments would resume next week.", "Pentagon"),
        ("A source in the Russian delegation told TASS that Moscow would insist.", "source in the Russian delegation"),
    ],
)
def test_bodies_groups_and_sources_in_second_references(body, expected):
    assert _speakers("Headline\n\nThe talks opened in Geneva. " + body)[-1] == expected


def test_according_to_a_pronoun_or_a_role_is_the_source_not_the_clause_subject():
    article = (
        "Headline\n\nMaria Zakharova spoke at a briefing. According to her, Moscow will never negotiate "
        "under blackmail. Sergei Lavrov spoke in Ankara. According to the Russian foreign minister, talks can "
        "resume only if the West stops arming Kyiv."
    )
    assert _speakers(article)[2::2] == ["Maria Zakharova", "Sergei Lavrov"]


def test_the_ministry_and_it_refer_back_to_the_body_and_an_outlet_gives_way_to_what_it_reports():
    registry = Registry.load(PROJECT / "data" / "actors.yaml")
    article = (
        "Headline\n\nThe Russian Foreign Ministry issued a statement on Friday. "
        "The ministry stressed that Western weapons would be legitimate targets. "
        "The Kremlin commented on the new package on Monday. It added that such deliveries only prolong the war. "
        "The Financial Times reported that Berlin is ready to drop its objection to the loan."
    )
    found = attribution.attribute(article, split_sentences(article), registry=registry)
    assert found[2] == "Russian Foreign Ministry" and found[4] == "Kremlin" and found[5] == "Berlin"


def test_a_description_with_a_nationality_finds_the_person_of_that_country():
    registry = Registry.load(PROJECT / "data" / "actors.yaml")
    article = (
        "Headline\n\nPutin received Witkoff in the Kremlin on Thursday. "
        "The US envoy said that Washington wants a ceasefire by summer."
    )
    assert attribution.attribute(article, split_sentences(article), registry=registry)[-1] == "Witkoff"


@pytest.mark.parametrize(
    "body, expected",
    [
        ("The Kremlin's calls for a truce are a ploy to rearm.", "Kremlin"),  # "calls" is the noun here
        ("Critics argue that every new shipment of shells only prolongs the killing.", "Critics"),
        ("11:05 GMT Kremlin: no ceasefire while weapons keep arriving", "Kremlin"),
        ("As Kallas has argued, a ceasefire without guarantees is only a pause.", "Kallas"),
    ],
)
def test_nouns_labels_and_opinion_groups(body, expected):
    assert _speakers("Headline\n\nThe talks opened in Geneva. " + body)[-1] == expected


def test_said_that_introduces_what_was_said_and_only_said_this_points_back():
    claim = "Headline\n\nThe alliance should issue the invitation in July. "
    assert _speakers(claim + "Stoltenberg said that it was a matter of when.")[1] is None
    assert _speakers(claim + "Stoltenberg said this in Brussels.")[1] == "Stoltenberg"


def test_in_a_quoting_op_ed_the_writers_prescription_and_first_person_stay_the_writers():
    article = (
        "Comment\n\nRutte said the alliance would back Kyiv. Peskov said the talks were dead. "
        'Sybiha told reporters that Kyiv "will not wait". The House should vote on the package this week. I agree.'
    )
    assert _speakers(article)[-2:] == [None, None]


def test_readouts_the_president_a_pair_and_a_headline_source_after_a_colon():
    registry = Registry.load(PROJECT / "data" / "actors.yaml")
    article = (
        "Ukraine will never join the alliance: Peskov\n\n"
        "President Joe Biden spoke today with President Volodymyr Zelenskyy of Ukraine. "
        "President Biden reaffirmed the commitment of the United States. "
        "The President underscored that Washington will keep providing air defence. "
        "The Kremlin said in a readout that Putin told Erdogan Moscow was open to talks. "
        "Xi Jinping held talks with Emmanuel Macron in Paris. The two leaders called for peace negotiations."
    )
    found = attribution.attribute(article, split_sentences(article), registry=registry)
    assert found[0] == "Peskov" and found[3] == "Joe Biden" and found[4] == "Putin"
    assert found[6] == "Xi Jinping and Emmanuel Macron"


@pytest.mark.parametrize(
    "headline, body, expected",
    [
        (
            "UK is sending long-range missiles to Ukraine, defence minister says",
            "Britain is sending the missiles, Defence Minister Ben Wallace told parliament.",
            "Ben Wallace",
        ),
        (
            "Europe will stand behind peace talks, says Polish PM",
            "Prime Minister Donald Tusk said Europe would back talks.",
            "Donald Tusk",
        ),
        ("Read also: Borrell: European armies cannot spare seven Patriot batteries", "The talks opened.", "Borrell"),
        ("On Monday Trump ordered a pause in assistance to Ukraine", "The talks opened.", "Trump"),
    ],
)
def test_a_headline_names_its_source_by_role_label_or_after_a_weekday(headline, body, expected):
    assert _speakers(f"{headline}\n\n{body}")[0] == expected
