"""Who holds a position, read from the article around a sentence rather than from the sentence alone.

The sentence rules (`pipeline.actors.attribution`) read one sentence at a time;
these passes read the article's shape and fill in, in place, the sentences
the rules left without a holder:

- a quotation that runs over several sentences is its speaker's throughout,
  and a first-person sentence right after a quote goes on speaking for the
  quoted (`inside_quotations`, `first_person_follow_ups`);
- answers in a Q&A interview are the interviewee's, turns of a transcript
  their labelled speaker's (`interview_answers`), letters on a letters page
  their signer's (`signed_letters`);
- in a news report, a position no rule reaches belongs to a person named
  doing something in it, else to the source of the sentences before it
  (`carried_over`).

Each takes the sentences, the holders found so far and the rule that found
each (`found`, `methods`) and changes only entries that are still None.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pipeline.actors.names import (
    ACTOR_START,
    NAME,
    NOT_ACTORS,
    QUOTE,
    canonical,
    is_person,
    is_title,
    people_named,
)
from pipeline.text.segment import Sentence


def _quote_balance(text: str) -> tuple[int, int]:
    """(curly opening minus closing marks, straight marks) in `text`: how it moves the quotation state."""
    return text.count("\u201c") - text.count("\u201d"), text.count('"')


def inside_quotations(
    sentences: Sequence[Sentence], paragraph: list[int], found: list[str | None], methods: list[str | None]
) -> None:
    """Give sentences inside a quotation that spans several sentences the quotation's speaker (in place).

    News quotes a speaker at length: '"I have faith in our army. And I am certain diplomacy's moment has
    come," Sybiha said.' The middle sentences have no quote mark and no attribution of their own; they
    belong to whoever the sentence that opens the quotation, or the one that closes it, names. A
    quotation is open after a sentence with more opening curly marks than closing ones, or an odd number
    of straight marks; a new paragraph ends it (news reopens a quote at each paragraph, and those
    paragraphs start with a mark, which `continued_quote` handles). A quotation that never closes lends
    its speaker to at most three sentences: beyond that a lost closing mark is likelier than a speech.
    """
    curly = straight = 0
    opened_at: int | None = None
    inside: list[int] = []

    def settle(closing: int | None) -> None:
        if closing is None and len(inside) > 3:
            return  # never closed: more likely a lost closing mark than a long speech
        source = None
        if opened_at is not None and found[opened_at] is not None:
            source = opened_at
        elif closing is not None and found[closing] is not None:
            source = closing
        if source is not None:
            for k in inside:
                if found[k] is None:
                    found[k], methods[k] = found[source], "continued_quote"

    for i, sentence in enumerate(sentences):
        if i and paragraph[i] != paragraph[i - 1] and opened_at is not None:
            settle(None)
            curly = straight = 0
            opened_at, inside = None, []
        was_open = curly > 0 or straight % 2 == 1
        d_curly, d_straight = _quote_balance(sentence.text)
        curly, straight = max(0, curly + d_curly), straight + d_straight
        now_open = curly > 0 or straight % 2 == 1
        if was_open and not (d_curly or d_straight):
            inside.append(i)
        elif was_open and not now_open:
            settle(i)
            opened_at, inside = None, []
        elif not was_open and now_open:
            opened_at, inside = i, []
    if opened_at is not None:
        settle(None)


_FIRST_PERSON = re.compile(r"\b(?:I|we|We|us|our|Our|my|My|me)\b")
_QUOTING = frozenset({"quote", "continued_quote"})


def first_person_follow_ups(
    sentences: Sequence[Sentence], paragraph: list[int], found: list[str | None], methods: list[str | None]
) -> None:
    """A first-person sentence right after a quoted speaker goes on speaking for them (in place).

    '"We will stand by Kyiv," Austin said at the base. We will back Ukraine for as long as it takes.' Pages
    often lose the second sentence's quote marks, and transcripts never had them. Only a sentence with no
    attribution of its own and no quote mark, in the same paragraph as a sentence attributed by its quote
    (or one that borrowed such an attribution), borrows it; a writer's "we" after plain reporting stays
    the writer's.
    """
    for i in range(1, len(sentences)):
        j = i - 1
        if found[i] is not None or found[j] is None or paragraph[i] != paragraph[j]:
            continue
        text = sentences[i].text
        if any(q in text for q in QUOTE) or not _FIRST_PERSON.search(text):
            continue
        if methods[j] in _QUOTING or (methods[j] == "first_person" and _FIRST_PERSON.search(sentences[j].text)):
            found[i], methods[i] = found[j], "first_person"


# "This was stated by Kremlin spokesman Dmitry Peskov.", "Zelensky said this in his nightly address.": a
# source named after the claim, in a sentence of its own (the way translated Ukrainian and Russian copy
# attributes a statement).
_STATED_THIS = re.compile(
    r"^(?:(?:This|That|It|These\s+words)\s+(?:was|were)\s+(?:stated|said|announced|reported|noted|emphasi[sz]ed"
    r"|declared|written|voiced|posted)\s+by\b|[^.,;:]{1,80}?\s(?:said|stated|announced|wrote|noted|reported)"
    r"\s+this(?=[.,;]|\s+(?:in|on|at|during|after|while|when|to|as)\b))"
)
_WEAK = frozenset({None, "subject", "parser", "context"})


def stated_after(sentences: Sequence[Sentence], found: list[str | None], methods: list[str | None]) -> None:
    """A claim followed by "This was stated by X." or "X said this ..." is X's (in place): the source of
    the next sentence outranks a guess from the claim's own subject ("The United States is preparing a
    package." is Zelensky's when "Zelensky said this in his nightly address." follows)."""
    for i in range(1, len(sentences)):
        if found[i] is not None and methods[i - 1] in _WEAK and _STATED_THIS.match(sentences[i].text):
            found[i - 1], methods[i - 1] = found[i], "reporting_verb"


