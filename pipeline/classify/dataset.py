"""A partitioned output: a folder of part-NNNNN.parquet (or .jsonl) files and the run's manifest.

Each part is written under a temporary name that ends in neither .parquet
nor .jsonl and renamed into place when complete, so a reader of the folder
(`stance findings`, the summaries, Polars, DuckDB, `pyarrow.dataset`) never
sees a partial part, and a partition computed twice (a retried task, a worker
thought dead that was not) only replaces a part with the same bytes. The
manifest, `_classify.json`, records what the run was (inputs, model,
options) for `--resume`, and whether it finished.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

from pipeline import StanceError

MANIFEST = "_classify.json"
EXTENSIONS = {"parquet": ".parquet", "jsonl": ".jsonl"}
_TEMP = ".tmp"


def part_name(index: int, count: int, fmt: str) -> str:
    """part-00042.parquet; wider when there are more partitions, the same width within one dataset (so names sort)."""
    return f"part-{index:0{max(5, len(str(count - 1)))}d}{EXTENSIONS[fmt]}"


def parts(folder: Path, fmt: str) -> list[Path]:
    """The finished parts of a dataset, in partition order."""
    return sorted(folder.glob(f"part-*{EXTENSIONS[fmt]}"))


def parquet_schema(cols: list[str]) -> Any:
    import pyarrow as pa

    types = {"sentence_index": pa.int64(), "start": pa.int64(), "end": pa.int64()}
    return pa.schema(
        [pa.field(c, types.get(c, pa.float64() if c.endswith("_confidence") else pa.string())) for c in cols]
    )


def write_part(dest: Path, data: bytes, fmt: str, cols: list[str]) -> None:
    """Write one partition's JSON lines to `dest` (as Parquet when it ends so), atomically."""
    tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex}{_TEMP}")
    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            pq.write_table(_parquet_table(data, cols), tmp)
        else:
            with open(tmp, "wb") as fh:
                fh.write(data)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def _parquet_table(data: bytes, cols: list[str]) -> Any:
    """The lines as an Arrow table of the `--jobs 1` Parquet output's schema, parsed by Arrow's JSON reader."""
    import io

    import pyarrow.json as pj

    schema = parquet_schema(cols)
    if not data:
        return schema.empty_table()
    options = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="error")
    table = pj.read_json(io.BytesIO(data), parse_options=options, read_options=pj.ReadOptions(use_threads=False))
    return table.select(cols)


def remove_temporary(folder: Path) -> None:
    """Parts a killed worker left half-written: never a reader's business, and never resumed."""
    for stale in folder.glob(f".part-*{_TEMP}"):
        stale.unlink(missing_ok=True)


def start(folder: Path, identity: dict[str, Any], fmt: str, resume: bool) -> set[int]:
    """Prepare the folder for a run; the partitions already written when resuming the same run."""
    if folder.exists() and not folder.is_dir():
        raise StanceError(f"{folder}: is a file; with --engine dask, -o names a folder for the dataset")
    if not folder.parent.is_dir():
        raise StanceError(f"{folder}: output folder {folder.parent} does not exist")
    manifest = folder / MANIFEST
    try:
        folder.mkdir(exist_ok=True)
        remove_temporary(folder)
        if resume and manifest.is_file():
            saved = json.loads(manifest.read_text(encoding="utf-8"))
            if {k: saved.get(k) for k in identity} != identity:
                raise StanceError(
                    f"{manifest}: the interrupted run had other inputs, model or options; "
                    "rerun without --resume to start over"
                )
            return {int(p.name.split("-")[1].split(".")[0]) for p in parts(folder, fmt)}
        for old in (*parts(folder, "parquet"), *parts(folder, "jsonl")):
            old.unlink()  # a dataset of an earlier run: its parts must not mix with this one's
        save_manifest(folder, identity, complete=False)
    except OSError as exc:
        raise StanceError(f"{folder}: cannot write ({exc.strerror or exc})") from None
    return set()


def save_manifest(folder: Path, identity: dict[str, Any], complete: bool) -> None:
    tmp = folder / f".{MANIFEST}{_TEMP}"
    tmp.write_text(json.dumps({**identity, "complete": complete}, indent=1), encoding="utf-8")
    os.replace(tmp, folder / MANIFEST)
