"""Where a `stance classify` run spends its time, phase by phase, per sentence.

Builds the same kind of corpus as classify_throughput.py (the sample
articles' paragraphs shuffled and recombined), then classifies it chunk by
chunk in this process with timers around each phase of `Classifier.chunk`:

- segment: `split_sentences`;
- model: the one fused `predict` over the chunk's sentences;
- attribute: speaker attribution, article by article;
- render: everything else in the chunk (labels to JSON lines, encoding).

Reading the input happens outside `chunk` and is timed on its own; writing
runs on a background thread during the next chunk and is not counted. Each
chunk is run --repeats times and its fastest time kept, which damps a shared
machine's drift; the figures are therefore a little lower than a cold run's.

Usage: python benchmarks/classify_phases.py [--size-mb 20] [--repeats 3]
Run it from the project root after `dvc repro` (it needs models/stance.npz).
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from classify_throughput import build_corpus  # noqa: E402

from pipeline import cli  # noqa: E402
from pipeline.classify import batch as classify  # noqa: E402
from pipeline.text.articles import Article, iter_articles  # noqa: E402


def _timed(owner: object, name: str, phase: str, spent: dict[str, float]) -> None:
    """Replace owner.name with a wrapper that adds its time to spent[phase]."""
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[phase] += time.perf_counter() - started

    setattr(owner, name, wrapper)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=20, help="article text to generate (default: 20)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each chunk, fastest kept (default: 3)")
    args = parser.parse_args()
    # The process settings `stance classify` runs with (see pipeline.cli and classify.keep_freed_memory).
    gc.set_threshold(cli.GC_THRESHOLD, *gc.get_threshold()[1:])
    classify.keep_freed_memory()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        build_corpus(corpus, args.size_mb)
        started = time.perf_counter()
        articles = [a for a in iter_articles([str(corpus)]) if isinstance(a, Article)]
        read = time.perf_counter() - started
    classifier = classify.Classifier(ROOT / "models" / "stance.npz", None)
    spent = {"segment": 0.0, "model": 0.0, "attribute": 0.0}
    _timed(classify, "split_sentences", "segment", spent)
    _timed(classify, "attribute", "attribute", spent)
    _timed(classifier.predictor, "best", "model", spent)
    size = 256
    totals = {"segment": 0.0, "model": 0.0, "attribute": 0.0, "render": 0.0}
    sentences = 0
    for first in range(0, len(articles), size):
        chunk = articles[first : first + size]
        best: dict[str, float] | None = None
        for _ in range(args.repeats):
            spent.update(dict.fromkeys(spent, 0.0))
            started = time.perf_counter()
            _, count = classifier.chunk(chunk, "jsonl")
            total = time.perf_counter() - started
            run = {**spent, "render": total - sum(spent.values())}
            if best is None or sum(run.values()) < sum(best.values()):
                best = run
        assert best is not None
        for phase, seconds in best.items():
            totals[phase] += seconds
        sentences += count
    totals["read input"] = read
    print(f"{len(articles):,} articles, {sentences:,} sentences\n")
    print("| phase | µs per sentence | share |")
    print("|---|---|---|")
    whole = sum(totals.values())
    for phase, seconds in totals.items():
        print(f"| {phase} | {seconds / sentences * 1e6:.1f} | {seconds / whole:.0%} |")
    print(f"| all | {whole / sentences * 1e6:.1f} | 100% |")


if __name__ == "__main__":
    main()
