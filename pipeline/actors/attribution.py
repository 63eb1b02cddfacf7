"""Who holds a sentence's position: quote attributions, reporting verbs, pronouns, the article's turns.

A pure-Python rule set, chosen for speed (it keeps up with the classifier on
one core) over a parser's accuracy on hard subjects. It reads a sentence the
way a news reader does:

1. an attribution in the sentence: `"...," the minister said`, `said Rutte`,
   `Orban told reporters that`, `according to the Kremlin` (or the actor the
   source reports on: `According to Ushakov, Putin warned ...`), `In
   Kuleba's view`; a source that closes the sentence (`Beijing hopes ...,
   Wang Yi said`) outranks the claim's own subject;
2. otherwise a quotation that runs over several sentences borrows the
   attribution of its opening or closing sentence, and a first-person
   sentence right after a quote goes on speaking for the quoted
   (`pipeline.actors.discourse`, as are 5 and 6);
3. "he", "she", "the president", "the official" ... resolve to the actor
   named before them (the person named President, the unnamed official);
4. a named actor as the subject of a stance verb ("Kyiv insists ...",
   "Hungary blocked ...") holds the position, unless the writer prescribes
   to it ("Washington should ...");
5. answers in a Q&A interview are the interviewee's, turns of a transcript
   their labelled speaker's, letters on a letters page their signer's;
6. in a news report (a fifth or more of its sentences attributed), a
   position none of these reach belongs to the source of the three sentences
   before it ("context");
7. an evaluative sentence with none of these is the writer's: `author`.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pipeline.actors import discourse
from pipeline.actors.names import ACTOR_START as _ACTOR_START
from pipeline.actors.names import COUNTRIES as _COUNTRIES
from pipeline.actors.names import LEXICON as _LEXICON
from pipeline.actors.names import NAME as _NAME
from pipeline.actors.names import NAME_RE as _NAME_RE
from pipeline.actors.names import NAME_TOKEN as _NAME_TOKEN
from pipeline.actors.names import NOT_ACTORS as _NOT_ACTORS
from pipeline.actors.names import QUOTE as _QUOTE
from pipeline.actors.names import canonical
from pipeline.actors.names import is_person as _is_person
from pipeline.actors.names import is_title as _is_title
from pipeline.actors.names import people_named as _people_named
from pipeline.text.segment import Sentence

if TYPE_CHECKING:  # only `accuracy` takes a DataFrame; classifying articles never imports pandas
    import pandas as pd

AUTHOR = "author"
# Reporting and stance verbs that attribute a position to their subject (also counted by pipeline.data.quality).

VERBS = tuple(_LEXICON["verbs"])


def _alternation(words: Sequence[str]) -> str:
    """A regex matching any of `words`, longest first, shaped as a trie.

    A flat alternation of a hundred words makes the regex engine try each word
    at every position; sharing prefixes ("warn(?:ed|s)?") lets it fail on the
    first letter that fits no word.
    """
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict) -> str:
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return "(?:" + emit(trie) + ")"


_VERB = _alternation(sorted(set(VERBS)))
# `_verbs` finds verb phrases by their first word: the verbs under each first word, longest first, so
# "told reporters" is tried before "told" as the trie pattern `_VERB` would.
_VERBS_BY_FIRST_WORD: dict[bytes, tuple[str, ...]] = {}
for _verb in sorted(set(VERBS), key=len, reverse=True):
    _first = _verb.split()[0].encode()
    _VERBS_BY_FIRST_WORD[_first] = (*_VERBS_BY_FIRST_WORD.get(_first, ()), _verb)
_FIRST_WORDS = frozenset(_VERBS_BY_FIRST_WORD)
# Every byte but an ASCII letter becomes a space, so splitting leaves the runs of ASCII letters.
_LETTER_RUNS = bytes(c if chr(c).isascii() and chr(c).isalpha() else 32 for c in range(256))

_ROLE_NOUNS = tuple(_LEXICON["role_nouns"])
_NAME_BACKTRACKING = _NAME.replace("*+", "*")
# (No preposition or conjunction among the words before the role: "a day after Russian negotiators" is
# no actor.)
_FILLER = r"(?!(?:after|before|since|when|while|in|on|at|with|from|and|or|but|that|who|which|than)\s)"
_ROLE = r"(?i:(?:the|a|an|one)\s+(?:" + _FILLER + r"[\w.'\u2019-]++\s+){0,3}?" + _alternation(_ROLE_NOUNS) + r"s?)"
# A role owned by a country, body or person: "Poland's prime minister", "Putin's spokesman", "the Kremlin's
# top spokesman" (a description of one person, `_is_reference`).
_OWNED_ROLE = (
    r"(?:[Tt]he\s+)?[A-Z][\w.-]*+(?:\s+[A-Z][\w.-]*+)?['\u2019]s\s+(?:[a-z][\w-]*+\s+){0,2}?"
    + _alternation([r for r in _ROLE_NOUNS if len(r.split()) <= 2 and " of " not in r])
    + r"(?![\w-])"
)
# An adverb is a whole word ending in "ly" (or "day" after "on"), taken possessively and checked by a
# lookbehind: `\w+ly` would try every split of every word before it fails, at every actor candidate.
_AUX = (
    r"(?:\s+(?:has|have|had|will|would|could|may|might|also|again|repeatedly|long|previously|already|publicly"
    r"|now|then|later|once|still|never|not|firmly|openly|reportedly|on\s+\w++(?<=day)|\w++(?<=ly)))*"
)
_PRONOUN = r"(?:he|she|they|He|She|They)"
# A name that modifies a plural of people: the group speaks, not the country or party ("NATO leaders",
# "British and French officials", "Ukrainian defence ministers"). Tried before the bare name.
_GROUP = (
    rf"{_NAME}(?:,?\s+and\s+{_NAME})?\s+(?:(?:defen[cs]e|foreign|senior|military|opposition|government|party|prime"
    r"|finance|economy|interior)\s+)?" + _alternation(_LEXICON["group_plurals"]) + r"(?![\w-])"
)
_NAME_ONLY = re.compile(rf"{_NAME_TOKEN}(?:\s+{_NAME_TOKEN})*")
_HEAD_OF = (
    r"(?i:the\s+(?:(?:deputy|first\s+deputy|acting|former)\s+)?(?:head|chief|chairman|chairwoman|chair|director)"
    r"\s+of\s+(?:the\s+)?)(?:[A-Z][\w'\u2019.-]*\s+|(?:of|for|on|and)\s+(?:the\s+)?){0,6}[A-Z][\w'\u2019.-]*"
    r"(?:\s+(?:delegation|government|ministry|office|parliament|side|team|administration))?"
)
# The alliance and the bloc as news names them the second time: NATO and the EU (data/actors.yaml).
_METONYM = r"(?:[Tt]he\s+(?:alliance|bloc|ministry|department|embassy)(?![\w-]))"  # (the last three refer back)
# Two people met, then "the two leaders agreed", "both leaders said": the pair (`_antecedent`).
_PAIR = r"(?:(?:[Tt]he\s+two|[Bb]oth)\s+(?:leaders|presidents|ministers|men|women|sides|heads\s+of\s+state))"
# Descriptions of a person by age, and of an outlet ("the 78-year-old", "the newspaper"), referring back.
_AGED = r"(?:[Tt]he\s+\d{2}-year-old(?:\s+(?!(?:has|had|is|was|will|would|said|says)\b)[a-z]+)?)"
_OUTLET = r"(?:[Tt]he\s+(?:[\w-]+\s+)?(?:newspaper|paper|daily|tabloid|broadcaster|outlet|editorial\s+board)(?![\w-]))"
_ACTOR = rf"(?:{_GROUP}|{_HEAD_OF}|{_PAIR}|{_OWNED_ROLE}|{_NAME}|{_ROLE}|{_AGED}|{_OUTLET}|{_METONYM}|{_PRONOUN})"
_AGED_RE = re.compile(_AGED)
_OUTLET_RE = re.compile(_OUTLET)
_OWNED_ROLE_RE = re.compile(_OWNED_ROLE)
_HEAD_OF_RE = re.compile(_HEAD_OF)
_PAIR_RE = re.compile(_PAIR)

# Both start at the quote mark itself, so the regex engine can skip ahead to quote marks.
# Only a closing quote mark (after the quotation's own punctuation) starts them: at an opening one the
# quotation's first words ('"The United States supports ...," Rubio said') would be taken for its source.
_CLOSING = r"(?<=[,.!?\u2026\u2014-])"
_TITLED_NAME = rf"{_NAME}(?:\s+(?:of|to|for)\s+(?:the\s+)?{_NAME})+"  # "Secretary of State Marco Rubio"
_AFTER_QUOTE_VERB_FIRST = re.compile(rf"{_CLOSING}[{_QUOTE}]\s*,?\s*{_VERB}\s+(?P<actor>{_TITLED_NAME}|{_ACTOR})")
_AFTER_QUOTE_ACTOR_FIRST = re.compile(rf"{_CLOSING}[{_QUOTE}]\s*,?\s*(?P<actor>{_ACTOR})\s+{_VERB}\b")
_ACCORDING = re.compile(
    rf"\b(?i:according to|in the (?:view|opinion|words) of)\s+(?P<actor>(?:him|her|them)\b|{_ROLE}(?![\w-])|{_ACTOR})"
)
# "As Peskov put it, ...": the source of what follows.
_AS_PUT = re.compile(
    rf"^As\s+(?P<actor>{_ROLE}|{_NAME}|{_PRONOUN})\s+(?:has\s+|had\s+)?(?:put\s+it|said|says|noted|notes|stressed"
    r"|wrote|writes|observed|argued|argues|warned|warns)\s*,"
)
# Unnamed sources ("according to two officials familiar with the talks") hold what they say only when the
# sentence names no one else: "Washington and Berlin were wary ..., according to three diplomats" reports
# Washington's and Berlin's position. Tried last (`_explicit`).
_ACCORDING_UNNAMED = re.compile(
    r"\b(?i:according to)\s+(?P<actor>(?:(?:two|three|several|some|unnamed|senior|western|european|u\.s\."
    r"|american|russian|ukrainian)\s+)?(?:officials|sources|diplomats|analysts|experts|people))\b"
)
_OBJECT_PRONOUNS = {"him": "he", "her": "she", "them": "they"}
_ROLE_THEN_NAME = re.compile(rf"\s+(?:[a-z][\w-]*\s+){{1,3}}(?P<name>{_NAME_TOKEN}(?:\s+{_NAME_TOKEN}){{1,3}})")
# Wire copy's second-hand quotes: "Lavrov was quoted as saying by RIA", "TASS quoted Peskov as saying": the
# person quoted speaks, not the agency. And "..., Putin said, according to the Kremlin": the person who said
# it, not the body that published it.
_QUOTED_AS = re.compile(
    rf"(?<![^\W_])(?:{_ACTOR_START}(?P<passive>{_NAME}|{_PRONOUN})\s+(?:was|were|is|has\s+been)\s+quoted\s+"
    rf"|quoted\s+(?P<active>{_NAME})\s+)(?:[^,.]{{0,40}}?\s+)?as\s+(?:saying|telling)\b"
)
_SAID_ACCORDING = re.compile(
    rf",\s+(?P<actor>{_NAME}|{_PRONOUN})\s+(?:said|says|added|told\s+[\w\s]{{1,30}}?)\s*,\s+according\s+to\b"
)
# A text its issuer speaks through: "the statement said", "the declaration also endorses", "the joint
# appeal urges": it speaks for whoever issued it, named before (`_antecedent`).
_PRODUCTS = "declaration|communiqu[eé]|statement|memorandum|resolution|appeal|letter|document"
_PRODUCT_HEAD = re.compile(_PRODUCTS)
_PRODUCT_BEFORE = re.compile(
    rf"(?<![^\W_])(?P<actor>(?i:the|its|their)\s+(?:[\w-]+\s+){{0,2}}?(?:{_PRODUCTS}))"
    rf"(?:,\s[^,{_QUOTE}]{{1,90}},)?{_AUX}\s+$"
)
# The named subject of the clause after "According to X, ...": a name, not "he" (X again) or "the ... side".
_REPORTED_CLAUSE = re.compile(rf"[^,]{{0,80}},\s+(?P<actor>{_NAME_TOKEN}(?:\s+{_NAME_TOKEN}){{0,5}}){_AUX}\s+[a-z]")
_IN_VIEW = re.compile(
    rf"^In\s+(?:(?P<actor>{_NAME})(?:['\u2019]s?)?|(?P<pronoun>his|her|their))\s+(?:view|opinion|words)\b"
)
_POSSESSIVE_PRONOUNS = {"his": "he", "her": "she", "their": "they"}
_HEADLINE = re.compile(
    rf"^(?:\d{{1,2}}[:.]\d{{2}}\s*(?:[ap]\.?m\.?|GMT|BST|CET|CEST|EET|EEST|ET|UTC)?\s+)?"
    rf"(?:(?:Read\s+(?:also|more)|See\s+also|Related|Also\s+read):\s+)?(?P<actor>{_NAME}):\s"
)
_INSTITUTION_OF = re.compile(
    r"(?<![\w-])(?:[Tt]he\s+)?(?:[A-Z][\w'\u2019.-]*\s+){0,4}(?:Ministry|Office|Embassy|Department|Council|Committee"
    r"|Commission|Service|Agency|Administration|Mission|Delegation|Government|Cabinet|Parliament)"
    r"(?:\s+(?:of|for|on)\s+(?:the\s+)?(?:[A-Z][\w'\u2019.-]*\s+){0,3}?[A-Z][\w'\u2019.-]*)*\s+(?:of|in|for|to)\s+(?:the\s+)?$"
)
# Verbs that are also nouns: after a possessive or an adjective they are the nouns.
_NOUN_LIKE = frozenset({"calls", "promises", "pledges", "support", "demands", "demand", "claims", "hopes", "plans"})
_NOUN_BEFORE = re.compile(
    r"(?:['\u2019]s|\b(?:Western|Eastern|American|European|Russian|Ukrainian|German|French|British|Chinese|Paper"
    r"|US|U\.S\.|EU|NATO|allied|military|financial|public|popular|foreign|international))\s+$"
)
_PLURAL_STATES = re.compile(
    r"(?:\b(?:[Mm]ember|[Aa]llied|EU|NATO|G7|Gulf|frontline|neighbou?ring)|\b[A-Z]\w*(?:an|ic|ern))\s+$"
)
_SOURCE_IN = re.compile(
    r"(?<![\w-])(?:[Aa]n?|[Oo]ne|[Tt]wo|[Tt]hree)?\s*(?P<actor>(?:[\w.-]+\s+)?(?:sources?|officials?|insiders?))"
    r"\s+(?:in|at|close\s+to|within|from)\s+(?:the\s+)?$"
)
_OWNERS_VOICE = re.compile(
    rf"(?<![\w-])(?:(?P<owner>(?:[A-Z][\w.-]*\s+){{0,3}}[A-Z][\w.-]*)['\u2019]s\s+(?:press\s+)?office"
    rf"|(?:[Aa]n?|[Tt]he)\s+(?P<issuer>{_NAME_TOKEN}(?:\s+{_NAME_TOKEN}){{0,3}})\s+statement)"
    rf"(?:,\s[^,{_QUOTE}]{{1,90}},)?{_AUX}\s+$"
)
_GROUP_IN = re.compile(rf"(?<![\w-])(?P<actor>{_GROUP}|[A-Z][a-z]+s)\s+(?:in|of)\s+(?:the\s+)?$")
_STATED_BY = re.compile(
    r"^(?:This|That|It)\s+(?:was|were)\s+(?:stated|said|announced|reported|noted|emphasi[sz]ed|declared|written"
    r"|voiced|posted)\s+(?:[a-z]+\s+[A-Z]?[a-z]+\s+)?by\s+(?P<actor>[^,.;:]{2,120}?)"
    r"\s*(?:[,.;:]|\s(?:during|at|after|in|on|while|when|before)\s|$)"
)
_CLOSING_SOURCE = re.compile(rf"(?:\s[-\u2013\u2014]|\s:)\s*(?P<actor>{_NAME_TOKEN}(?:\s+{_NAME_TOKEN}){{0,3}})\.?$")
_DATELINE = re.compile(
    r"^[A-Z][A-Z .,'-]{1,40}(?:,\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2})?"  # "JEDDAH, Saudi Arabia (AP) --"
    r"(?:,?\s+[A-Z][a-z]{2,8}\.?\s+\d{1,2}\.?)?\s*(?:\([^)]{1,30}\))?\s*"
    r"(?:/[^/]{1,20}/\.\s*)?(?:[-\u2013\u2014]+|:)\s*"
)
_SUBJECT = re.compile(
    rf"^(?P<actor>{_GROUP}|{_NAME}(?:\s+and\s+{_NAME})?|{_PRONOUN})(?:,\s[^,]{{1,90}},)?{_AUX}\s+[a-z]"
)
_ACTOR_BEFORE = re.compile(
    rf"(?<![^\W_]){_ACTOR_START}(?P<actor>{_ACTOR}(?:\s+and\s+{_NAME})?)"
    rf"(?:,\s[^,{_QUOTE}]{{1,90}},|\s+\([^()]{{1,40}}\)|,\s+[DRI]-[A-Z][A-Za-z.]{{1,7}})?{_AUX}\s+$"
)
_PERSON_NAME = rf"(?:[\w.'’-]+\s+){{0,4}}?{_NAME_TOKEN}(?:\s+{_NAME_TOKEN}){{1,4}}"
# Both match at the sentence's start and end right before the verb or the first lower-case word after the name.
_APPOSITION = re.compile(rf"(?P<head>[A-Z][^,]{{1,80}}),\s(?P<name>{_PERSON_NAME}),{_AUX}\s+(?=[a-z])")
_NAMED_MEMBER = re.compile(
    rf"(?P<head>[A-Z][^,]{{0,60}}?)(?:,\s+|\s+)(?:such\s+as|including|most\s+prominently|notably)\s+"
    rf"(?P<name>{_NAME})(?:\s+of\s+{_NAME_TOKEN}(?:\s+{_NAME_TOKEN})?)?,?{_AUX}\s+(?=[a-z])"
)
_NAMED_FIRST = re.compile(
    rf"(?P<head>[A-Z][^,]{{0,60}}),\s+(?P<name>{_NAME})\s+(?:first|chief|foremost)\s+among\s+them,{_AUX}\s+(?=[a-z])"
)
_PERSON_OF = re.compile(rf"(?<![^\W_])(?P<actor>{_NAME})\s+of\s+$")
# (A title may have "of", "to" or "for" in it: "said Secretary of State Marco Rubio", "said U.S. Ambassador to
# NATO Matthew Whitaker".)
_ACTOR_AFTER = re.compile(
    rf"\s+(?P<actor>{_NAME_BACKTRACKING}(?:\s+(?:of|to|for)\s+(?:the\s+)?{_NAME_BACKTRACKING})*|{_ROLE})(?=[\s,.;:]|$)"
)


# Roles of three words or with "of" in them ("head of state", "national security adviser") refer back as a
# whole; their words alone ("the state", "the government") do not.
_LONG_ROLES = tuple(role for role in _ROLE_NOUNS if " of " in role or len(role.split()) >= 3 or role == "top diplomat")
_REFERENCE_WORDS = {w for role in _ROLE_NOUNS if role not in _LONG_ROLES for w in role.split()} | set(
    _LEXICON["reference_words"]
)
# The last words of descriptions that name one person ("the Russian leader", "the Czech premier").
_PARTY_MEMBERS = frozenset({"republican", "democrat", "conservative", "liberal", "socialist", "populist"})
_PERSON_ROLES = {role.split()[-1] for role in _ROLE_NOUNS if role not in _LONG_ROLES} | {
    "chief",
    "aide",
    "adviser",
    "advisor",
    "negotiator",
}


@lru_cache(maxsize=8192)  # actors recur from sentence to sentence; a pure function of the string
def _is_reference(actor: str) -> bool:
    """Pronouns and definite bare roles ("the minister", "the President") point back to a named actor.

    Indefinite roles ("a diplomat") are anonymous actors of their own.
    """
    words = actor.split()
    if (
        actor.lower() in {"he", "she", "they"}
        or _PRODUCT_HEAD.fullmatch(words[-1].lower())
        or _PAIR_RE.fullmatch(actor)
    ):
        return True
    if _AGED_RE.fullmatch(actor) or _OUTLET_RE.fullmatch(actor):  # "the 78-year-old", "the newspaper"
        return True
    if _OWNED_ROLE_RE.fullmatch(actor):  # "Poland's prime minister", "Putin's spokesman"
        return not _is_person(canonical(actor), None)
    if not words or words[0].lower() != "the":
        return len(words) == 1 and words[0].strip(".,").lower() in _REFERENCE_WORDS
    rest = [w.strip(".,").lower() for w in words[1:]]
    if bool(rest) and (all(w in _REFERENCE_WORDS for w in rest) or " ".join(rest).endswith(_LONG_ROLES)):
        return True
    if len(words) == 2 and rest[0] in _BODY_HEADS:  # "the ministry": the ministry named before
        return True
    if _HEAD_OF_RE.fullmatch(actor):  # "the head of the Russian delegation": its head, a person named before
        return not _is_person(canonical(actor), None)  # unless the phrase ends with the name
    if len(words) <= 4 and rest and rest[-1] in _PARTY_MEMBERS:  # "the Texas Republican", "the 81-year-old Democrat"
        return True
    # "the Russian leader", "the outgoing secretary general", "the NATO chief": a description of one person
    # ending in a role, with no name of its own.
    return bool(rest) and len(words) <= 5 and rest[-1] in _PERSON_ROLES


def _verbs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each reporting or stance verb phrase that starts and ends a word.

    A verb starts at the text's start or after any character but an ASCII
    letter, and no letter or digit follows it (the plain definition a test
    holds this to). Found by words: the text's runs of letters, intersected
    with the verbs' first words in C, give the few candidates to check. A
    regex scan costs a match attempt after every space of every sentence.
    """
    # One byte per character ("?" for any non-ASCII one), so offsets into it are offsets into the text.
    letters = text.encode("ascii", "replace").translate(_LETTER_RUNS)
    firsts = _FIRST_WORDS.intersection(letters.split())
    if not firsts:
        return []
    spans = []
    size = len(text)
    for word in firsts:
        at = letters.find(word)
        while at >= 0:
            after = at + len(word)
            if (at == 0 or letters[at - 1] == 32) and (after == size or letters[after] == 32):
                for verb in _VERBS_BY_FIRST_WORD[word]:
                    end = at + len(verb)
                    if text.startswith(verb, at) and (end == size or not text[end].isalnum()):
                        spans.append((at, end))
                        break
            at = letters.find(word, after)
    spans.sort()
    return spans


