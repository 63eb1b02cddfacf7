"""Throughput of `stance classify --engine dask` against `--jobs` on the same cores and the same input.

Builds a corpus of recombined sample articles (`classify_throughput.build_corpus`,
default 30 MB of text, one JSONL file), then times the real CLI end to end,
as a user waits for it:

- `--jobs 1` and `--jobs 2`: this machine's worker processes, one output file;
- `--engine dask --jobs 1` and `--jobs 2`: a local Dask cluster of 1 or 2
  single-threaded worker processes, started by the command, the file cut into
  partitions of `--partition-size` rows (whose number the workers count
  first), each written as a part of the output folder.

Both write JSON lines (`--format jsonl`), so the comparison is of the engines,
not of the output formats. Wall time includes everything: start-up, the
cluster's start, loading the model in each worker, and (for Dask) counting the
rows and the last partitions finishing one by one. The engine's share is
`dask sentences/s / --jobs sentences/s` at the same number of cores (target:
at least 0.8). Runs alternate engines and their order reverses every round,
since a shared virtual machine's speed drifts; rates are medians over rounds,
each run records the 1-minute load average before it.

Usage: python benchmarks/dask_engine.py [--size-mb 30] [--rounds 3] [--partition-size 250] [--workdir DIR]
Run it from the project root after `dvc repro` (it uses models/fast.npz, `--model fast`), with the dask extra
installed: pip install -e ".[dask]".
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from classify_throughput import build_corpus  # noqa: E402


def _command(corpus: Path, output: Path, jobs: int, engine: str, partition_size: int) -> list[str]:
    command = [sys.executable, "-m", "pipeline.cli", "classify", str(corpus), "-o", str(output)]
    command += ["--jobs", str(jobs), "--model", "fast", "--format", "jsonl", "--no-progress"]
    if engine == "dask":
        command += ["--engine", "dask", "--partition-size", str(partition_size)]
    return command


def run(corpus: Path, workdir: Path, jobs: int, engine: str, partition_size: int) -> dict:
    """Time one real `stance classify`; the output is removed afterwards."""
    output = workdir / (f"out-{engine}-{jobs}" + ("" if engine == "dask" else ".jsonl"))
    load = os.getloadavg()[0]
    started = time.perf_counter()
    done = subprocess.run(
        _command(corpus, output, jobs, engine, partition_size), cwd=ROOT, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"stance classify failed:\n{done.stderr}")
    sentences = int(re.search(r"(\d+) sentences ->", done.stderr).group(1))
    if output.is_dir():
        shutil.rmtree(output)
    else:
        output.unlink()
    return {
        "engine": engine,
        "jobs": jobs,
        "seconds": round(elapsed, 2),
        "sentences": sentences,
        "sentences_per_s": round(sentences / elapsed),
        "load_before": round(load, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--partition-size", type=int, default=250, help="rows per partition (default: 250)")
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="stance-dask-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    corpus = workdir / "corpus.jsonl"
    articles, size = build_corpus(corpus, args.size_mb)
    print(f"corpus: {articles} articles, {size / 2**20:.0f} MB of text; {os.cpu_count()} cores", file=sys.stderr)
    runs: list[dict] = []
    for k in range(args.rounds):
        order = [(jobs, engine) for jobs in (1, 2) for engine in ("local", "dask")]
        for jobs, engine in order if k % 2 == 0 else order[::-1]:
            result = run(corpus, workdir, jobs, engine, args.partition_size)
            print(json.dumps({"round": k + 1, **result}), file=sys.stderr)
            runs.append(result)
    summary = {"articles": articles, "mb": round(size / 2**20, 1), "partition_size": args.partition_size, "rates": {}}
    for jobs in (1, 2):
        rate = {
            engine: statistics.median(r["sentences_per_s"] for r in runs if r["engine"] == engine and r["jobs"] == jobs)
            for engine in ("local", "dask")
        }
        shares = [
            d["sentences_per_s"] / j["sentences_per_s"]
            for d, j in zip(
                [r for r in runs if r["engine"] == "dask" and r["jobs"] == jobs],
                [r for r in runs if r["engine"] == "local" and r["jobs"] == jobs],
                strict=True,
            )
        ]
        summary["rates"][jobs] = {**rate, "dask_share": round(statistics.median(shares), 3)}
    summary["runs"] = runs
    print(json.dumps(summary, indent=1))
    print("\n| cores | `--jobs N` sentences/s | `--engine dask` sentences/s | dask / jobs |")
    print("|---|---|---|---|")
    for jobs, rate in summary["rates"].items():
        print(f"| {jobs} | {rate['local']:,.0f} | {rate['dask']:,.0f} | {rate['dask_share']:.0%} |")
    if not args.workdir:
        shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
