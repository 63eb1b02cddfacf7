"""A synthetic stream of classified records with dates, outlets and a planted shift.

It tests the arithmetic of `stance findings`, not the model: the records look like what `stance
classify` writes, the labels are drawn at random, and one actor's position on aid is planted to move
from `oppose` to `support` at mid-year.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np

PLANTED = "Planted Minister"
OUTLETS = ["Northern Ledger", "Harbour Times", "Capital Wire", "Plains Gazette", "Evening Courier", "Delta Post"]
ACTORS = [(PLANTED, "Freedonia", "minister")] + [
    (
        f"Actor {i:02d}",
        ["Freedonia", "Sylvania", "Ruritania", ""][i % 4],
        ["head_of_state", "legislator", "", "party"][i % 4],
    )
    for i in range(1, 30)
]
LABELS = {
    "membership_timing": ["now", "later", "never", "neutral", "none"],
    "aid": ["support", "oppose", "neutral", "none"],
    "peace_talks": ["support", "oppose", "neutral", "none"],
}
SWITCH = dt.date(2024, 7, 1)


def records(n_articles: int, seed: int = 0, sentences: tuple[int, int] = (3, 12), planted_share: float = 0.85):
    """Yield one record per sentence for `n_articles` articles dated across 2024."""
    rng = np.random.default_rng(seed)
    start = dt.date(2024, 1, 1)
    for a in range(n_articles):
        day = start + dt.timedelta(days=int(rng.integers(0, 366)))
        outlet = OUTLETS[int(rng.integers(0, len(OUTLETS)))]
        article_id = f"art-{a:06d}"
        planted_here = a % 5 == 0
        for s in range(int(rng.integers(sentences[0], sentences[1] + 1))):
            if planted_here and s < 3:
                name, country, kind = ACTORS[0]
            elif rng.random() < 0.2:
                name, country, kind = None, None, None
            else:
                name, country, kind = ACTORS[1 + int(rng.integers(0, len(ACTORS) - 1))]
            record = {
                "article_id": article_id,
                "sentence_index": s,
                "text": f"Sentence {s} of {article_id} <b>&amp;</b>",
                "speaker": name,
                "actor": name,
                "actor_country": country or None,
                "actor_type": kind or None,
            }
            for target, labels in LABELS.items():
                probs = np.array([0.12] * (len(labels) - 1) + [0.0])
                probs[-1] = 1 - probs.sum()
                label = labels[int(rng.choice(len(labels), p=probs))]
                if target == "aid" and name == PLANTED:
                    later = day >= SWITCH
                    keep = rng.random() < planted_share
                    label = ("support" if later else "oppose") if keep else ("oppose" if later else "support")
                record[target] = label
                record[f"{target}_confidence"] = round(float(rng.uniform(0.3, 1.0)), 4)
            record |= {
                "title": f"Title {a}",
                "date": day.isoformat(),
                "source": outlet,
                "url": f"https://example.org/{a}",
            }
            yield record


def write_jsonl(path: Path, n_articles: int, seed: int = 0, **kwargs) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for record in records(n_articles, seed, **kwargs):
            fh.write(json.dumps(record) + "\n")
    return path