@lru_cache(maxsize=8192)  # actors recur from sentence to sentence; a pure function of the string
def _acceptable(actor: str) -> bool:
    if _PAIR_RE.fullmatch(actor):  # "Both leaders"
        return True
    first = actor.split()[0]
    if first in {"The", "A", "An"} and len(actor.split()) == 1:
        return False
    return actor.lower() not in {"it", "this", "that", "there"} and first not in _NOT_ACTORS - {"The", "A", "An"}


def _follows_quote(text: str, start: int) -> bool:
    """Whether a quote mark, then maybe a comma, then only spaces come right before `start`.

    The condition for `_AFTER_QUOTE_VERB_FIRST` to match at a verb, checked
    without the regex engine's cost of a search.
    """
    head = text[:start].rstrip()
    if head.endswith(","):
        head = head[:-1].rstrip()
    return head.endswith(_QUOTE_MARKS)


# What may follow a source named after its verb: the sentence's end, a comma, or when and where it spoke.
_CLOSES = re.compile(r"\s*(?:$|[,.;:)\u2014-]|(?:on|in|at|during|after|before|while|when|who|as)\b)")
# "Moscow rejected the idea, with Peskov saying ...": the named voice of the body that acted.
_WITH_SAYING = re.compile(
    rf",\s+with\s+(?P<actor>{_NAME})\s+(?:saying|calling|warning|adding|arguing|stressing|insisting|telling"
    r"|questioning|noting|urging|demanding|suggesting|describing|dismissing|declaring)\b"
)
# Verbs of saying that close a sentence with its source: "..., Wang Yi told reporters", "..., said Rutte".
_SAYING = frozenset(_LEXICON["saying_verbs"])