def quotes_after_their_speaker(
    sentences: Sequence[Sentence],
    paragraph: list[int],
    found: list[str | None],
    methods: list[str | None],
    registry: Any,
) -> None:
    """A quotation standing alone right after a sentence about a person is that person's (in place):
    'Zelensky commented on the night attack. "Ukraine needs air defence, and our partners can help."'
    Only a whole sentence in quote marks with no attribution of its own, after a sentence of the same
    paragraph that names its holder and quotes nothing."""
    for i in range(1, len(sentences)):
        text, before = sentences[i].text, sentences[i - 1].text
        if found[i] is not None or found[i - 1] is None or paragraph[i] != paragraph[i - 1]:
            continue
        if text[:1] in QUOTE and text.rstrip(".")[-1:] in QUOTE and not any(q in before for q in QUOTE):
            if is_person(found[i - 1], registry) or methods[i - 1] in {"reporting_verb", "headline"}:
                found[i], methods[i] = found[i - 1], "continued_quote"


_QUESTION = re.compile(r"^\s*(?:Q|Question)\s*[:.]\s")
_ANSWER = re.compile(r"^\s*(?:A|Answer)\s*[:.]\s")
# A transcript's speaker label: "PRESS SECRETARY JOHN F. KIRBY: OK, let's get started.", "DONALD TRUMP,
# PRESIDENT OF THE UNITED STATES: ...", "PRESS SECRETARY JEAN-PIERRE (00:08):", a label alone on its line.
_ROLE_AFTER = r"(?:\s*,\s*(?P<role>[^:]{1,60}?))?(?:\s*[(\[][^)\]]{0,40}[)\]])?:(?:\s|$)"
# The programme's own people: their turns hold no one's position but what they report ("LEILA FADEL, HOST:").
_JOURNALIST = re.compile(r"(?i)\b(?:host|byline|anchor|correspondent|reporter|moderator|interviewer)\b")
_LABEL = re.compile(rf"^\s*(?P<label>(?:[A-Z][A-Z.'\u2019-]*\s+){{0,5}}[A-Z][A-Z.'\u2019-]*){_ROLE_AFTER}")
# The same in mixed case ("NATO Secretary General Mark Rutte:", "Sarah Kelly (Deutsche Welle):"), and a
# label that is a titled name with a full stop ("President Trump."), as some archives print them: taken
# only on a page with two or more, since a body sentence may open with "Ukraine: ..." once.
_MIXED_LABEL = re.compile(
    r"^\s*(?P<label>[A-Z][\w.'\u2019-]*(?:\s+(?:[A-Z][\w.'\u2019-]*|de|von|van|der|al|bin|of|the)){0,6})" + _ROLE_AFTER
)
_STOP_LABEL = re.compile(r"^\s*(?P<label>(?:[A-Z][\w'\u2019-]*\s+){0,3}[A-Z][\w'\u2019-]*)\.$")
# A reporter's turn: "Q: ...", "QUESTION: ...", "Q Mr. President, ...", "Q." alone.
_ASKING = re.compile(r"^\s*(?:Q|QUESTION|Question)(?:\s*[.:]|\s+(?=[A-Z]))")


