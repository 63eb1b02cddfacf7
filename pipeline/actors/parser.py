"""The subject of a sentence's main verb, from spaCy's parser, where the attribution rules find no one.

The rules (`pipeline.actors.attribution`) read quotes, reporting verbs and
headline forms; they miss holders that only a parse shows: a subject with an
apposition or a relative clause ("The United States, NATO's most powerful
member, is vetoing ..."), the agent of a passive ("the plan was rejected by
the opposition"), and groups ("NATO leaders", "Republican senators"). The
parser runs only on the sentences that hold a position and that the rules
left without a speaker, so most sentences never reach it.

A subject counts when it is a named entity (person, organisation, country,
nationality), a registered actor, or a group noun (lexicon.yaml,
``group_nouns``) modified by a name; anything else ("Money", "The plan")
leaves the sentence to its writer. The pipeline is named in params.yaml
(``attribution.parser``): an installed spaCy package, no download.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from pipeline import StanceError

ENTITY_TYPES = frozenset({"PERSON", "ORG", "GPE", "NORP"})
_GROUP_NOUNS = frozenset(
    yaml.safe_load(Path(__file__).with_name("lexicon.yaml").read_text(encoding="utf-8"))["group_nouns"]
)


class SubjectParser:
    """Main-clause subjects of sentences (see the module docstring).

    model: the name or path of an installed spaCy pipeline with a parser and an entity recogniser;
    registry: the actor registry, whose names count as subjects even when the recogniser misses them.
    """

    def __init__(self, model: str, registry: Any = None):
        try:
            import spacy

            self.nlp = spacy.load(model, exclude=["lemmatizer"])
        except (ImportError, OSError) as exc:
            raise StanceError(
                f"params.yaml: attribution.parser {model!r} cannot be loaded ({exc}); install the project "
                "again (`pip install -e .`), or set attribution.parser to '' to attribute by rules alone"
            ) from None
        self.registry = registry

    def subjects(self, texts: list[str]) -> list[str | None]:
        """For each text, the holder the parse names as the main verb's subject, or None."""
        return [self._subject(doc) for doc in self.nlp.pipe(texts, batch_size=64)]

    def _subject(self, doc: Any) -> str | None:
        root = next((t for t in doc if t.dep_ == "ROOT"), None)
        if root is None:
            return None
        for child in root.children:
            if child.dep_ == "nsubj":
                return None if child.pos_ == "PRON" else self._name(child)
            if child.dep_ == "nsubjpass":  # "the plan was rejected by the opposition": the agent holds it
                agent = next((a for a in root.children if a.dep_ == "agent"), None)
                target = next((p for p in agent.children if p.dep_ == "pobj"), None) if agent is not None else None
                return self._name(target) if target is not None else None
        return None

    def _name(self, token: Any) -> str | None:
        if token.ent_type_ in ENTITY_TYPES:
            entity = next(e for e in token.doc.ents if e.start <= token.i < e.end)
            return entity.text
        if token.lower_ in _GROUP_NOUNS:
            modifiers = [
                c
                for c in token.children
                if c.dep_ in ("compound", "amod", "poss") and (c.ent_type_ in ENTITY_TYPES or c.text[:1].isupper())
            ]
            if modifiers:
                words = token.doc[min(m.i for m in modifiers) : token.i + 1]
                return " ".join(t.text for t in words if t.dep_ != "case")
        if self.registry is not None and self.registry.resolve(token.text) is not None:
            return token.text
        return None


def check_parser(model: str) -> None:
    """Refuse, before any work, a parser that is neither an installed package nor a folder (loading waits)."""
    import importlib.util

    if Path(model).is_dir() or importlib.util.find_spec(model.replace("-", "_")) is not None:
        return
    raise StanceError(
        f"params.yaml: attribution.parser {model!r} is not an installed spaCy pipeline; install the project "
        "again (`pip install -e .`), or set attribution.parser to '' to attribute by rules alone"
    )


class LazyParser:
    """A `SubjectParser` loaded on first use: a run whose sentences the rules all settle never imports spaCy."""

    def __init__(self, model: str, registry: Any = None):
        self.model, self.registry = model, registry
        self._parser: SubjectParser | None = None

    def subjects(self, texts: list[str]) -> list[str | None]:
        if self._parser is None:
            self._parser = cached(self.model, self.registry)
        return self._parser.subjects(texts)


@lru_cache(maxsize=2)
def cached(model: str, registry: Any = None) -> SubjectParser:
    return SubjectParser(model, registry)