def _trailing_attribution(text: str, verbs: list[tuple[int, int]], after: int) -> str | None:
    """The source a sentence closes with after a comma, when an earlier verb has a subject of its own.

    "Beijing hopes a ceasefire can be agreed soon, Wang Yi told his German counterpart": the sentence is
    Wang's, not Beijing's. Wire copy puts the source last, after the claim; the claim's own subject (a
    capital, a country, "the United States should") is what was said, not who said it. So does a source
    after a colon ("Not every Republican agreed: Senator Josh Hawley said ...") and the named voice of a
    body in ", with Peskov saying ...". Asked only when
    that subject (before the verb at `after`) is not a person's name: "Putin agreed ..., the Kremlin said"
    stays Putin's. Only a verb of saying counts, and only with a comma right before its actor (", Wang Yi
    told") or right before the verb and the sentence's end or a comma after the actor (", said Rutte."),
    so "Kyiv wants talks and Zelensky said so" and ", said Saxony had no say" are left to the other rules.
    """
    for start, end in reversed(verbs):
        if start <= after:
            break
        if text[start:end] not in _SAYING:
            continue
        if text[:start].rstrip().endswith(","):
            match = _ACTOR_AFTER.match(text, end)
            if match and _acceptable(match.group("actor").strip()) and _CLOSES.match(text, match.end()):
                return match.group("actor").strip()
            continue
        match = _ACTOR_BEFORE.search(text, max(0, start - 160), start)
        if match and text[: match.start()].rstrip().endswith((",", ":")) and _acceptable(match.group("actor").strip()):
            return match.group("actor").strip()
    match = _WITH_SAYING.search(text, after)
    if match and _acceptable(match.group("actor").strip()):
        return match.group("actor").strip()
    return None