def _turn_label(text: str, registry: Any) -> str | None:
    """The label a transcript's turn opens with, "" for a reporter's or host's turn; None for no label."""
    if text.lstrip()[:1] == "Q" and _ASKING.match(text):
        return ""
    if ":" in text[:90]:
        label = _LABEL.match(text) or _MIXED_LABEL.match(text)
        if label is not None:
            role = label.group("role")
            return "" if role is not None and _JOURNALIST.search(role) else label.group("label")
    stop = _STOP_LABEL.match(text) if len(text) < 40 else None
    if stop is not None:
        words = stop.group("label").split()
        if len(words) > 1 and (is_title(words[0]) or is_person(stop.group("label"), registry)):
            return stop.group("label")
    return None


def _as_written(label: str) -> str:
    return label.title() if label.isupper() else label


def interview_answers(
    sentences: Sequence[Sentence], found: list[str | None], methods: list[str | None], registry: Any
) -> None:
    """Answers in a question-and-answer interview, and turns in a transcript, are their speaker's (in place).

    An interview names its subject before the first question ("Oksana Hrytsenko, deputy foreign minister,
    spoke to us in Kyiv."); every sentence from an "A:" to the next "Q:" is hers unless it names a source
    of its own. A transcript labels each turn ("PRESS SECRETARY JOHN F. KIRBY: ...", "President Trump.");
    a label that names a person (`_labelled`) holds the sentences up to the next label, and those in the
    first person whose only holder was their grammatical subject ("Ukraine won't be joining NATO, that I
    can tell you"; "America has sent enough." reports America's stand). Labels of hosts and reporters
    ("HOST:", "Q") end a turn; one-word labels that name no registered person are left alone: datelines
    ("WARSAW:") look the same.
    """
    questions = [i for i, s in enumerate(sentences) if s.text.lstrip()[:1] == "Q" and _QUESTION.match(s.text)]
    answers = [i for i, s in enumerate(sentences) if s.text.lstrip()[:1] == "A" and _ANSWER.match(s.text)]
    if questions and answers:
        subject = next(
            (names[0] for j in range(questions[0]) if (names := people_named(sentences[j].text, registry))),
            None,
        )
        speaking = False
        for i, sentence in enumerate(sentences):
            if _QUESTION.match(sentence.text):
                speaking = False
            elif _ANSWER.match(sentence.text):
                speaking = True
            if speaking and subject is not None and found[i] is None:
                found[i], methods[i] = subject, "interview"
        return
    labels = [_turn_label(sentence.text, registry) if i else None for i, sentence in enumerate(sentences)]
    if sum(label is not None for label in labels) < 2:  # a lone mixed-case label is a body's "Ukraine: ..."
        labels = [label if label is not None and (label == "" or label.isupper()) else None for label in labels]
    speaker = None
    for i, label in enumerate(labels):
        if label is not None:
            speaker = _labelled(_as_written(label), sentences[:i], registry) if label else None
            taken = found[i] is not None and found[i] == canonical(_as_written(label))  # the label as a source
            if speaker is not None or methods[i] == "subject" or taken:  # "HOST: Thank you." has no subject
                found[i], methods[i] = speaker, "interview" if speaker is not None else None
        elif speaker is not None and (
            found[i] is None or methods[i] == "subject" and _FIRST_PERSON.search(sentences[i].text) is not None
        ):
            found[i], methods[i] = speaker, "interview"


