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
``group_nouns``) modified by a name; a subject that names no one may still
point to a holder: its apposition ("the Chinese newspaper Global Times"), the
owner of a text it produced (``products``: "the leaders' declaration"), the
chamber a bill "cleared", or, after an unnamed source ("..., diplomats
said"), the reported clause's subject. A bare plural group ("Allies pledge
...", "the negotiators told reporters") holds its own position. Anything
else ("Money", "The plan", a pronoun) leaves the sentence to its writer or
to the rules. The pipeline is named in params.yaml
(``attribution.parser``): an installed spaCy package, no download.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline import StanceError
from pipeline.actors.names import LEXICON

ENTITY_TYPES = frozenset({"PERSON", "ORG", "GPE", "NORP"})
_GROUP_NOUNS = frozenset(LEXICON["group_nouns"])
_PRODUCTS = frozenset(LEXICON["products"])
# A bill or measure "clears" or "passes" the chamber that votes it through.
_PASSAGE_VERBS = frozenset({"cleared", "clears", "passed", "passes"})
_SAY = frozenset({"said", "says", "say"})  # (the pipeline runs without its lemmatizer)
# Capitalised at a sentence's start, but no name (see `_names`).
_QUANTIFIERS = frozenset({"several", "few", "many", "some", "most", "all", "both", "other", "two", "three"})


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
        subject = next((c for c in root.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        agent = next((c for c in root.children if c.dep_ == "agent"), None)
        if agent is not None and (subject is None or subject.dep_ == "nsubjpass"):
            # "the plan was rejected by the opposition": the agent holds it, whatever the parse made of the
            # subject (a long subject with a participle is often left unattached)
            target = next((p for p in agent.children if p.dep_ == "pobj"), None)
            return self._holder(target) if target is not None else None
        if subject is None or subject.dep_ == "nsubjpass":
            return None
        if subject.pos_ == "PRON":  # the rules resolve pronouns from the article
            return None
        name = self._holder(subject)
        if name is not None:
            return name
        if root.lower_ in _PASSAGE_VERBS:
            # "A bill giving Ukraine $60 billion has cleared the US Senate": the chamber that passed it
            chamber = next((c for c in root.children if c.dep_ == "dobj"), None)
            return self._name(chamber) if chamber is not None else None
        if self._bare_group(subject):
            return self._reported(root) or subject.text
        return None

    def _reported(self, root: Any) -> str | None:
        """The named subject of what an unnamed source says: in "Several allies remain opposed, diplomats
        said" the allies hold the position and the diplomats only report it; None where the reported clause
        names no one, so that the group itself holds it ("the 31 allies said they would ...")."""
        if root.lower_ not in _SAY:
            return None
        for clause in (c for c in root.children if c.dep_ == "ccomp"):
            inner = next((c for c in clause.children if c.dep_ in ("nsubj", "nsubjpass")), None)
            if inner is not None and inner.pos_ != "PRON":
                name = self._holder(inner) or (inner.text if self._bare_group(inner) else None)
                if name is not None:
                    return name
        return None

    def _holder(self, token: Any) -> str | None:
        """The actor a subject noun phrase names: the noun itself, its apposition ("the Chinese newspaper
        Global Times"), or the owner of a text or decision it produced ("the leaders' declaration",
        "Moscow's terms"); other possessions ("France's ambition", "Europe's war") stay the writer's."""
        name = self._name(token)
        if name is not None:
            return name
        for child in token.children:
            if child.dep_ == "appos" and (name := self._name(child)) is not None:
                return name
            if child.dep_ == "poss" and token.lower_ in _PRODUCTS and child.pos_ != "PRON":
                name = self._name(child) or (child.text if self._bare_group(child) else None)
                if name is not None:
                    return name
        return None

    @staticmethod
    def _bare_group(token: Any) -> bool:
        """A plural group noun with no name on it ("allies", "the negotiators"): a holder in wire copy,
        where "Diplomats from other member states accused Budapest ..." is the diplomats' position."""
        return token.lower_ in _GROUP_NOUNS and token.tag_ == "NNS"

    def _name(self, token: Any) -> str | None:
        """The name a token is part of: an entity, a group noun with a name on it ("Ukrainian commanders",
        "The Emirati foreign ministry"), or a registered actor; None otherwise."""
        if token.ent_type_ in ENTITY_TYPES:
            entity = next(e for e in token.doc.ents if e.start <= token.i < e.end)
            return entity.text
        if token.lower_ in _GROUP_NOUNS:
            modifiers = [c for c in token.children if c.dep_ in ("compound", "amod", "nmod", "poss") and _names(c)]
            if modifiers:
                words = token.doc[min(m.i for m in modifiers) : token.i + 1]
                return " ".join(t.text for t in words if t.dep_ != "case")
        if self.registry is not None and self.registry.resolve(token.text) is not None:
            return token.text
        return None


def _names(token: Any) -> bool:
    """Whether a modifier is a name: an entity or a capitalised word other than a quantifier that opens
    the sentence ("Several governments" is a bare group; "Nordic leaders" and "Western officials" are not)."""
    return token.ent_type_ in ENTITY_TYPES or token.text[:1].isupper() and token.lower_ not in _QUANTIFIERS


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
