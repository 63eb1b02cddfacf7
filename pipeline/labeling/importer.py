"""`stance import-labels`: labels from Label Studio (JSON or CSV export) or a filled-in suggestion sheet,
checked and written as a labeled-data file the next `dvc repro` trains on.

Nothing is written unless the new file passes the same checks `stance prepare` runs on the whole corpus
(schema labels, ids, duplicates and near-duplicates across every labeled file), so an import cannot break
the pipeline. Provenance stays with each row: who annotated it and when, and the page it came from.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import StanceError
from pipeline.data import labeled
from pipeline.data.schema import Schema
from pipeline.io import tables
from pipeline.labeling import labelstudio

COLUMNS = ("id", "article_id", "sentence_index", "text")
PROVENANCE = ("speaker", "source_url", "annotator", "annotated_at")


def read_rows(path: Path, targets: list[str]) -> list[dict[str, Any]]:
    """The annotated rows of an export: Label Studio JSON, or a CSV/JSONL table with a column per target."""
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise StanceError(f"{path}: input file not found") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise StanceError(f"{path}: not valid JSON ({exc})") from None
        return labelstudio.read_export(data, targets, str(path))
    _, found = tables.strict_rows(str(path))
    return [{**row, "_line": number} for number, row in found]


def to_labeled(rows: list[dict[str, Any]], schema: Schema, where: str) -> pd.DataFrame:
    """The rows as labeled data: every target labeled with one of the schema's labels, ids unique."""
    if not rows:
        raise StanceError(f"{where}: no annotated rows")
    out = []
    for row in rows:
        place = f"{where} task {row['_task']}" if "_task" in row else f"{where} line {row.get('_line', '?')}"
        ident = str(row.get("id") or (f"ls-{row['_task']}" if "_task" in row else "")).strip()
        text = str(row.get("text") or "").strip()
        if not ident:
            raise StanceError(f"{place}: no id")
        if not text:
            raise StanceError(f"{place} (id {ident}): empty text")
        entry = {
            "id": ident,
            "article_id": str(row.get("article_id") or ident),
            "sentence_index": "",  # single statements: their article is not labeled whole
            "text": text,
        }
        for target in schema.targets:
            value = str(row.get(target.name) or "").strip()
            if not value:
                raise StanceError(f"{place} (id {ident}): no label for {target.name}")
            if value not in target.label_names:
                raise StanceError(
                    f"{place} (id {ident}): {target.name}: unknown label {value!r} "
                    f"(the schema's labels: {', '.join(target.label_names)})"
                )
            entry[target.name] = value
        entry["speaker"] = str(row.get("speaker") or "").strip()
        entry["source_url"] = str(row.get("source_url") or row.get("url") or "").strip()
        entry["annotator"] = str(row.get("annotator") or "").strip()
        entry["annotated_at"] = str(row.get("annotated_at") or row.get("created_at") or "").strip()
        out.append(entry)
    frame = pd.DataFrame(out, columns=[*COLUMNS, *schema.target_names, *PROVENANCE])
    twice = frame[frame["id"].duplicated()]
    if len(twice):
        raise StanceError(f"{where}: id {twice['id'].iloc[0]} appears twice")
    return frame


def drop_known(frame: pd.DataFrame, folder: Path, skip: bool, where: str) -> tuple[pd.DataFrame, int]:
    """Refuse (or with `skip`, drop) rows whose id or text the labeled corpus already has, and repeats."""
    known_ids: dict[str, str] = {}
    known_texts: dict[str, str] = {}
    for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        existing = labeled.read_csv_strict(path)
        for ident, text in zip(existing.get("id", []), existing.get("text", []), strict=False):
            known_ids[str(ident).strip()] = path.name
            known_texts.setdefault(labeled.normalise(str(text)), f"{path.name} (id {ident})")
    seen: dict[str, str] = {}
    keep = []
    for _, row in frame.iterrows():
        norm = labeled.normalise(row["text"])
        problem = None
        if row["id"] in known_ids:
            problem = f"id {row['id']} is already in {known_ids[row['id']]}"
        elif norm in known_texts:
            problem = f"id {row['id']}: the same text is already labeled in {known_texts[norm]}"
        elif norm in seen:
            problem = f"id {row['id']}: the same text as id {seen[norm]} in this export"
        seen.setdefault(norm, row["id"])
        if problem and not skip:
            raise StanceError(f"{where}: {problem} (--skip-duplicates leaves such rows out)")
        keep.append(problem is None)
    return frame[keep].reset_index(drop=True), keep.count(False)


def check_with_corpus(frame: pd.DataFrame, folder: Path, name: str, schema: Schema, near_duplicate: float) -> None:
    """Run prepare's checks on the corpus with the new file in it, in a scratch copy: raise if any fails."""
    with tempfile.TemporaryDirectory(prefix="stance-import-") as tmp:
        scratch = Path(tmp) / folder.name
        scratch.mkdir()
        for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
            shutil.copy2(path, scratch / path.name)
        frame.to_csv(scratch / name, index=False)
        labeled.load_labeled(scratch, schema, near_duplicate)
