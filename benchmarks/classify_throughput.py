"""Throughput of `stance classify` end to end, against the bare model's ceiling.

Builds a large corpus (default 200 MB of article text) by shuffling and
recombining the paragraphs of the project's sample articles, then measures:

- `stance classify` with --jobs 1 and --jobs 2: wall time, sentences/s, and the
  peak memory of the whole process tree, sampled every 0.1 s as proportional
  set size (PSS: pages shared by the forked workers are counted once, not per
  process as RSS would);
- the bare model: `predict` on the very same sentences, already segmented, in
  batches, in this process (no reading, segmenting, attributing or writing).

Each measurement records the 1-minute load average before it started: on a
shared machine a load near the core count means the figures are low.

Usage: python benchmarks/classify_throughput.py [--size-mb 200] [--workdir DIR]
Run it from the project root after `dvc repro` (it needs models/stance.joblib).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]


def build_corpus(dest: Path, size_mb: float, seed: int = 2026) -> tuple[int, int]:
    """JSONL of recombined articles: a random headline and 4-9 random paragraphs each."""
    articles = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "data" / "articles").glob("*.txt"))]
    headlines = [a.splitlines()[0].strip() for a in articles]
    paragraphs = [p.strip() for a in articles for p in re.split(r"\n\s*\n", a)[1:] if p.strip()]
    rng = random.Random(seed)
    target = int(size_mb * 1024 * 1024)
    written = count = 0
    with open(dest, "w", encoding="utf-8") as fh:
        while written < target:
            body = "\n\n".join(rng.sample(paragraphs, rng.randint(4, 9)))
            text = f"{rng.choice(headlines)}\n\n{body}"
            fh.write(json.dumps({"id": f"bench-{count:07d}", "text": text}) + "\n")
            written += len(text.encode("utf-8"))
            count += 1
    return count, written


def run_classify(corpus: Path, output: Path, jobs: int) -> dict:
    """Run the real CLI; sample the RSS of it and its workers until it exits."""
    command = [
        sys.executable,
        "-m",
        "pipeline.cli",
        "classify",
        str(corpus),
        "-o",
        str(output),
        "--jobs",
        str(jobs),
        "--no-progress",
    ]
    load = os.getloadavg()[0]
    started = time.perf_counter()
    process = psutil.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    peak = 0
    while process.poll() is None:
        try:
            tree = [process, *process.children(recursive=True)]
            peak = max(peak, sum(p.memory_full_info().pss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.1)
    elapsed = time.perf_counter() - started
    stderr = process.stderr.read()
    if process.returncode != 0:
        raise SystemExit(f"stance classify failed:\n{stderr}")
    sentences = int(re.search(r"(\d+) sentences", stderr).group(1))
    return {
        "jobs": jobs,
        "seconds": round(elapsed, 1),
        "sentences": sentences,
        "sentences_per_s": round(sentences / elapsed),
        "peak_pss_mb": round(peak / 2**20),
        "load_before": round(load, 2),
    }


def bare_model(output: Path, batch: int = 20_000) -> dict:
    """The ceiling: model.predict alone on the sentences the run produced."""
    sys.path.insert(0, str(ROOT))
    from pipeline import model

    fitted, card = model.load(ROOT / "models" / "stance.joblib")
    with open(output, encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for line in fh]
    load = os.getloadavg()[0]
    started = time.perf_counter()
    for i in range(0, len(texts), batch):
        model.predict(fitted, card["targets"], texts[i : i + batch])
    elapsed = time.perf_counter() - started
    return {
        "sentences": len(texts),
        "seconds": round(elapsed, 1),
        "sentences_per_s": round(len(texts) / elapsed),
        "load_before": round(load, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=200, help="article text to generate (default: 200)")
    parser.add_argument("--workdir", type=Path, help="where to put the corpus and outputs (default: a temp dir)")
    args = parser.parse_args()
    os.environ.setdefault("DVC_NO_ANALYTICS", "1")
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        work = Path(tmp)
        corpus = work / "corpus.jsonl"
        n_articles, n_bytes = build_corpus(corpus, args.size_mb)
        print(f"corpus: {n_articles} articles, {n_bytes / 2**20:.0f} MB of text", file=sys.stderr)
        runs = [run_classify(corpus, work / f"out{jobs}.jsonl", jobs) for jobs in (1, 2)]
        for run in runs:
            print(f"classify --jobs {run['jobs']}: {run}", file=sys.stderr)
        ceiling = bare_model(work / "out1.jsonl")
        print(f"bare model predict: {ceiling}", file=sys.stderr)
    result = {
        "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}",
        "corpus_mb": round(n_bytes / 2**20),
        "articles": n_articles,
        "runs": runs,
        "bare_model": ceiling,
    }
    print(json.dumps(result, indent=2))
    print("\n| run | sentences/s | per core | share of bare-model ceiling | peak memory (PSS) |")
    print("|---|---|---|---|---|")
    for run in runs:
        share = run["sentences_per_s"] / ceiling["sentences_per_s"] / run["jobs"]
        print(
            f"| `stance classify --jobs {run['jobs']}` | {run['sentences_per_s']:,} | "
            f"{run['sentences_per_s'] // run['jobs']:,} | {share:.0%} | {run['peak_pss_mb']} MB |"
        )
    print(
        f"| bare `model.predict` (1 core) | {ceiling['sentences_per_s']:,} | {ceiling['sentences_per_s']:,} | "
        f"100% | - |"
    )


if __name__ == "__main__":
    main()
