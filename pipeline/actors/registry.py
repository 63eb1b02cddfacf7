"""Canonical actors: one name, a country and a type for every way the news names someone.

News names one actor many ways (Zelensky, Zelenskyy, Zelenskiy, President
Zelensky; Moscow, the Russian government), and per-speaker summaries that
count each spelling apart split one actor into several rows. The registry,
``data/actors.yaml``, is data the user edits: each actor's canonical name,
its aliases and transliterations, its country and its type. An alias
belongs to one actor only; the file is refused otherwise, since a shared
alias would silently merge two people.

Matching is exact after normalisation (case, diacritics, a leading "the", a
possessive), then by a title stripped from the front ("President Zelensky"),
then by the last word when that word is a registered alias ("Senator
Lindsey Graham of South Carolina" is left alone; "Chancellor Merz" finds
Friedrich Merz). Names the registry does not know stay as they are.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline import StanceError
from pipeline.io.files import read_yaml

TYPES = (
    "head_of_state_or_government",
    "minister",
    "legislator",
    "party",
    "government_body",
    "international_organisation",
    "military",
    "commentator",
    "media",
    "author",
)
AUTHOR = "author"


@dataclass(frozen=True)
class Actor:
    name: str
    country: str
    type: str


def normalise(name: str) -> str:
    """Lower case, no diacritics, no leading article or trailing possessive, single spaces."""
    text = unicodedata.normalize("NFKD", name.replace("\u2019", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower().strip(" .,;:")
    if text.endswith("'s"):
        text = text[:-2]
    words = text.split()
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words)


_CONJUNCTION = re.compile(r"\s+and\s+|\s*;\s*")
# Words that tie a body to a place or a domain: what follows them is not what the phrase names.
_LINKS = frozenset({"of", "in", "for", "to", "on", "at", "from", "and"})


class Registry:
    """Aliases to canonical actors (see the module docstring); build with `load` or `from_entries`."""

    def __init__(self, actors: list[Actor], index: dict[str, Actor]):
        self.actors = actors
        self._index = index

    @classmethod
    def from_entries(cls, entries: Any, source: str = "actors") -> Registry:
        if not isinstance(entries, list):
            raise StanceError(f"{source}: expected 'actors:' followed by a list of entries")
        actors: list[Actor] = []
        index: dict[str, Actor] = {}
        for number, entry in enumerate(entries, 1):
            where = f"{source}: actor {number}"
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
                raise StanceError(f"{where}: needs a name")
            kind = entry.get("type", "")
            if kind not in TYPES:
                raise StanceError(f"{where} ({entry['name']}): type {kind!r} is not one of {', '.join(TYPES)}")
            aliases = entry.get("aliases") or []
            if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
                raise StanceError(f"{where} ({entry['name']}): aliases must be a list of names")
            actor = Actor(entry["name"].strip(), str(entry.get("country") or ""), kind)
            actors.append(actor)
            for alias in [actor.name, *aliases]:
                key = normalise(alias)
                other = index.get(key)
                if other is not None and other != actor:
                    raise StanceError(
                        f"{where} ({actor.name}): alias {alias!r} already names {other.name}; "
                        "an alias may name one actor only"
                    )
                index[key] = actor
        return cls(actors, index)

    @classmethod
    def load(cls, path: Path) -> Registry:
        raw = read_yaml(path, "actors")
        if not isinstance(raw, dict):
            raise StanceError(f"{path}: expected a mapping with an 'actors' list")
        return cls.from_entries(raw.get("actors"), str(path))

    def resolve(self, name: str | None) -> Actor | None:
        """The registered actor `name` refers to, or None."""
        if not name:
            return None
        if name == AUTHOR:
            return Actor(AUTHOR, "", AUTHOR)
        return self._resolve(normalise(name))

    @lru_cache(maxsize=16384)  # noqa: B019 - one registry per process; names recur across sentences
    def _resolve(self, key: str) -> Actor | None:
        found = self._index.get(key)
        if found is not None:
            return found
        words = key.split()
        for start in range(1, len(words)):  # "president volodymyr zelensky" -> "volodymyr zelensky" -> ...
            if words[start] in _LINKS:  # "russian embassy in washington" is not Washington
                break
            found = self._index.get(" ".join(words[start:]))
            if found is not None:
                return found
        return None

    def canonical(self, name: str | None) -> str | None:
        """The canonical name of `name` when registered, else `name` itself."""
        found = self.resolve(name)
        return found.name if found is not None else name


def same_actor(gold: str, predicted: str | None, registry: Registry | None = None) -> bool:
    """Strict match: the same registered actor, the same full name, or a bare surname of the other's name.

    'Rutte' = 'Mark Rutte'; 'Balazs Orban' != 'Viktor Orban'; 'Trump' != 'Tusk'; 'author' only = 'author'.
    Actors named together match when each matches, in order: 'Biden and Zelensky' = 'Joe Biden and
    Volodymyr Zelensky', but not 'Zelensky' alone. Of holders of different targets ('Emmanuel Macron;
    Kremlin', the codebook's form), the main one, named first, is enough.
    """
    predicted = predicted or AUTHOR
    if gold == AUTHOR or predicted == AUTHOR:
        return gold == predicted
    a, b = normalise(gold), normalise(predicted)
    if a == b:
        return True
    if ";" in gold and ";" not in predicted:  # "Emmanuel Macron; Kremlin": holders of different targets,
        return same_actor(gold.split(";")[0].strip(), predicted, registry)  # the main one named first
    parts_a, parts_b = _CONJUNCTION.split(gold), _CONJUNCTION.split(predicted)
    if len(parts_a) > 1 or len(parts_b) > 1:
        return len(parts_a) == len(parts_b) and all(
            same_actor(x, y, registry) for x, y in zip(parts_a, parts_b, strict=True)
        )
    if registry is not None:
        found_a, found_b = registry.resolve(gold), registry.resolve(predicted)
        if found_a is not None and found_a == found_b:
            return True
    wa, wb = a.split(), b.split()
    return bool(wa and wb) and (len(wa) == 1 or len(wb) == 1) and wa[-1] == wb[-1]


@lru_cache(maxsize=4)
def cached(path: str) -> Registry:
    return Registry.load(Path(path))
