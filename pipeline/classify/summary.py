"""The tables an analyst reads: who stands where, per article and per speaker.

Built by streaming over a finished classification output, so a resumed run
and an uninterrupted one give the same tables, and memory grows with the
number of articles and speakers, never with the number of sentences.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.io import tables
from pipeline.io.cells import row as csv_row
from pipeline.io.files import atomic_path

EXAMPLES = 3
# The article's metadata, in every row of articles.csv, so a table of positions can be grouped by outlet and date.
META = ("title", "date", "source", "url")


def read_records(path: Path, fmt: str) -> Iterator[dict[str, Any]]:
    """The records of an output file, or of a partitioned dataset's parts in order (`--engine dask`)."""
    if path.is_dir():
        from pipeline.classify import dataset

        for part in dataset.parts(path, fmt):
            yield from read_records(part, fmt)
        return
    yield from tables.read_records(path, fmt)


def merge_variants(speakers: dict[tuple[str, str], dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Merge names the registry does not know that are one actor across the corpus.

    Within an article the attribution already turns "Novak" into "Jan Novak"; across articles, an
    unregistered bare surname joins the one unregistered full name that ends with it ("Novak" with "Jan
    Novak", not when "Jan Novak" and "Petr Novak" both occur), and spellings that differ only in case or
    diacritics ("Jan Novák") join the most frequent one. Registered actors are merged by the registry.
    """
    from pipeline.actors.registry import normalise as key

    unregistered = [(actor, t) for (actor, t), entry in speakers.items() if not entry["type"]]
    weight: dict[str, int] = defaultdict(int)
    for actor, t in unregistered:
        weight[actor] += sum(speakers[(actor, t)]["labels"].values())
    spelling: dict[str, str] = {}
    for actor in sorted(weight, key=lambda a: (-weight[a], a)):
        spelling.setdefault(key(actor), actor)
    full_names: dict[str, set[str]] = defaultdict(set)
    for actor in weight:
        words = key(actor).split()
        if len(words) > 1:
            full_names[words[-1]].add(spelling[key(actor)])
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for (actor, t), entry in speakers.items():
        name = actor
        if not entry["type"]:
            name = spelling[key(actor)]
            if " " not in key(actor) and len(full_names.get(key(actor), ())) == 1:
                name = next(iter(full_names[key(actor)]))
        into = merged.get((name, t))
        if into is None:
            merged[(name, t)] = entry
            continue
        for label, n in entry["labels"].items():
            into["labels"][label] += n
        into["articles"] |= entry["articles"]
        into["examples"] = (into["examples"] + entry["examples"])[:EXAMPLES]
        for seen in entry["names"]:
            if len(into["names"]) < 5:
                into["names"][seen] = None
    return merged


def summarise(
    records: Iterator[dict[str, Any]],
    targets: list[str],
    positions: dict[str, set[str]],
    labels: dict[str, list[str]],
    out_dir: Path,
    spreadsheet_safe: bool = False,
) -> dict[str, int]:
    """Write articles.csv (article x target) and speakers.csv (canonical actor x target) into `out_dir`.

    speakers.csv has one row per actor and target: the registry's canonical name, country and type when
    the speaker is registered (data/actors.yaml), the name as found otherwise; `names_seen` lists how the
    articles named it (up to five).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    all_labels = list(dict.fromkeys(lab for t in targets for lab in labels[t])) + ["uncertain"]
    speakers: dict[tuple[str, str], dict[str, Any]] = {}
    n_articles = 0
    with atomic_path(out_dir / "articles.csv") as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["article_id", *META, "target", "sentences", *all_labels, "dominant_position", "dominant_confidence"]
        )
        current: str | None = None
        meta: list[Any] = []
        tally: dict[str, dict[str, list[float]]] = {}
        count = 0

        def flush() -> None:
            for t in targets:
                counts = {lab: len(tally[t].get(lab, [])) for lab in all_labels}
                held = [(len(v), sum(v) / len(v), lab) for lab, v in tally[t].items() if lab in positions[t]]
                dominant, confidence = ("", "")
                if held:
                    _, mean, dominant = max(held)
                    confidence = round(mean, 4)
                writer.writerow(
                    csv_row(
                        [current, *meta, t, count, *(counts[lab] for lab in all_labels), dominant, confidence],
                        spreadsheet_safe,
                    )
                )

        for record in records:
            if record["article_id"] != current:
                if current is not None:
                    flush()
                current, count = record["article_id"], 0
                meta = ["" if record.get(key) is None else record.get(key) for key in META]
                tally = {t: defaultdict(list) for t in targets}
                n_articles += 1
            count += 1
            sentence_id = f"{record['article_id']}#{record['sentence_index']}"
            for t in targets:
                label = record[t]
                tally[t][label].append(float(record[f"{t}_confidence"]))
                if record.get("speaker") and label in positions[t]:
                    # One row per canonical actor: the registry's name when the speaker is registered.
                    actor = record.get("actor") or record["speaker"]
                    entry = speakers.setdefault(
                        (actor, t),
                        {
                            "labels": defaultdict(int),
                            "articles": set(),
                            "examples": [],
                            "names": {},
                            "country": record.get("actor_country") or "",
                            "type": record.get("actor_type") or "",
                        },
                    )
                    entry["labels"][label] += 1
                    if len(entry["names"]) < 5:
                        entry["names"][record["speaker"]] = None
                    entry["articles"].add(record["article_id"])
                    if len(entry["examples"]) < EXAMPLES:
                        entry["examples"].append(sentence_id)
        if current is not None:
            flush()
    speakers = merge_variants(speakers)
    with atomic_path(out_dir / "speakers.csv") as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        position_labels = list(dict.fromkeys(lab for t in targets for lab in labels[t] if lab in positions[t]))
        writer.writerow(
            [
                "actor",
                "actor_country",
                "actor_type",
                "target",
                "statements",
                *position_labels,
                "articles",
                "names_seen",
                "example_sentences",
            ]
        )
        ranked = sorted(speakers.items(), key=lambda kv: (-sum(kv[1]["labels"].values()), kv[0]))
        for (actor, t), entry in ranked:
            writer.writerow(
                csv_row(
                    [
                        actor,
                        entry["country"],
                        entry["type"],
                        t,
                        sum(entry["labels"].values()),
                        *(entry["labels"].get(lab, 0) for lab in position_labels),
                        len(entry["articles"]),
                        " | ".join(entry["names"]),
                        " | ".join(entry["examples"]),
                    ],
                    spreadsheet_safe,
                )
            )
    return {"articles": n_articles, "speakers": len({s for s, _ in speakers})}