def _labelled(label: str, before: Sequence[Sentence], registry: Any) -> str | None:
    """The person a transcript's turn label names, None for hosts, reporters and datelines.

    "Andrii Sybiha" (a person's name), "Zelenskyy" (a registered person), "Mr. Miller", "President
    Zelenskyy" (a surname that came with an honorific or title) and "McGUINTY" (a surname in capitals after
    its "Mc") name their speaker. A title alone ("THE PRESIDENT", "NATO Secretary General") is the first
    person the page names with that title, as its heading does ("Remarks by President Trump and President
    Zelenskyy ...").
    """
    name = canonical(label)
    if is_person(name, registry):
        return name
    words = label.split()
    if len(name.split()) == 1 and len(words) > 1 and not is_title(name) and is_title(words[-2]):
        # "Mr. Miller", "Secretary Rubio", "President Hale" (the full name when the page gave it before)
        named = (person for sentence in before for person in people_named(sentence.text, registry))
        return next((person for person in named if person.split()[-1].lower() == name.lower()), name)
    # (Not "SIMON:" for "Scott Simon" named before: one-word labels are mostly the host's and reporters'.)
    if len(name.split()) == 1 and not is_title(name) and not name.isupper() and name[1:] != name[1:].lower():
        return name  # "McGUINTY:", a surname printed in capitals, where "Moderator:" is a role
    title = label[4:] if label.startswith("The ") else label
    if is_title(title.split()[-1]):
        pattern = re.compile(rf"(?i:\b{re.escape(title)})\s+(?P<name>{NAME})")
        for sentence in before:
            for match in pattern.finditer(sentence.text):
                holder = canonical(match.group("name"))
                if is_person(holder, registry) or " " not in holder and holder[:1].isupper():
                    return holder
    return None


# A page that is one speaker's own words: "Statement by President Joe Biden on ...", "Remarks of the
# Foreign Minister Andrii Sybiha at ...", "Press stake-out with NATO Secretary General Mark Rutte".
_STATEMENT_HEADING = re.compile(
    r"^\s*(?:(?:Joint|Press|Opening|Closing|Video|Keynote|Doorstep)\s+)*(?:[Ss]tatement|[Rr]emarks|[Aa]ddress|"
    r"[Ss]peech|[Ss]take-?out|[Mm]essage|[Ll]etter|[Aa]ppeal|[Cc]omments)\s+(?:by|from|of|with)\s+(?:the\s+)?"
    rf"(?P<holder>{NAME})"
)


def headed_statements(
    sentences: Sequence[Sentence], found: list[str | None], methods: list[str | None], registry: Any
) -> None:
    """A page headed as one speaker's statement or remarks is that speaker's (in place).

    Official sites print statements, speeches and stake-outs under a heading that names the speaker
    ("Statement from President Joe Biden on the Senate vote"), and the body is in the first person with no
    attribution ("I urge the House to pass it."). Sentences before the first transcript label ("Question:")
    that no rule attributes, or that only their subject or the parser did while speaking in the first person,
    are the speaker's. A heading that names no person or registered body ("Remarks at the summit") changes
    nothing.
    """
    heading = _STATEMENT_HEADING.match(sentences[0].text) if sentences else None
    if heading is None:
        return
    holder = canonical(heading.group("holder"))
    if not (is_person(holder, registry) or registry is not None and registry.resolve(holder) is not None):
        return
    for i in range(1, len(sentences)):
        if methods[i] == "interview" or _turn_label(sentences[i].text, registry) is not None:
            break
        first_person = _FIRST_PERSON.search(sentences[i].text) is not None
        if found[i] is None or methods[i] in {"subject", "parser"} and first_person:
            found[i], methods[i] = holder, "headline"


# A letter's signature: "Margaret Ellery, Leeds", "Rev. Thomas Aldane, Market Harborough", "Dr Iryna Bondar".
_SIGNATURE = re.compile(
    r"^\s*(?:(?:Dr|Rev|Prof|Sir|Lord|Lady|Mr|Mrs|Ms|Col|Gen)\.?\s+)?(?P<name>[A-Z][\w'\u2019-]+(?:\s+[A-Z][\w'\u2019.-]+){1,3})"
    r"(?:,\s+[A-Z][\w'\u2019.-]*(?:\s+[\w'\u2019.-]+){0,4})?\s*$"
)