# A modal of obligation right after a subject: what the writer says the subject should do.
_OBLIGATION = re.compile(
    r"\s*(?:,[^,]{1,60},\s*)?(?:\w+ly\s+)?(?:should|must|ought\s+to|needs?\s+(?:not|to)|has\s+to|have\s+to)\b"
)


def _prescribed(text: str, end: int) -> bool:
    """Whether the subject ending at `end` is told what to do ("Washington should start saying so",
    "Germany must help Ukraine"): a prescription is the writer's position, not the subject's, unless a
    source is named, which the rules that run before this one have already looked for."""
    return _OBLIGATION.match(text, end) is not None or text.lstrip().startswith("Nor should ")


def _prescribed_subject(text: str, subject: str) -> bool:
    """`_prescribed` for a subject the parser found somewhere in the sentence."""
    at = text.find(subject)
    return at >= 0 and _prescribed(text, at + len(subject))


# A country's institution named by the possessive: "Ukraine's foreign ministry", "Russia's embassy in Seoul".
_INSTITUTION = (
    r"(?P<body>(?:foreign|defen[cs]e|interior|finance|economy)\s+ministry|ministry\s+of\s+(?:foreign\s+affairs|defen[cs]e)"
    r"|foreign\s+office|government|administration|military|cabinet|parliament|embassy(?:\s+in\s+[A-Z][\w-]+)?|presidential\s+office|president's\s+office"
    r"|security\s+council|general\s+staff|armed\s+forces|defen[cs]e\s+forces|delegation|negotiators|negotiating\s+team)"
)
_OWNED = rf"(?P<owner>[A-Z][\w-]+(?:\s+[A-Z][\w-]+)?)['\u2019]s\s+{_INSTITUTION}"
_OWNED_BEFORE = re.compile(rf"(?<![^\W_]){_OWNED}(?:,\s[^,{_QUOTE}]{{1,90}},)?{_AUX}\s+$")
_OWNED_SUBJECT = re.compile(rf"{_OWNED}\b(?:,\s[^,]{{1,90}},)?{_AUX}\s+[a-z]")
_OWNED_AT = re.compile(_OWNED)
_ADJECTIVES: dict[str, str] = {}
for _adjective, _country in _LEXICON["nationalities"].items():
    if _adjective[:1].isupper() and not _adjective.isupper() and "." not in _adjective:
        _ADJECTIVES.setdefault(_country, _adjective)


def _owned(match: re.Match) -> str:
    """ "Ukraine's foreign ministry" -> "Ukrainian foreign ministry": the form the registry and annotators use."""
    owner, body = match.group("owner"), " ".join(match.group("body").split())
    adjective = _ADJECTIVES.get(owner)
    return f"{adjective} {body}" if adjective else f"{owner}'s {body}"


def _explicit(text: str) -> tuple[str | None, str | None]:
    """An actor named in the sentence as holder of what it says, and the rule that found it; or (None, None).

    Last of all, a name that opens the sentence is taken as its holder (rule 4, method "subject"): right for
    a sentence that holds a position ("Hungary blocked ..."), the sentence's actor in others ("Putin
    arrived in Beijing"); a one-word subject is checked against the registry by the caller.
    """
    verbs = _verbs(text)
    candidates: list[tuple[str, str]] = []
    # Both quote patterns need a quote mark before a verb (the verbs they match are among `verbs`).
    quotes = [at for at in (text.find('"'), text.find("\u201c"), text.find("\u201d")) if at >= 0]
    if verbs and quotes and min(quotes) < verbs[-1][0]:
        if any(_follows_quote(text, start) for start, _ in verbs):
            candidates += [(m.group("actor"), "quote") for m in _AFTER_QUOTE_VERB_FIRST.finditer(text)]
        candidates += [(m.group("actor"), "quote") for m in _AFTER_QUOTE_ACTOR_FIRST.finditer(text)]
    if ":" in text:
        # An upper-case label is a dateline ("WARSAW: ...") or a transcript's interviewer ("HOST: ..."), not
        # the holder of what follows; a short one is an acronym ("GT: ...").
        candidates += [
            (m.group("actor"), "headline")
            for m in _HEADLINE.finditer(text)
            if not (m.group("actor").isupper() and len(m.group("actor")) > 3)
        ]
    if " - " in text or "\u2013" in text or "\u2014" in text or ": " in text:
        # "Western tanks will burn like the others - Peskov", "..., Zelensky ready to negotiate: Trump"
        closing = _CLOSING_SOURCE.search(text)
        if closing is not None and _is_name_label(closing.group("actor")):
            candidates.append((closing.group("actor"), "headline"))
    if " by " in text:
        stated = _STATED_BY.match(text)
        if stated is not None:
            candidates.append((stated.group("actor"), "reporting_verb"))
    lower = text.lower()
    if "quoted " in lower:
        candidates += [(m.group("passive") or m.group("active"), "reporting_verb") for m in _QUOTED_AS.finditer(text)]
    if "according to" in lower and ", according" in lower:
        candidates += [(m.group("actor"), "reporting_verb") for m in _SAID_ACCORDING.finditer(text)]
    if "according to" in lower or "view of" in lower or "opinion of" in lower or "words of" in lower:
        for m in _ACCORDING.finditer(text):
            # "According to Kremlin aide Yuri Ushakov, Putin warned Trump ...": the source reports what
            # another actor did or said; that actor holds the position. "According to Peskov, the weapons
            # only prolong the war": no actor opens the clause, so the source holds it.
            # (Only after a named source: "According to her, Moscow will never ..." is hers.)
            named_source = m.group("actor")[:1].isupper() and not _is_reference(m.group("actor"))
            clause = _REPORTED_CLAUSE.match(text, m.end()) if m.start() == 0 and named_source else None
            # (A nationality opens a noun, not a name: "According to Starmer's plan, European troops would")
            if clause is not None and _acceptable(clause.group("actor")) and not _adjective(clause.group("actor")):
                candidates.append((clause.group("actor"), "according_to"))
            actor = m.group("actor")
            named = _ROLE_THEN_NAME.match(text, m.end())  # "In the view of Ukrainian negotiator David Arakhamia"
            owned = _OWNED_AT.match(text, m.start("actor"))  # "according to Ukraine's defence ministry"
            if named is not None:
                actor = named.group("name")
            elif owned is not None:
                actor = _owned(owned)
            candidates.append((_OBJECT_PRONOUNS.get(actor, actor), "according_to"))
    if text.startswith("As "):
        candidates += [(m.group("actor"), "according_to") for m in _AS_PUT.finditer(text)]
    if " view" in lower or " words" in lower or " opinion" in lower:
        # A sentence that opens "In Kuleba's view, ...", "In the Kremlin's view", "In his words, ...".
        candidates += [
            (m.group("actor") or _POSSESSIVE_PRONOUNS[m.group("pronoun")], "according_to")
            for m in _IN_VIEW.finditer(text.lstrip())
        ]
    for actor, method in candidates:
        if _acceptable(actor.strip()):
            return actor.strip(), method
    # A person named beside a description or a group that opens the sentence: "Estonia's defence minister,
    # Jan Tamm, said", "Critics of the plan, most prominently Chancellor Eva Berg, say".
    # Each pattern is tried only where its cheap precondition holds: most sentences have a comma.
    patterns = []
    comma = text.find(", ")
    if 0 < comma <= 100 and text[comma + 2 : comma + 3].isupper():
        patterns.append(_APPOSITION)
    if " such as " in text or " including " in text or " most prominently " in text or " notably " in text:
        patterns.append(_NAMED_MEMBER)
    if " among them," in text:
        patterns.append(_NAMED_FIRST)
    if patterns:
        dateline = _DATELINE.match(text)
        offset = dateline.end() if dateline else 0
        for pattern in patterns:
            match = pattern.match(text, offset)
            if match is None or not _is_person(canonical(match.group("name")), None):
                continue
            if _is_person(canonical(match.group("head")), None):
                break  # "Mark Rutte, the alliance's chief, said": the head is the person
            if any(start == match.end() for start, _ in verbs):
                return match.group("name"), "reporting_verb"
            return match.group("name"), "subject"
    if "'s " in text or "\u2019s " in text:
        # "Ukraine's foreign ministry said", "China's foreign ministry on Monday renewed its call".
        for start, _ in verbs:
            match = _OWNED_BEFORE.search(text, max(0, start - 120), start)
            if match:
                return _owned(match), "reporting_verb"
        match = _OWNED_SUBJECT.match(text, _DATELINE.match(text).end() if _DATELINE.match(text) else 0)
        if match:
            return _owned(match), "subject"
    # An actor right before a verb ("Orban told", "the Kremlin has long argued"), then right after one.
    for start, end in verbs:
        if text[start:end] == "states" and _PLURAL_STATES.search(text, max(0, start - 30), start):
            continue  # "Member states pledged", "the Baltic states call": a noun, not "says"
        if text[start:end] in _NOUN_LIKE and _NOUN_BEFORE.search(text, max(0, start - 30), start):
            continue  # "the Kremlin's calls for a truce", "Western pledges of support": nouns
        match = _ACTOR_BEFORE.search(text, max(0, start - 160), start)
        if match:  # (it starts a word: its lookbehind sees no letter or digit before it)
            actor = match.group("actor").strip()
            if text[max(0, match.start() - 4) : match.start()].endswith(("of ", "in ", "for ", "to ")):
                # "The Russian Embassy in Washington said", "the Ministry of Foreign Affairs of the Russian
                # Federation said": the institution, not the place or country it is of.
                body = _INSTITUTION_OF.search(text, max(0, match.start() - 120), match.start())
                group = _GROUP_IN.search(text, max(0, match.start() - 80), match.start())
                if body is not None:
                    actor = text[body.start() : match.end("actor")].strip()
                elif group is not None:  # "Opposition lawmakers in Warsaw demanded": the lawmakers, not Warsaw
                    actor = group.group("actor")
                elif (source := _SOURCE_IN.search(text, max(0, match.start() - 60), match.start())) is not None:
                    actor = text[source.start("actor") : match.end("actor")].strip()  # "a source in the delegation"
            if _acceptable(actor):
                if not _is_person(canonical(actor), None):
                    trailing = _trailing_attribution(text, verbs, start)
                    if trailing is not None:
                        return trailing, "reporting_verb"
                # "Senator Jane Roe of Ohio said": the person before "of", not the place.
                before = (
                    _PERSON_OF.search(text, max(0, match.start() - 80), match.start())
                    if text.startswith("of ", match.start() - 3)
                    else None
                )
                if before is not None and _is_person(canonical(before.group("actor")), None):
                    return before.group("actor"), "reporting_verb"
                return actor, "reporting_verb"
        voice = _OWNERS_VOICE.search(text, max(0, start - 100), start)
        if voice is not None:  # "Johnson's office said", "A Pentagon statement said": the owner's voice
            return voice.group("owner") or voice.group("issuer"), "reporting_verb"
        match = _PRODUCT_BEFORE.search(text, max(0, start - 160), start)
        # Only a text that opens its clause speaks: not "officials briefed on the document said".
        if match and (not (head := text[: match.start()].rstrip()) or head.endswith((",", ";", ":", *_QUOTE))):
            return match.group("actor"), "reporting_verb"
    for start, end in verbs:
        # An actor after the verb only in the inverted form of attribution: '..., said Rutte', '"...," says Rutte'.
        head = text[:start].rstrip()
        if not head.endswith((",", *_QUOTE_MARKS)) and not head.endswith(_DASHES):  # ", - said Podolyak"
            continue
        match = _ACTOR_AFTER.match(text, end)
        if match and _acceptable(match.group("actor").strip()):
            return match.group("actor").strip(), "reporting_verb"
        match = _SOURCE_AFTER.match(text, end)
        if match:
            return match.group("actor"), "reporting_verb"
    # Rule 4: a named actor opening the sentence (after any dateline) is its subject.
    dateline = _DATELINE.match(text)
    body = text[dateline.end() :] if dateline else text
    match = _SUBJECT.match(body)
    if match and _opens_with_name(match.group("actor")) and not _prescribed(body, match.end("actor")):
        voice = _WITH_SAYING.search(body, match.end()) if ", with " in body else None
        if voice is not None and _acceptable(voice.group("actor")):  # "Moscow has been cooler, with Lavrov ..."
            return voice.group("actor").strip(), "reporting_verb"
        return match.group("actor").strip(), "subject"
    # ... or after an opening phrase of time or place: "On Monday, Trump ordered ...", "In Brussels, EU
    # leaders agreed ...". Only a person's name or a group: "In the meantime, Germany should ..." is a
    # prescription, and "Put simply, the Ukrainian memorandum ..." names no one.
    opening = _OPENING.match(body)
    if opening is not None:
        rest = body[opening.end() :]
        match = _SUBJECT.match(rest)
        if match and _opens_with_name(match.group("actor")) and not _prescribed(rest, match.end("actor")):
            actor = match.group("actor").strip()
            return actor, "subject"
    # Unnamed sources, when the sentence has no named subject: "..., diplomats said", "Officials said ...",
    # "two people familiar with the matter told".
    for start, _ in verbs:
        if text[start : start + 4].rstrip() not in _SOURCE_VERB_STARTS:
            continue
        match = _SOURCE_BEFORE.search(text, max(0, start - 140), start)
        if match and (match.start() == 0 or text[: match.start()].rstrip().endswith((",", *_QUOTE_MARKS))):
            return match.group("actor"), _UNNAMED
    if "according to" in text.lower():
        unnamed = _ACCORDING_UNNAMED.search(text)
        if unnamed is not None:
            return unnamed.group("actor"), "according_to"
    return None, None


