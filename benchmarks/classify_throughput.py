"""Throughput of `stance classify` end to end, against the bare model's ceiling.

Builds a large corpus (default 200 MB of article text) by shuffling and
recombining the paragraphs of the project's sample articles, then measures:

- `stance classify` with --jobs 1 and --jobs 2: wall time and sentences/s,
  with nothing watching the process; then, in one more run of each, untimed,
  the peak memory of the whole process tree, sampled every 0.1 s as
  proportional set size (PSS: pages shared by the forked workers are counted
  once, not per process as RSS would). Sampling PSS slows the sampled process
  (the kernel walks its page tables), so it never runs during a timed run;
- the bare model: `predict` on the very same sentences, already segmented, in
  batches (no reading, segmenting, attributing or writing), in one process,
  and in two processes at once, each on half of the sentences. The second is
  the ceiling for --jobs 2: two busy cores do less than twice the work of one,
  as they share the machine's caches and memory, and that is not the
  classifier's overhead.

Each measurement records the 1-minute load average before it started: on a
shared machine a load near the core count means the figures are low. The
four runs are repeated (--rounds), each classify run next to its own ceiling
and the order reversed every round, since a virtual machine's speed drifts
over minutes. Rates are medians over rounds; a share of the ceiling is the
median of each round's ratio between a run and the ceiling measured beside it.

Usage: python benchmarks/classify_throughput.py [--size-mb 200] [--rounds 3] [--workdir DIR]
Run it from the project root after `dvc repro`. It measures the fast model
(models/fast.npz, `--model fast`), the bulk path; `model_comparison.py`
measures the default model beside it.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]


def build_corpus(dest: Path, size_mb: float, seed: int = 2026) -> tuple[int, int]:
    """JSONL of recombined articles: a random headline and 4-9 random paragraphs each."""
    # The samples are Markdown with front matter: the project's reader gives their headline and body.
    from pipeline.text import markdown

    articles = [
        markdown.read(p.read_text(encoding="utf-8"))[0] for p in sorted((ROOT / "data" / "articles").glob("*.md"))
    ]
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


def _command(corpus: Path, output: Path, jobs: int, model: str = "fast") -> list[str]:
    return [
        sys.executable,
        "-m",
        "pipeline.cli",
        "classify",
        str(corpus),
        "-o",
        str(output),
        "--jobs",
        str(jobs),
        "--model",
        model,
        "--no-progress",
    ]


def _sentences(returncode: int, stderr: str) -> int:
    if returncode != 0:
        raise SystemExit(f"stance classify failed:\n{stderr}")
    return int(re.search(r"(\d+) sentences", stderr).group(1))


def run_classify(corpus: Path, output: Path, jobs: int, model: str = "fast") -> dict:
    """Time the real CLI, with nothing watching it (see `peak_memory`).

    Also records the CPU time of the run and its workers (counted once they
    have exited), how much of it the kernel spent, and the minor page faults:
    memory handed back and faulted in again shows up there, not in Python.
    """
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(_command(corpus, output, jobs, model), cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    sentences = _sentences(done.returncode, done.stderr)
    user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    return {
        "jobs": jobs,
        "seconds": round(elapsed, 1),
        "sentences": sentences,
        "sentences_per_s": round(sentences / elapsed),
        "load_before": round(load, 2),
        "cpu_s": round(user + system, 1),
        "system_cpu_share": round(system / max(user + system, 1e-9), 3),
        "page_faults": after.ru_minflt - before.ru_minflt,
    }


def peak_memory(corpus: Path, output: Path, jobs: int, model: str = "fast") -> dict:
    """Run the real CLI once more, untimed, sampling the PSS of it and its workers every 0.1 s.

    Reading a process's PSS makes the kernel walk its page tables, which slowed
    the sampled run by about a tenth here: memory is therefore measured in runs
    of its own, never in the timed ones.
    """
    process = psutil.Popen(_command(corpus, output, jobs, model), cwd=ROOT, stderr=subprocess.PIPE, text=True)
    peak = 0
    while process.poll() is None:
        try:
            tree = [process, *process.children(recursive=True)]
            peak = max(peak, sum(p.memory_full_info().pss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.1)
    _sentences(process.returncode, process.stderr.read())
    return {"jobs": jobs, "peak_pss_mb": round(peak / 2**20)}


def read_sentences(output: Path) -> list[str]:
    with open(output, encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh]


def _predict_all(arrays, texts: list[str], batch: int = 20_000) -> None:
    sys.path.insert(0, str(ROOT))
    from pipeline.model.predict import predict

    for i in range(0, len(texts), batch):
        predict(arrays, texts[i : i + batch])


def _timed_share(arrays, texts, barrier, results) -> None:
    """One of the processes of the 2-core ceiling: predict its share once both are ready."""
    barrier.wait()
    started = time.perf_counter()
    _predict_all(arrays, texts)
    results.put(time.perf_counter() - started)


def bare_model(texts: list[str], processes: int = 1) -> dict:
    """The ceiling: model.predict alone on the sentences the run produced.

    With 2 processes, each predicts half of the sentences at the same time (forked
    after the model is loaded, started together): what the bare model does on
    both cores, which is less than twice one core because the cores share the
    machine's caches and memory.
    """
    sys.path.insert(0, str(ROOT))
    from pipeline.model import served

    arrays = served.load(ROOT / "models" / "fast.npz")
    load = os.getloadavg()[0]
    if processes == 1:
        started = time.perf_counter()
        _predict_all(arrays, texts)
        elapsed = time.perf_counter() - started
    else:
        context = multiprocessing.get_context("fork")
        barrier, results = context.Barrier(processes), context.Queue()
        size = -(-len(texts) // processes)
        workers = [
            context.Process(target=_timed_share, args=(arrays, texts[i * size : (i + 1) * size], barrier, results))
            for i in range(processes)
        ]
        for worker in workers:
            worker.start()
        elapsed = max(results.get() for _ in workers)
        for worker in workers:
            worker.join()
    return {
        "processes": processes,
        "sentences": len(texts),
        "seconds": round(elapsed, 1),
        "sentences_per_s": round(len(texts) / elapsed),
        "load_before": round(load, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=200, help="article text to generate (default: 200)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="measure each of the four runs this many times, in alternating order, and report medians "
        "(default: 3; a shared machine's speed drifts from minute to minute)",
    )
    parser.add_argument("--workdir", type=Path, help="where to put the corpus and outputs (default: a temp dir)")
    args = parser.parse_args()
    os.environ.setdefault("DVC_NO_ANALYTICS", "1")
    measured: dict[str, list[dict]] = {"jobs1": [], "bare1": [], "jobs2": [], "bare2": []}
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        work = Path(tmp)
        corpus = work / "corpus.jsonl"
        n_articles, n_bytes = build_corpus(corpus, args.size_mb)
        print(f"corpus: {n_articles} articles, {n_bytes / 2**20:.0f} MB of text", file=sys.stderr)
        texts: list[str] = []
        for round_ in range(args.rounds):
            # Each run sits next to its own ceiling, and the order flips every round.
            order = list(measured) if round_ % 2 == 0 else list(reversed(measured))
            for kind in order:
                n = int(kind[-1])
                if kind.startswith("bare"):
                    texts = texts or read_sentences(work / "out1.jsonl")
                    result = bare_model(texts, processes=n)
                else:
                    result = run_classify(corpus, work / f"out{n}.jsonl", n)
                measured[kind].append(result)
                print(f"round {round_ + 1} {kind}: {result}", file=sys.stderr)
            same = (work / "out1.jsonl").read_bytes() == (work / "out2.jsonl").read_bytes()
            print(f"round {round_ + 1}: --jobs 2 output identical to --jobs 1: {same}", file=sys.stderr)
        memory = {jobs: peak_memory(corpus, work / f"memory{jobs}.jsonl", jobs) for jobs in (1, 2)}
        print(f"memory: {memory}", file=sys.stderr)

    def median(kind: str, key: str = "sentences_per_s") -> float:
        return statistics.median(r[key] for r in measured[kind])

    def share(jobs: int, ceiling: str) -> float:
        """Median over rounds of the run's rate over the ceiling measured beside it in the same round."""
        ratios = [
            run["sentences_per_s"] / jobs / (bare["sentences_per_s"] / int(ceiling[-1]))
            for run, bare in zip(measured[f"jobs{jobs}"], measured[ceiling], strict=True)
        ]
        return statistics.median(ratios)

    result = {
        "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}",
        "corpus_mb": round(n_bytes / 2**20),
        "articles": n_articles,
        "rounds": args.rounds,
        "measurements": measured,
        "memory": memory,
    }
    print(json.dumps(result, indent=2))
    print(f"\nMedians of {args.rounds} rounds (shares: median of each round's ratio to the ceiling beside it):\n")
    print(
        "| run | sentences/s | per core | share of the bare model on as many cores "
        "| per core, share of one bare core | peak memory (PSS) |"
    )
    print("|---|---|---|---|---|---|")
    for jobs in (1, 2):
        rate = median(f"jobs{jobs}")
        peak = memory[jobs]["peak_pss_mb"]
        print(
            f"| `stance classify --jobs {jobs}` | {rate:,.0f} | {rate / jobs:,.0f} | "
            f"{share(jobs, f'bare{jobs}'):.0%} | {share(jobs, 'bare1'):.0%} | {peak} MB |"
        )
    for n in (1, 2):
        rate = median(f"bare{n}")
        print(
            f"| bare `model.predict`, {n} process{'es' if n > 1 else ''} | {rate:,.0f} | {rate / n:,.0f} | 100% | "
            f"{rate / n / median('bare1'):.0%} | - |"
        )
    print()
    for jobs in (1, 2):
        faults = median(f"jobs{jobs}", "page_faults") / median(f"jobs{jobs}", "sentences") * 1000
        print(
            f"`--jobs {jobs}`: {median(f'jobs{jobs}', 'system_cpu_share'):.0%} of the CPU time in the kernel, "
            f"{faults:,.0f} minor page faults per 1,000 sentences (medians)"
        )


if __name__ == "__main__":
    main()
