"""How `stance findings` scales: time, peak memory, page size and render time in headless Chromium.

Builds synthetic classified streams (tests/findings/synthetic.py: dates across a year, six outlets, 30
actors, a planted shift) of each size, runs `stance findings` on each in a fresh process, and prints a
Markdown table. `--screenshot PNG` also saves the page of the first size (docs/findings.png is made so).

    python benchmarks/findings_scale.py --articles 2000 20000 100000
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.report import browser  # noqa: E402
from tests.findings import synthetic  # noqa: E402


def run(articles: int, folder: Path, screenshot: str | None) -> dict:
    source = synthetic.write_jsonl(folder / f"classified_{articles}.jsonl", articles, seed=1)
    sentences = sum(1 for _ in open(source, encoding="utf-8"))
    out = folder / f"out_{articles}"
    command = [sys.executable, "-m", "pipeline.cli", "findings", str(source), "-o", str(out), "--no-progress"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run([*command, "--schema", str(ROOT / "data" / "schema.yaml")], check=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest child so far, in KiB
    page = out / "findings.html"
    ready = None
    if browser.find():
        ready = int(lxml.html.fromstring(browser.dump_dom(page)).get("data-ready"))
        if screenshot:
            browser.screenshot(page, Path(screenshot), width=1280, height=2400)
    return {
        "articles": articles,
        "sentences": sentences,
        "seconds": seconds,
        "peak_mb": peak / 1024 if peak > before else float("nan"),
        "page_mb": page.stat().st_size / 1e6,
        "ready_ms": ready,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[2000, 20000, 100000])
    parser.add_argument("--screenshot", metavar="PNG", help="save a screenshot of the first size's page")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="findings-bench-") as tmp:
        for i, n in enumerate(sorted(args.articles)):
            rows.append(run(n, Path(tmp), args.screenshot if i == 0 else None))
            print(rows[-1], file=sys.stderr)
    print("| articles | sentences | seconds | peak memory (MB) | page (MB) | page ready in Chromium (ms) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        ready = "—" if r["ready_ms"] is None else r["ready_ms"]
        print(
            f"| {r['articles']:,} | {r['sentences']:,} | {r['seconds']:.1f} | {r['peak_mb']:.0f} | "
            f"{r['page_mb']:.1f} | {ready} |"
        )


if __name__ == "__main__":
    main()