def _opens_with_name(actor: str) -> bool:
    """Whether a subject starts with a name: "The Verkhovna Rada", not "The plan" or "Nearly all"."""
    words = actor.split()
    if words[0] in {"The", "Many", "Most", "All", "Several"} and len(words) > 1:
        return words[1] not in _NOT_ACTORS  # "Many House Republicans are opposed ..."
    return words[0] not in _NOT_ACTORS


# Unnamed sources, which wire copy names by what they are: "diplomats", "two senior U.S. officials", "a
# congressional source", "people familiar with the matter". What may stand between them and their verb:
# "who asked not to be named", "speaking on condition of anonymity".
_SOURCE = (
    r"(?P<actor>(?i:(?:(?:a|an|one|two|three|four|five|several|some|other|the)\s+)?"
    r"(?:(?:senior|top|western|european|allied|foreign|administration|government|congressional|military"
    r"|defen[cs]e|intelligence|security|republican|democratic|gop|white\s+house|[a-z]{1,4}\.[a-z.]{1,6}"
    r"|u\.s\.|us|eu|nato|russian|ukrainian|american|german|french|british|polish|chinese)\s+){0,3}"
    r"(?:officials?|diplomats?|sources?|aides?|insiders?|critics|opponents|supporters|sceptics|skeptics"
    r"|people\s+(?:familiar\s+with|briefed\s+on|close\s+to)"
    r"\s+(?:the\s+)?[a-z]+(?:\s+[a-z]+)?)))"
)
_UNNAMED = "unnamed"  # a method `attribute_with_methods` turns into "reporting_verb" or gives way to a person
_DASHES = (" -", " \u2013", " \u2014", ",\u2013", ",\u2014", ",-")
# The first four letters of the verbs unnamed sources speak with ("said", "told", "explained", "warned" ...).
_SOURCE_VERB_STARTS = frozenset(
    {"said", "says", "say", "told", "tell", "expl", "indi", "warn", "adde", "stre", "note", "conf", "argu", "clai"}
)
_SOURCE_BEFORE = re.compile(
    rf"(?<![\w-]){_SOURCE}(?:,\s[^,{_QUOTE}]{{1,90}},|\s+who\s[^,{_QUOTE}]{{1,80}},?)?{_AUX}\s+$"
)
_SOURCE_AFTER = re.compile(rf"\s+{_SOURCE}(?=[\s,.;:]|$)")


# A short opening phrase of time or place and its comma.
_OPENING = re.compile(
    r"(?:(?:On|In|At|After|Before|Earlier|Later|Meanwhile|Last|This|Since|During|Speaking|Separately|Instead"
    r"|According\s+to\s+(?:two|three|several|some|unnamed)\b)\b[^,;:\"\u201c\u201d]{0,50},\s+"
    r"|(?:On|Last|This|Late\s+on|Early\s+on)\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\s+)"
)


def _own_subject(text: str, registry: Any) -> str | None:
    """The person that opens the sentence as its subject, if any: "Party chairman Jonas Falk drew fire
    when he suggested ..." -> "Jonas Falk". Up to four words of title before the name are passed over."""
    dateline = _DATELINE.match(text)
    body = text[dateline.end() :] if dateline else text
    at = 0
    for _ in range(5):
        match = _SUBJECT.match(body[at:])
        if match is not None and match.group("actor").split()[0] not in _NOT_ACTORS:
            name = canonical(match.group("actor"))
            if _is_person(name, registry):
                return name
        end = body.find(" ", at)
        word = body[at:end]
        if end < 0 or not (_is_title(word) or word[:1].isupper() and word not in _NOT_ACTORS) or word[-1:] in ",:;":
            return None
        at = end + 1
    return None


_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_QUOTE_MARKS = tuple(_QUOTE)


def _paragraph_of(article: str, sentences: Sequence[Sentence]) -> list[int]:
    breaks = (
        [m.start() for m in _BLANK_LINE.finditer(article)]
        if "\n\n" in article or "\n " in article or "\n\t" in article
        else []
    )
    return [bisect_left(breaks, s.start) for s in sentences]  # blank lines before each sentence


def _last_name(text: str) -> str | None:
    names = [n for n in _NAME_RE.findall(text) if len(n.split()) >= 2 and not n.startswith("The ")]
    return canonical(names[-1]) if names else None


