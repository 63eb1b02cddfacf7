"""Inter-annotator agreement: draw a blind sample, then compare two labelings.

Cohen's kappa corrects percent agreement for the agreement two annotators
would reach by chance given how often each uses each label; with most
sentences `none`, raw agreement alone flatters.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sklearn.metrics import cohen_kappa_score

from pipeline import StanceError
from pipeline.data.labeled import read_csv_strict
from pipeline.data.schema import Schema


def draw_sample(data: pd.DataFrame, schema: Schema, n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A random sample of statements: (blind texts with neighbouring sentences, first labels).

    Article sentences carry the sentence before and after them, since the
    guide labels a sentence in its article's context; nothing else of the
    first labeling is shown.
    """
    if n > len(data):
        raise StanceError(f"cannot sample {n} statements from {len(data)}")
    picked = data.sample(n=n, random_state=seed).sort_values("id")
    in_article = data[data["sentence_index"] != ""].copy()
    in_article["_pos"] = in_article["sentence_index"].astype(int)
    lookup = {
        (a, p): t for a, p, t in zip(in_article["article_id"], in_article["_pos"], in_article["text"], strict=True)
    }
    before, after = [], []
    for _, row in picked.iterrows():
        if row["sentence_index"] == "":
            before.append("")
            after.append("")
            continue
        pos = int(row["sentence_index"])
        before.append(lookup.get((row["article_id"], pos - 1), ""))
        after.append(lookup.get((row["article_id"], pos + 1), ""))
    blind = pd.DataFrame(
        {
            "id": picked["id"].to_numpy(),
            "context_before": before,
            "text": picked["text"].to_numpy(),
            "context_after": after,
        }
    )
    first = picked[["id", *schema.target_names]].reset_index(drop=True)
    return blind, first


def compare(a: pd.DataFrame, b: pd.DataFrame, schema: Schema, names: tuple[str, str] = ("A", "B")) -> dict:
    """Cohen's kappa and percent agreement per target on the ids both files label."""
    for frame, name in zip((a, b), names, strict=True):
        missing = [c for c in ["id", *schema.target_names] if c not in frame.columns]
        if missing:
            raise StanceError(f"{name}: missing column(s) {', '.join(missing)}")
        for t in schema.targets:
            bad = sorted(set(frame[t.name]) - set(t.label_names))
            if bad:
                raise StanceError(f"{name}: '{bad[0]}' is not a label of {t.name}")
    merged = a.merge(b, on="id", suffixes=("_a", "_b"))
    if merged.empty:
        raise StanceError(f"{names[0]} and {names[1]} share no ids")
    result: dict = {"statements": len(merged), "targets": {}}
    for t in schema.targets:
        x, y = merged[f"{t.name}_a"], merged[f"{t.name}_b"]
        kappa = cohen_kappa_score(x, y, labels=t.label_names)
        result["targets"][t.name] = {
            "kappa": round(float(kappa), 3) if kappa == kappa else None,
            "agreement": round(float((x == y).mean()), 3),
            "disagreements": int((x != y).sum()),
        }
    return result


def disagreements(a: pd.DataFrame, b: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """One row per (id, target) where the two labelings differ, for adjudication."""
    merged = a.merge(b, on="id", suffixes=("_a", "_b"))
    rows = []
    for t in schema.target_names:
        diff = merged[merged[f"{t}_a"] != merged[f"{t}_b"]]
        rows += [{"id": r["id"], "target": t, "a": r[f"{t}_a"], "b": r[f"{t}_b"]} for _, r in diff.iterrows()]
    return pd.DataFrame(rows, columns=["id", "target", "a", "b"])


def read_labeling(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise StanceError(f"{path}: file not found")
    return read_csv_strict(path)
