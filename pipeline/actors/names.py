"""Names in news text: what a name looks like, its canonical form, and whether it is one person's.

Shared by the sentence rules (`pipeline.actors.attribution`) and the passes
over a whole article (`pipeline.actors.discourse`): both need to find names
("Foreign Minister Andrii Sybiha", "von der Leyen"), cut titles from them
("Andrii Sybiha") and tell a person from a place or a body. The word lists
are data: pipeline/actors/lexicon.yaml.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

# The word lists (verbs, roles, titles, non-actors) are data: pipeline/actors/lexicon.yaml.
LEXICON = yaml.safe_load((Path(__file__).with_name("lexicon.yaml")).read_text(encoding="utf-8"))
_TITLE_WORDS = set(LEXICON["title_words"])
# Name tokens are taken whole (`*+`, possessive): every pattern goes on after a name with a space, a colon
# or a comma, none of which a token can contain, so giving back its letters one by one (which the regex
# engine would otherwise try on every failed attempt) can never make a match. `_ACTOR_AFTER` is the
# exception: its lookahead accepts a "." that a token may end with, so it keeps the backtracking token.
NAME_TOKEN = (
    r"(?:[A-Z][\w'’.-]*+|(?<![\w'’])(?:de|von|van|der|al|bin|da|di|la|le)"
    r"(?=\s+(?:[A-Z]|(?:de|der|la|le)\s+[A-Z])))"
)
NAME = rf"(?:the\s+)?{NAME_TOKEN}(?:\s+{NAME_TOKEN}){{0,7}}"
# Capitalised words that open sentences without naming anyone.
NOT_ACTORS = set(LEXICON["not_actors"])
_STRIP_END = re.compile(r"['’]s$")
# Every actor starts with a capital or with the, de, von, van, der, al, bin, da, di, la, le, a(n), he, she
# or they: a lookahead on those letters lets the regex engine skip all other positions quickly.
ACTOR_START = r"(?=[A-Zabdhlstv])"
NAME_RE = re.compile(ACTOR_START + NAME)
QUOTE = '"\u201c\u201d'


def is_title(token: str) -> bool:
    """A title word ("Foreign", "Minister"), hyphenated titles too ("Minister-President")."""
    word = token.lower().strip(".,")
    return word in _TITLE_WORDS or ("-" in word and all(part in _TITLE_WORDS for part in word.split("-")))


# The head of an institution's name: "European Union" and "U.S. Defense Department" stay whole, though
# their first words are titles elsewhere ("European Commission President ...").
INSTITUTION_HEADS = set(LEXICON["institution_heads"])
_SPOKES = ("spokesman", "spokeswoman", "spokesperson")
COUNTRIES = frozenset(LEXICON["nationalities"].values())


_DETERMINERS = frozenset(
    {"the", "a", "an", "several", "many", "most", "all", "other", "one", "two", "three", "four", "five", "six"}
)


@lru_cache(maxsize=8192)  # actors recur from sentence to sentence; a pure function of the string
def canonical(actor: str) -> str:
    """'Kremlin spokesman Dmitry Peskov' -> 'Dmitry Peskov'; 'the Kremlin' -> 'Kremlin'.

    A phrase with no name after its titles stays whole: 'the White House' -> 'White House', 'Western
    officials' -> 'Western officials', 'the European Union' -> 'European Union'; an unnamed spokesman
    speaks for the body: 'a Kremlin spokesman' -> 'Kremlin'.
    """
    tokens = actor.replace("\u2019", "'").split()
    if len(tokens) > 1 and tokens[0] in ("Pope", "POPE"):  # "Pope Leo": the name, not the surname "Leo"
        return _STRIP_END.sub("", " ".join(tokens)).strip(" ,.")
    if len(tokens) > 1 and tokens[-1] == "MFA":  # "Belarusian MFA", as state media write the ministry
        tokens = [*tokens[:-1], "Foreign", "Ministry"]
    while len(tokens) > 1 and tokens[0].lower() in _DETERMINERS:
        tokens = tokens[1:]  # "Several Republican senators" -> "Republican senators", "two officials" -> "officials"
    if len(tokens) > 2 and tokens[0].endswith("'s") and tokens[0][:-2] in COUNTRIES:
        if is_person(" ".join(tokens[1:]), None):  # "Denmark's Mette Frederiksen", not "Ukraine's Foreign Ministry"
            tokens = tokens[1:]
    name_tokens = [t for t in tokens if not is_title(t)]
    if len(tokens) >= 4 and any(t in {"of", "for", "on", "to"} for t in tokens):
        # "the chairman of the Federation Council Valentina Matviyenko" -> "Valentina Matviyenko": a person's
        # name closing a long title with "of" in it.
        for size in (3, 2):
            tail = " ".join(tokens[-size:])
            first = tokens[-size]
            if first in COUNTRIES or first in INSTITUTION_HEADS:  # "Envoy for Ukraine Keith Kellogg"
                continue
            if all(t[:1].isupper() and not t.isupper() for t in tokens[-size:]) and is_person(tail, None):
                return _STRIP_END.sub("", tail).strip(" ,.")
    if any(t in {"of", "for", "to"} for t in tokens):
        # "Minister of Foreign Affairs Margus Tsahkna" -> "Margus Tsahkna": a full name after a title that
        # has "of" in it (the check below wants every word of the phrase capitalised).
        start = len(tokens)
        while start > 0 and tokens[start - 1][:1].isupper() and not is_title(tokens[start - 1]):
            start -= 1
        if len(tokens) - start >= 2 and start > 0 and is_title(tokens[start - 1]):
            return _STRIP_END.sub("", " ".join(tokens[start:])).strip(" ,.")
    if all(t[:1].isupper() or t.lower() in {"de", "von", "van", "der", "al", "bin"} for t in name_tokens):
        # Keep the run of name tokens at the end ("Foreign Minister Andrii Sybiha" -> "Andrii Sybiha").
        start = len(tokens)
        while start > 0 and not is_title(tokens[start - 1]):
            start -= 1
        kept = tokens[start:]
        for size in (2, 1):  # "Chairman of Ukraine Ruslan Stefanchuk", "of the United States Jane Roe"
            if len(kept) >= size + 2 and " ".join(kept[:size]) in COUNTRIES:
                kept = kept[size:]
        if len(kept) >= 3 and start > 0 and f"{tokens[start - 1]} {kept[0]}" in COUNTRIES:
            kept = kept[1:]  # "Ambassador to the Czech Republic Vasyl Zvarych": "Czech" was taken as a title
        if kept and not (len(kept) == 1 and start > 0 and kept[0].strip(".,") in INSTITUTION_HEADS):
            return _STRIP_END.sub("", " ".join(kept)).strip(" ,.")
        if len(tokens) > 1 and tokens[-1].lower() in _SPOKES:
            tokens = tokens[:-1]
    words = list(tokens)  # (a leading article is gone; "Office of the President of Ukraine" keeps its own)
    if len(words) > 1 and words[-1].lower() in _SPOKES:  # "a German government spokesman" -> "German government"
        words = words[:-1]
    return _STRIP_END.sub("", " ".join(words)).strip(" ,.") or actor


PERSON_TYPES = frozenset({"head_of_state_or_government", "minister", "legislator", "military", "commentator"})


@lru_cache(maxsize=8192)  # names recur from sentence to sentence; one registry per process
def is_person(name: str, registry: Any) -> bool:
    """Whether `name` looks like one person's: a registered person, else a name of two or more words that
    holds no title or institution word ("Andrii Sybiha", not "White House", "Ukrainian leader", "KYIV")."""
    if registry is not None:
        found = registry.resolve(name)
        if found is not None:
            return found.type in PERSON_TYPES
    words = name.split()
    if len(words) >= 2 and words[0] == "Pope":  # "Pope Leo XIV", which `canonical` keeps whole
        return True
    return (
        len(words) >= 2
        and not name.isupper()
        and not any(is_title(w) or w in INSTITUTION_HEADS or w in NOT_ACTORS for w in words)
    )


@lru_cache(maxsize=1024)  # a sentence is scanned once however many references look back at it
def people_named(text: str, registry: Any) -> tuple[str, ...]:
    """The names of people in `text` (two words or more), in order."""
    names = (canonical(name) for name in NAME_RE.findall(text))
    return tuple(name for name in names if " " in name and is_person(name, registry))