_HEADLINE_COLON_SOURCE = re.compile(rf":\s*(?P<actor>{_NAME_TOKEN}(?:\s+{_NAME_TOKEN}){{0,3}})$")
_IT_SAID = re.compile(
    r"^It\s+(?:also\s+|further\s+)?(?:said|added|stressed|noted|warned|stated|urged|called|insisted)\b"
)
_BODY_HEADS = frozenset({"ministry", "department", "embassy", "office", "agency", "committee", "council"})
# Nouns of unnamed sources: "the official" refers back to "a senior U.S. official", not to a named person.
_ANONYMOUS = frozenset({"official", "officials", "source", "sources", "diplomat", "diplomats", "insider"})
_NATIONALITIES: dict[str, str] = _LEXICON["nationalities"]


def _country_of(reference: str, registry: Any = None) -> str | None:
    """The country a description names by its adjective or owner: 'the Russian leader', "Russia's
    president" and (with a registry) "the Kremlin's spokesman", "Putin's aide" -> 'Russia'."""
    words = reference.split()
    for k, word in enumerate(words):
        word = word.strip(",")
        pair = f"{words[k - 1]} {word}" if k else ""  # "the South Korean leader", "the New Zealand premier"
        country = _NATIONALITIES.get(pair) or _NATIONALITIES.get(word) or _NATIONALITIES.get(word.rstrip("."))
        if country is None and word[-2:] in ("'s", "\u2019s"):
            owner = word[:-2]
            country = owner if owner in _COUNTRIES else None
            if country is None and registry is not None:
                found = registry.resolve(owner)
                country = found.country or None if found is not None else None  # (of a person: "Putin's aide")
        if country is not None:
            return country
    return None


def _same_person(owner: str, name: str, registry: Any) -> bool:
    """Whether `name` is the owner of a role ("Putin" for "Vladimir Putin"), by surname or registry."""
    if registry is not None:
        a, b = registry.resolve(owner), registry.resolve(name)
        if a is not None and a == b:
            return True
    return owner.split()[-1] == name.split()[-1]


def _owner(reference: str) -> str | None:
    """The person or body that owns a described role: "Putin's spokesman" -> "Putin"."""
    match = re.match(r"(?:[Tt]he\s+)?(?P<owner>[^'\u2019]+)['\u2019]s\s", reference)
    return match.group("owner") if match is not None else None


_SOLE_TITLES = frozenset({"president", "prime minister", "premier", "chancellor", "pope", "king", "taoiseach"})


@lru_cache(maxsize=256)
def _title_pattern(title: str) -> re.Pattern:
    words = r"\s+".join(re.escape(w) for w in title.split())
    return re.compile(rf"(?i:\b{words})\s+(?P<name>{_NAME_TOKEN}(?:\s+{_NAME_TOKEN}){{0,3}})")


def _titled_person(sentences: Sequence[Sentence], i: int, reference: str, registry: Any) -> str | None:
    """The person last named with the reference's title: "the Prime Minister" -> whoever "Prime Minister
    Narendra Modi" was, even when other people were named since ("... Dmitry Peskov said"). Only titles
    that one person holds in a country (president, prime minister, chancellor): an article names many
    ministers and officials, and "the minister" is best left to the nearest speaker."""
    words = reference.split()
    if words[0].lower() != "the" or " ".join(words[1:]).lower() not in _SOLE_TITLES:
        return None
    pattern = _title_pattern(" ".join(words[1:]))
    for j in range(i - 1, max(-1, i - 15), -1):
        named = [canonical(m.group("name")) for m in pattern.finditer(sentences[j].text)]
        named = [name for name in named if (" " in name or registry is not None) and _is_person(name, registry)]
        if named:
            return named[-1]
    return None


def _antecedent(
    sentences: Sequence[Sentence],
    found: list[str | None],
    paragraph: list[int],
    i: int,
    reference: str = "they",
    registry: Any = None,
) -> str | None:
    """The actor a pronoun or a description in sentence i refers back to; None when there is none.

    "they" takes the last named actor before sentence i. "he", "she" and descriptions of one person ("the
    minister", "the Russian leader") take the nearest person instead: a sentence's speaker when it is a
    person, else the first person it names; a description with a nationality prefers the nearest person
    the registry gives that country. Looked up only when a reference needs it, so sentences nobody refers
    back to are never scanned for names.
    """
    if _PRODUCT_HEAD.fullmatch(reference.split()[-1].lower()):
        # "the statement said": whoever issued the statement, named in the sentence that mentioned it
        # ("... said in a joint statement"), else the actor just before.
        noun = reference.split()[-1].lower()
        for j in range(i - 1, max(-1, i - 8), -1):
            if found[j] is not None and noun in sentences[j].text.lower():
                return found[j]
        for j in range(i - 1, max(-1, i - 3), -1):
            if found[j] is not None:
                return found[j]
        return None
    if _OUTLET_RE.fullmatch(reference):
        # "..., the paper argued": the outlet named before (a registered medium), else none.
        for j in range(i - 1, max(-1, i - 12), -1):
            candidates = [found[j]] if found[j] is not None else []
            for name in (*candidates, *(canonical(n) for n in _NAME_RE.findall(sentences[j].text))):
                actor = registry.resolve(name) if registry is not None else None
                if actor is not None and actor.type == "media":
                    return name
        return None
    if _PAIR_RE.fullmatch(reference):
        # "Xi Jinping held talks with Emmanuel Macron. The two leaders called for ...": the two just named.
        for j in range(i - 1, max(-1, i - 3), -1):
            people = list(dict.fromkeys(_people_named(sentences[j].text, registry)))
            if len(people) == 2:
                return f"{people[0]} and {people[1]}"
        return None
    head = reference.split()[-1].strip(".,").lower()
    if head in _BODY_HEADS and len(reference.split()) == 2:
        # "the ministry", "the embassy": the body of that kind named before, else none (not a person).
        for j in range(i - 1, max(-1, i - 8), -1):
            if found[j] is not None and head in found[j].lower():
                return found[j]
        return None
    if reference.lower() == "they":
        for j in range(i - 1, -1, -1):
            name = found[j] if found[j] is not None else _last_name(sentences[j].text)
            if name is not None:
                return name
        return None
    head = reference.split()[-1].strip(".,").lower()
    if head in _ANONYMOUS:
        # "the official", "the source": the anonymous actor of that kind named before ("a senior U.S. official").
        for j in range(i - 1, max(-1, i - 12), -1):
            if found[j] is not None and found[j].split()[-1].lower() == head and not _is_person(found[j], registry):
                return found[j]
    titled = _titled_person(sentences, i, reference, registry)
    if titled is not None:
        return titled
    country = _country_of(reference, registry) if registry is not None else None
    owner = _owner(reference)
    nearest = None
    for j in range(i - 1, -1, -1):
        speaker = [found[j]] if found[j] is not None and _is_person(found[j], registry) else []
        if owner is not None:  # "Putin's spokesman" is not Putin
            speaker = [name for name in speaker if not _same_person(owner, name, registry)]
        if speaker and country is None:
            return speaker[0]
        named = _people_named(sentences[j].text, registry)
        if country is not None:  # "Putin received Witkoff. The US envoy said": a registered surname counts too
            singles = (canonical(n) for n in _NAME_RE.findall(sentences[j].text))
            named = (*named, *(n for n in singles if " " not in n and _is_person(n, registry)))
        if owner is not None:
            named = tuple(name for name in named if not _same_person(owner, name, registry))
        for name in (*speaker, *named):
            if country is None:
                return name
            actor = registry.resolve(name)
            if actor is None:
                nearest = nearest or name  # a person the registry does not know may be of that country
            elif actor.country == country and _fits(reference, actor.type):
                return name
    if country is not None and nearest is None:
        # "The Dutch prime minister said ... . Mark Rutte told reporters": named just after.
        for j in range(i + 1, min(len(sentences), i + 3)):
            for name in _people_named(sentences[j].text, registry):
                actor = registry.resolve(name)
                if actor is not None and actor.country == country and _fits(reference, actor.type):
                    return name
    return nearest


_HEAD_ROLES = frozenset({"president", "premier", "chancellor", "leader", "king", "pope", "taoiseach"})
_STAFF_ROLES = frozenset(
    {"spokesman", "spokeswoman", "spokesperson", "aide", "adviser", "advisor", "envoy", "minister", "diplomat"}
)


def _fits(reference: str, kind: str) -> bool:
    """Whether a registered actor of this type can hold the described role: "Russia's president" is a head
    of state or government, not the Kremlin aide named just before; "Putin's spokesman" is not a head."""
    words = reference.lower().split()
    head = "prime minister" in reference.lower() or words[-1] in _HEAD_ROLES
    if head:
        return kind == "head_of_state_or_government"
    return words[-1] not in _STAFF_ROLES or kind != "head_of_state_or_government"