def signed_letters(
    sentences: Sequence[Sentence], found: list[str | None], methods: list[str | None], registry: Any
) -> None:
    """A letters page: each letter's sentences are its signer's (in place).

    Letters to the editor end with a line that is only a name and a place ("Margaret Ellery, Leeds"); the
    letter runs from the previous signature (or the headline) to it. Its sentences with no source of their
    own are the signer's ("author"-like, but a named member of the public). Only a page with two or more
    such lines counts as a letters page, so a lone caption or byline changes nothing.
    """
    signatures = []
    for i, sentence in enumerate(sentences[1:], 1):
        match = _SIGNATURE.match(sentence.text) if len(sentence.text) < 80 else None
        if match is not None and is_title(match.group("name").split()[0]):
            continue  # "President Trump." is a transcript's turn label (`interview_answers`), not a signature
        if match is not None and is_person(canonical(match.group("name")), registry):
            signatures.append((i, canonical(match.group("name"))))
    if len(signatures) < 2:
        return
    start = 1
    for end, name in signatures:
        for i in range(start, end):
            if found[i] is None:
                found[i], methods[i] = name, "letter"
        start = end + 1


_ACTING = re.compile(rf"(?<![^\W_]){ACTOR_START}(?P<actor>{NAME})\s+(?:had\s+|has\s+)?(?P<verb>[a-z]+(?:ed|s))\b")


def acting_actor(text: str, registry: Any) -> str | None:
    """A person doing something anywhere in the sentence: "after which Trump ordered deliveries halted",
    "the third time Hegseth had halted aid". Asked only of a report's positions that no other rule
    attributes, before the report's last source is borrowed: an act named in the sentence is its own
    holder's. (In commentary a country named doing something is what the writer argues about.)"""
    for match in _ACTING.finditer(text):
        name = canonical(match.group("actor"))
        if name.split()[0] in NOT_ACTORS or match.group("verb") in {"was", "has", "is"}:
            continue
        if is_person(name, registry):
            return name
    return None


_REPORTED = frozenset({"quote", "continued_quote", "reporting_verb", "according_to"})


def carried_over(
    sentences: Sequence[Sentence],
    found: list[str | None],
    methods: list[str | None],
    needed: Sequence[bool] | None,
    registry: Any,
) -> None:
    """In a news report, a position no rule attributes belongs to the last source named before it (in place).

    Reports paraphrase a source over several sentences ("Peskov said ... . Arms deliveries would have to
    stop for the truce's duration."), and the writer of a report takes no side of their own. Commentary
    is different: there an unattributed position is the writer's. A report is told apart by how much of it
    is attributed: at least a fifth of its sentences carry a quote or a reporting verb (on the labeled
    articles, unattributed positions above that share were almost never the writer's; below it, mostly).
    Only the three sentences before are looked at, and only when the sentence names no person doing
    something of their own (`acting_actor`, method "subject") and does not speak in the writer's voice: a
    prescription ("The House should vote this week.") or a first person outside quote marks ("I agree.")
    is the writer's even among quotes (op-eds quote often enough to pass for reports).
    """
    if not found:
        return
    reported = sum(method in _REPORTED for method in methods)
    if reported < _REPORT_SHARE * len(found):
        return
    for i in range(1, len(found)):
        if found[i] is not None or (needed is not None and not needed[i]):
            continue
        acting = acting_actor(sentences[i].text, registry)
        if acting is not None:
            found[i], methods[i] = acting, "subject"
            continue
        if _WRITERS_VOICE.search(sentences[i].text):
            continue  # "The House should vote this week.", "I agree.": the writer's, even in a report
        for j in range(i - 1, max(-1, i - 4), -1):
            if found[j] is not None:
                found[i], methods[i] = found[j], "context"
                break


_REPORT_SHARE = 0.2  # tied with 0.25 on the training articles; see README (Speaker attribution)
# A prescription or the writer's first person outside quote marks.
_WRITERS_VOICE = re.compile(r"^[^\"\u201c\u201d]*\b(?:should|must|ought\s+to|I|we|We|our|Our)\b[^\"\u201c\u201d]*$")
