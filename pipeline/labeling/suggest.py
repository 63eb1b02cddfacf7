"""`stance suggest`: which sentences to label next, so a few hundred labels teach the model most.

The model is weakest where it is unsure, and on outlets and actors it has not seen. Suggestion ranks
the classified sentences by the model's uncertainty (one minus the confidence of its label, on the
target where that is lowest), drops near-duplicates and sentences already in the labeled corpus, and
then picks round-robin across outlets with caps per article and per actor, so the labels spread over
the corpus instead of piling onto one long live blog. Each suggestion keeps its context (the sentences
before and after), its article id and URL.
"""

from __future__ import annotations

import hashlib
import heapq
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pipeline.data.labeled import near_duplicates, normalise

POOL_FACTOR = 20  # candidates kept while streaming, per suggestion wanted


@dataclass(order=True)
class Candidate:
    sort_key: tuple = field(repr=False)
    record: dict[str, Any] = field(compare=False)
    previous: str = field(default="", compare=False)
    following: str = field(default="", compare=False)

    @property
    def score(self) -> float:
        return -self.sort_key[0]


def uncertainty(record: dict[str, Any], targets: list[str]) -> float:
    """How unsure the model is about this sentence: 1 - its confidence, on the target where that is lowest.

    A sentence the model puts off topic everywhere with confidence scores near 0; one it hesitates on
    for any target scores high. Labels already turned `uncertain` count as confidence 0.
    """
    worst = 0.0
    for target in targets:
        confidence = record.get(f"{target}_confidence")
        if record.get(target) == "uncertain" or confidence is None:
            worst = max(worst, 1.0)
            continue
        worst = max(worst, 1.0 - float(confidence))
    return round(worst, 6)


def with_context(records: Iterable[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], str, str]]:
    """Each record with the text of the sentences before and after it in its article (classify writes
    an article's sentences in order)."""
    window: deque[dict[str, Any]] = deque(maxlen=3)
    for record in records:
        window.append(record)
        if len(window) >= 2:
            yield from _middle(window)
    if window:
        last = window[-1]
        before = window[-2] if len(window) >= 2 and window[-2].get("article_id") == last.get("article_id") else None
        yield last, (before or {}).get("text") or "", ""


def _middle(window: deque) -> Iterator[tuple[dict[str, Any], str, str]]:
    current, after = window[-2], window[-1]
    before = window[-3] if len(window) == 3 else None
    same = current.get("article_id")
    previous = before.get("text") if before is not None and before.get("article_id") == same else ""
    following = after.get("text") if after.get("article_id") == same else ""
    yield current, previous or "", following or ""


def candidates(records: Iterable[dict[str, Any]], targets: list[str], n: int, known: set[str]) -> list[Candidate]:
    """The POOL_FACTOR * n most uncertain sentences of a stream (held in a heap: memory stays bounded),
    most uncertain first; sentences whose normalised text is in `known` (the labeled corpus) are skipped."""
    size = max(n * POOL_FACTOR, n)
    heap: list[Candidate] = []
    for record, previous, following in with_context(records):
        text = record.get("text") or ""
        if not text.strip() or normalise(text) in known:
            continue
        score = uncertainty(record, targets)
        key = (-score, str(record.get("article_id")), int(record.get("sentence_index") or 0))
        item = Candidate(key, record, previous, following)
        # A max-heap on the sort key keeps the best (smallest keys); the root is the worst kept.
        entry = _Reverse(item)
        if len(heap) < size:
            heapq.heappush(heap, entry)
        elif entry > heap[0]:
            heapq.heapreplace(heap, entry)
    return sorted(e.item for e in heap)


class _Reverse:
    __slots__ = ("item",)

    def __init__(self, item: Candidate):
        self.item = item

    def __lt__(self, other: _Reverse) -> bool:
        return self.item > other.item

    def __gt__(self, other: _Reverse) -> bool:
        return self.item < other.item


def select(pool: list[Candidate], n: int, per_article: int = 2, near_duplicate: float = 0.8) -> list[Candidate]:
    """Up to n candidates: near-duplicates dropped (the more uncertain kept), then round-robin across outlets
    in order of uncertainty, at most `per_article` per article and max(2, n // 10) per named actor; when
    the caps leave fewer than n, the most uncertain of the rest fill up."""
    texts = [normalise(c.record.get("text") or "") for c in pool]
    dropped = set()
    seen: dict[str, int] = {}
    for i, text in enumerate(texts):
        if text in seen:
            dropped.add(i)
        else:
            seen[text] = i
    for i, j, _ in near_duplicates(texts, near_duplicate):
        if i not in dropped:
            dropped.add(j)
    queues: dict[str, deque[Candidate]] = defaultdict(deque)
    for i, candidate in enumerate(pool):
        if i not in dropped:
            queues[str(candidate.record.get("source") or "")].append(candidate)
    per_actor = max(2, n // 10)
    articles: Counter = Counter()
    actors: Counter = Counter()
    chosen: list[Candidate] = []
    order = sorted(queues, key=lambda s: (queues[s][0].sort_key, s))
    while len(chosen) < n and any(queues.values()):
        for source in order:
            queue = queues[source]
            while queue:
                candidate = queue.popleft()
                article = str(candidate.record.get("article_id"))
                actor = candidate.record.get("actor") or candidate.record.get("speaker")
                if articles[article] >= per_article or (actor and actors[actor] >= per_actor):
                    continue
                articles[article] += 1
                if actor:
                    actors[actor] += 1
                chosen.append(candidate)
                break
            if len(chosen) >= n:
                break
    if len(chosen) < n:
        # The caps left fewer than asked (a small corpus, or a few long articles): fill up with the most
        # uncertain of the rest, still without near-duplicates.
        taken = {id(c) for c in chosen}
        rest = [c for i, c in enumerate(pool) if i not in dropped and id(c) not in taken]
        chosen += rest[: n - len(chosen)]
    return chosen


def suggestion_id(record: dict[str, Any]) -> str:
    """A stable id for a suggested sentence (the same sentence gets the same id in every run)."""
    key = f"{record.get('article_id')}\x1f{record.get('sentence_index')}\x1f{record.get('text')}"
    return "sg-" + hashlib.sha256(key.encode()).hexdigest()[:12]


def rows(chosen: list[Candidate], targets: list[str]) -> list[dict[str, Any]]:
    """The suggestions as table rows: context and the model's guess to read, and empty columns to label."""
    out = []
    for c in chosen:
        r = c.record
        row = {
            "id": suggestion_id(r),
            "article_id": r.get("article_id"),
            "sentence_index": r.get("sentence_index"),
            "previous_text": c.previous,
            "text": r.get("text"),
            "next_text": c.following,
            "source": r.get("source") or "",
            "url": r.get("url") or "",
            "date": r.get("date") or "",
            "model_speaker": r.get("actor") or r.get("speaker") or "",
            "uncertainty": c.score,
        }
        for target in targets:
            row[f"model_{target}"] = r.get(target)
            row[f"model_{target}_confidence"] = r.get(f"{target}_confidence")
        for target in targets:
            row[target] = ""
        row["speaker"] = ""
        out.append(row)
    return out