def _is_name_label(actor: str) -> bool:
    """A source's name closing a headline, not the last words of a claim ("... - NATO Summit 2024")."""
    words = actor.split()
    return words[0] not in _NOT_ACTORS and not any(w.isdigit() for w in words) and not actor.isupper()


def _adjective(word: str) -> bool:
    """A nationality or region adjective standing alone: "European", "Western", "Ukrainian"."""
    return word in _NATIONALITIES or word in {"Western", "Eastern", "Nordic", "Baltic"} or _is_title(word)


# A headline's source named by role only: "..., defence minister says", "Estonian foreign minister tells ...",
# "..., says Polish PM". The body names the person: "Defence Minister Ben Wallace".
_HEADLINE_ROLE = re.compile(
    r"(?:^|,\s+(?:says\s+)?)(?P<role>(?:[A-Z][\w.-]*\s+)?(?:(?:foreign|defen[cs]e|prime|finance)\s+minister|minister"
    r"|president|prime\s+minister|premier|chancellor|PM|FM|aide|spokes(?:man|woman|person)|envoy|senator))"
    r"(?:\s+(?:says|tells|warns|urges|calls)\b|$)",
    re.IGNORECASE,
)
_ROLE_ABBREVIATIONS = {"pm": "prime minister", "fm": "foreign minister"}


def _headline_role(sentences: Sequence[Sentence], found: str | None) -> str | None:
    """The person a headline names by role only, as the first sentences of the body name them."""
    headline = sentences[0].text
    match = _HEADLINE_ROLE.search(headline)
    if match is None or (found is not None and _is_person(found, None)):
        return None
    words = match.group("role").split()
    role = _ROLE_ABBREVIATIONS.get(words[-1].lower(), words[-1].lower())
    if len(words) > 1 and words[-2].lower() in {"foreign", "defence", "defense", "prime", "finance"}:
        role = f"{words[-2].lower()} {role}"
    pattern = _title_pattern(role)
    for sentence in sentences[1:6]:
        for named in pattern.finditer(sentence.text):
            name = canonical(named.group("name"))
            if " " in name and _is_person(name, None):
                return name
    return None


def _past_the_outlet(text: str, actor: str, method: str | None, registry: Any) -> tuple[str, str | None]:
    """The holder a sentence names besides the news outlet that reported it: '"... far from the front
    lines," the Telegraph wrote' after "According to Starmer's plan" is Starmer's. An outlet reports what
    others hold; it holds the position only when no one else is named (its own editorial: "..., GT points
    out"). The outlet's name is masked and the rules asked again."""
    outlet = registry.resolve(canonical(actor))
    at = text.find(actor)
    if outlet is None or outlet.type != "media" or at < 0:
        return actor, method
    masked = text[:at] + "x" * len(actor) + text[at + len(actor) :]
    other, other_method = _explicit(masked)
    if other is None:  # "The Financial Times reported that Berlin is ready to ...": Berlin's
        reported = _OUTLET_REPORTED.search(masked, at + len(actor))
        if reported is not None and _acceptable(reported.group("actor")):
            other, other_method = reported.group("actor"), "reporting_verb"
    return (other, other_method) if other is not None else (actor, method)


_BODY_REPORTED = re.compile(
    rf"\s(?:said|says|stated|reported)(?:\s+(?:in|on)\s+(?:a|its|the)\s+(?:readout|statement)[^,]{{0,30}}?)?\s+that\s+"
    rf"(?P<actor>{_NAME})\s+(?:told|assured|stressed|reaffirmed|underlined|underscored|emphasi[sz]ed|said|noted)\b"
)
_OUTLET_REPORTED = re.compile(
    rf"\s(?:reported|reports|said|says|wrote|writes|learned|has\s+learned)(?:,\s[^,]{{1,60}},)?\s+that\s+"
    rf"(?P<actor>{_GROUP}|{_NAME}){_AUX}\s+[a-z]"
)


def attribute(
    article: str,
    sentences: Sequence[Sentence],
    needed: Sequence[bool] | None = None,
    registry: Any = None,
    parser: Any = None,
) -> list[str | None]:
    """The actor of each sentence (None when the writer speaks); see `attribute_with_methods`."""
    return attribute_with_methods(article, sentences, needed, registry, parser)[0]


_HEADLINE_VERBS = frozenset(verb for verb in VERBS if " " not in verb and verb.endswith(("s", "ed")) or verb == "said")
_CAPITALISED_WORD = re.compile(r"(?<=\s)[A-Z][a-z]+\b")


def _verbs_in_lower_case(headline: str) -> str:
    """A headline in title case with its verbs in lower case: "Kremlin Says No Breakthrough Expected" ->
    "Kremlin says No Breakthrough Expected", so that the rules read "Kremlin" as the source, not a name
    "Kremlin Says No Breakthrough Expected". Headlines in sentence case are returned as they are."""
    words = headline.split()
    long_words = [w for w in words if len(w) > 3]
    if len(words) < 4 or sum(w[:1].isupper() for w in long_words) < 0.75 * len(long_words):
        return headline
    return _CAPITALISED_WORD.sub(
        lambda m: m.group(0).lower() if m.group(0).lower() in _HEADLINE_VERBS else m.group(0), headline
    )


def attribute_with_methods(
    article: str,
    sentences: Sequence[Sentence],
    needed: Sequence[bool] | None = None,
    registry: Any = None,
    parser: Any = None,
) -> tuple[list[str | None], list[str | None]]:
    """The actor of each sentence and the rule that found it (quote, headline, according_to, reporting_verb,
    subject, pronoun, continued_quote, first_person, interview, letter, parser, context), None for both when
    the writer speaks.

    The sentence rules, the subject of a stance verb among them, apply to every sentence: the model may
    miss a position that the reader sees, and the holder should be there when it does (on the held-back
    real-reporting articles, 4 of the 7 gold holders that `stance classify` used to leave out were named
    this way). `needed` marks the sentences that hold a position (None: all do): only they are worth the
    parser's cost, and only they borrow the last source of a report, which for a sentence of background
    ("The remarks were published.") would name someone who did not say it. registry: the actor registry
    (`pipeline.actors.registry`); with it, a one-word subject ("Approve the money ...", "Nearly all ...")
    counts only when it is a registered actor or the surname of a name the article used before. parser: a
    `pipeline.actors.parser.SubjectParser`, run on the sentences in `needed` that the rules leave without
    an actor (method "parser"). The sentences in `needed` that still have none take the last source before
    them when the article is a report ("context").
    """
    paragraph = _paragraph_of(article, sentences)
    # Which sentences open with a quote mark (segmentation trims them; other callers may not).
    opens = [
        (text := sentence.text).startswith(_QUOTE_MARKS)
        or text[:1].isspace()
        and text.lstrip().startswith(_QUOTE_MARKS)
        for sentence in sentences
    ]
    found: list[str | None] = []
    methods: list[str | None] = []
    surnames: set[str] = set()
    for i, sentence in enumerate(sentences):
        text = _verbs_in_lower_case(sentence.text) if i == 0 else sentence.text
        actor, method = _explicit(text)
        if actor is not None and registry is not None:
            actor, method = _past_the_outlet(text, actor, method, registry)
            if method == "reporting_verb" and not _is_person(canonical(actor), registry):
                # "The Kremlin said in a readout that Putin told Erdogan ...": the leader it reports
                leader = _BODY_REPORTED.search(sentence.text)
                if leader is not None and _is_person(canonical(leader.group("actor")), registry):
                    actor = leader.group("actor")
        if i == 0 and method in (None, "subject") and ":" in sentence.text:
            # A headline that names its source after a colon: "Ukraine will never join NATO: Peskov".
            source = _HEADLINE_COLON_SOURCE.search(sentence.text)
            if source is not None and _is_name_label(source.group("actor")):
                actor, method = source.group("actor"), "headline"
        if actor is None and _IT_SAID.match(sentence.text):
            # "The Kremlin commented on ... . It added that ...": the body named in the sentences before.
            for j in range(i - 1, max(-1, i - 3), -1):
                if found[j] is not None and not _is_person(found[j], registry):
                    actor, method = found[j], "pronoun"
                    break
        if method == _UNNAMED:
            # "It was the third time Hegseth had halted aid ..., the sources said": the person who acted
            # holds the position the unnamed sources report.
            acting = discourse.acting_actor(sentence.text, registry)
            actor, method = (acting, "subject") if acting is not None else (actor, "reporting_verb")
        if actor is not None and _is_reference(actor):
            # (A sentence that opens with its pronoun has no other subject to look for.)
            own = (
                _own_subject(sentence.text, registry)
                if actor.lower() in {"he", "she"} and not sentence.text.startswith(("He ", "She "))
                else None
            )
            if own is not None:  # "Senator Ilse Brandt drew fire when she suggested ...": her own sentence's
                actor, method = own, "subject"
            else:
                # "The Slovak premier said" with no Slovak named before: the description, not someone else.
                described = (
                    re.sub(r"^[Tt]he\s+", "", actor)
                    if actor.lower() not in {"he", "she", "they"} and _country_of(actor, registry)
                    else None
                )
                actor, method = _antecedent(sentences, found, paragraph, i, actor, registry) or described, "pronoun"
        elif actor is not None:
            raw, actor = actor, canonical(actor)
            # A one-word subject, or one after "The" ("The Verkhovna Rada adopted ...", not "The Diplomatic
            # Road to ..."), must be a registered actor or a surname the article used before.
            if (
                method == "subject"
                and registry is not None
                and (" " not in actor or raw.startswith("The "))
                and actor not in surnames
                and registry.resolve(actor) is None
            ):
                actor, method = None, None
            elif (
                method == "subject"
                and registry is not None
                and len(first := raw.split()[0]) > 5
                and first.endswith("ing")
                and first not in surnames
                and registry.resolve(first) is None
                and registry.resolve(actor) == registry.resolve(" ".join(actor.split()[1:]) or first)
            ):
                actor, method = None, None  # "Handing Ukraine an end point ...": an act, not an actor
        if actor is not None and " " in actor:
            surnames.add(actor.split()[-1])
        found.append(actor)
        methods.append(method if actor is not None else None)
    if sentences and paragraph[0] == 0 and len(sentences) > 1:
        titled = _headline_role(sentences, found[0])
        if titled is not None:
            found[0], methods[0] = titled, "headline"
    # "Peskov" after "Dmitry Peskov": one actor, one name, so summaries count them together.
    # Only names: not groups and bodies ("Trump administration", "United States and Ukraine").
    names = [name for name in found if name and len(name.split()) >= 2 and _NAME_ONLY.fullmatch(name)]
    full = {name.split()[-1]: name for name in names}
    # "Wang" after "Wang Yi", "Mao" after "Mao Ning": names that put the family name first.
    firsts = [name for name in names if len(name.split()) == 2 and name.split()[0] not in full]
    for name in firsts:
        if sum(other.split()[0] == name.split()[0] for other in set(firsts)) == 1:
            full.setdefault(name.split()[0], name)
    # "the negotiators" after "Ukrainian negotiators": a bare group noun is the group named before.
    groups = {name.split()[-1]: name for name in found if name and " " in name and name.split()[-1].islower()}
    found = [
        (full.get(name, name) if name[0].isupper() else groups.get(name, name)) if name and " " not in name else name
        for name in found
    ]
    # A quotation running over several sentences shares its attribution.
    for i in range(len(sentences)):
        if found[i] is not None or not opens[i]:
            continue
        for j in (i - 1, i + 1, i + 2):
            if 0 <= j < len(sentences) and paragraph[j] == paragraph[i] and found[j] is not None:
                if any(q in sentences[j].text for q in _QUOTE):
                    found[i], methods[i] = found[j], "continued_quote"
                    break
    discourse.inside_quotations(sentences, paragraph, found, methods)
    discourse.first_person_follow_ups(sentences, paragraph, found, methods)
    discourse.quotes_after_their_speaker(sentences, paragraph, found, methods, registry)
    discourse.interview_answers(sentences, found, methods, registry)
    discourse.headed_statements(sentences, found, methods, registry)
    discourse.signed_letters(sentences, found, methods, registry)
    if parser is not None:
        todo = [i for i in range(len(sentences)) if found[i] is None and (needed is None or needed[i])]
        if todo:
            for i, subject in zip(todo, parser.subjects([sentences[i].text for i in todo]), strict=True):
                if subject is not None and not _prescribed_subject(sentences[i].text, subject):
                    name = canonical(subject)
                    reference = (
                        subject
                        if _is_reference(subject) and subject.lower() not in {"he", "she", "they"}
                        else f"the {name}"
                        if " " in name and not _is_person(name, registry) and _is_reference(f"the {name}")
                        else None
                    )
                    if reference is not None:
                        # "The Hungarian prime minister said ...", "The two leaders agreed": whom that
                        # description refers to, as for the rules; the description itself when none is named.
                        name = _antecedent(sentences, found, paragraph, i, reference, registry) or name
                    found[i], methods[i] = full.get(name, name), "parser"
    discourse.stated_after(sentences, found, methods)
    discourse.carried_over(sentences, found, methods, needed, registry)
    if registry is not None and any(name is not None and name.lower() in _UNQUALIFIED for name in found):
        adjective = _dateline_adjective(sentences, registry)
        if adjective is not None:  # "BEIJING: A foreign ministry spokeswoman said" -> "Chinese foreign ministry"
            found = [f"{adjective} {name}" if name and name.lower() in _UNQUALIFIED else name for name in found]
    return found, methods


# Bodies news names without their country when the dateline gives it.
_UNQUALIFIED = frozenset(
    {
        "government",
        "foreign ministry",
        "defence ministry",
        "defense ministry",
        "ministry of defence",
        "ministry of defense",
        "ministry of foreign affairs",
        "presidential office",
        "president's office",
        "cabinet",
    }
)
_DATELINE_CITY = re.compile(r"^\s*(?P<city>[A-Z][A-Z'.-]+(?:\s+[A-Z][A-Z'.-]+){0,2})\s*(?:,|\(|:|\s[-\u2013\u2014])")
_ADJECTIVES = {country: adjective for adjective, country in reversed(list(_NATIONALITIES.items()))} | {
    "United States": "U.S."
}


def _dateline_adjective(sentences: Sequence[Sentence], registry: Any) -> str | None:
    """The adjective of the country whose city opens the article's dateline: "OSLO, 4 June -" -> "Norwegian"."""
    for sentence in sentences[:2]:
        match = _DATELINE_CITY.match(sentence.text)
        if match is not None and len(match.group("city")) > 2:
            actor = registry.resolve(match.group("city").title())
            if actor is not None and actor.country:
                return _ADJECTIVES.get(actor.country)
    return None


def _same_actor(gold: str, predicted: str | None) -> bool:
    """Lenient match: 'Mark Rutte' ~ 'Rutte', 'Russian government' ~ 'Russia'; 'author' only matches itself."""
    predicted = predicted or AUTHOR
    if gold == AUTHOR or predicted == AUTHOR:
        return gold == predicted
    stop = {"the", "of", "and", "s", "a", "an"}
    g = [w for w in re.findall(r"[a-z]+", gold.lower()) if w not in stop]
    p = [w for w in re.findall(r"[a-z]+", predicted.lower()) if w not in stop]
    return any(a[:5] == b[:5] for a in g for b in p)


def article_of_rows(rows: list[str]) -> tuple[str, list[Sentence]]:
    """A labeled article's text and sentences from its rows in order: the headline, a blank line, then the
    body as one paragraph (the shape `accuracy` measures; rows are not re-split)."""
    article = rows[0] + "\n\n" + " ".join(rows[1:])
    sentences, pos = [], 0
    for text in rows:
        start = article.index(text, pos)
        sentences.append(Sentence(start, start + len(text), text))
        pos = start + len(text)
    return article, sentences


def accuracy(
    labeled: pd.DataFrame, registry: Any = None, parser: Any = None, held: pd.Series | None = None
) -> dict[str, float | int]:
    """How often the rules name the gold holder, on labeled article sentences with a `speaker`.

    Each fully labeled article is rebuilt from its sentences (headline, then the
    body as one paragraph), attributed, and compared with the `speaker` column:
    strictly (`registry.same_actor`: the same registered actor, full name or a
    bare surname of it; the headline figure) and leniently (any shared
    five-letter word start, as this project once measured: Trump = Tusk).
    held: per row of `labeled`, whether the model finds a position in it, as `stance classify` knows it
    (the parser and a report's borrowed source serve only those); None treats every sentence as held.
    """
    from pipeline.actors.registry import same_actor

    rows = labeled[labeled["sentence_index"].astype(str) != ""].copy()
    rows["_index"] = rows["sentence_index"].astype(int)
    total = strict = lenient = articles = 0
    for _, group in rows.groupby("article_id", sort=True):
        group = group.sort_values("_index")
        article, sentences = article_of_rows(group["text"].tolist())
        gold_speakers = group["speaker"].fillna("").tolist()
        articles += any(gold_speakers)
        needed = None if held is None else [bool(h) for h in held.loc[group.index]]
        found_all = attribute(article, sentences, needed, registry=registry, parser=parser)
        for gold, found in zip(gold_speakers, found_all, strict=True):
            if gold:
                total += 1
                strict += same_actor(gold, found, registry)
                lenient += _same_actor(gold, found)
    return {
        "articles": articles,
        "sentences": total,
        "correct": strict,
        "accuracy": round(strict / total, 4) if total else 0.0,
        "lenient_correct": lenient,
        "lenient_accuracy": round(lenient / total, 4) if total else 0.0,
    }
