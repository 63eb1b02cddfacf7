"""`stance classify --engine dask`: the records of `--jobs 1` from a cluster, even when a worker dies mid-run."""

from __future__ import annotations

import csv
import gzip
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.helpers import PROJECT, run_stance

SAMPLES = sorted(p for p in (PROJECT / "data" / "articles").iterdir() if p.suffix in (".txt", ".md"))


def _rows(copies: int, prefix: str) -> list[dict]:
    return [
        {"id": f"{prefix}-{k}-{s.stem}", "title": f"Wire {k}", "date": "2024-03-01", "text": s.read_text("utf-8")}
        for k in range(copies)
        for s in SAMPLES
    ]


def _corpus(root: Path, copies: int) -> list[str]:
    """Every kind of input the engine partitions: article files in folders, gzip JSONL shards, Parquet, CSV."""
    for k in range(2):
        folder = root / "files" / f"batch{k}"
        folder.mkdir(parents=True)
        for sample in SAMPLES:
            (folder / sample.name).write_text(sample.read_text("utf-8"), encoding="utf-8")
    (root / "shards").mkdir()
    for month in ("01", "02"):
        rows = _rows(copies, f"2024-{month}")
        rows.insert(3, {"id": f"empty-{month}", "text": "  "})  # a bad row: skipped and counted, as with --jobs 1
        with gzip.open(root / "shards" / f"2024-{month}.jsonl.gz", "wt", encoding="utf-8") as fh:
            fh.writelines(json.dumps(r) + "\n" for r in rows)
    (root / "shards" / "2023-12.jsonl.gz").write_bytes(b"not read: the pattern leaves it out")
    pq.write_table(pa.Table.from_pylist(_rows(copies, "pq")), root / "archive.parquet")
    with open(root / "wire.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, ["id", "title", "date", "text"])
        writer.writeheader()
        writer.writerows(_rows(1, "csv"))
    return [
        str(root / "files"),
        str(root / "shards" / "2024-*.jsonl.gz"),
        str(root / "archive.parquet"),
        str(root / "wire.csv"),
    ]


def _records(path: Path) -> list[dict]:
    if path.is_dir():
        found = [r for part in sorted(path.glob("part-*.parquet")) for r in pq.read_table(part).to_pylist()]
    else:
        found = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return sorted(found, key=lambda r: (r["article_id"], r["sentence_index"]))


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("part-") and p.name != "_classify.json")


@pytest.fixture(scope="module")
def reference(trained_project, tmp_path_factory):
    """A small corpus, a larger one, and what `--jobs 1` makes of each."""
    from pipeline import cli

    made, here = {}, Path.cwd()
    try:
        os.chdir(trained_project)
        for name, copies in (("small", 1), ("large", 40)):
            root = tmp_path_factory.mktemp(name)
            inputs = _corpus(root, copies)
            summary = root / "summary-jobs1"
            args = [*inputs, "-o", str(root / "jobs1.jsonl"), "--model", "fast", "--summary", str(summary)]
            assert cli.main(["classify", *args, "--no-progress"]) == 0
            made[name] = (root, inputs, _records(root / "jobs1.jsonl"))
    finally:
        os.chdir(here)
    return made


def test_a_local_cluster_of_two_workers_gives_the_records_of_jobs_1(reference, trained_project, stance):
    pytest.importorskip("distributed")
    root, inputs, expected = reference["small"]
    out = root / "dataset"
    options = ["--model", "fast", "--engine", "dask", "--jobs", "2", "--partition-size", "4", "--no-progress"]
    done = stance(
        "classify", *inputs, "-o", str(out), *options, "--summary", str(root / "summary"), cwd=trained_project
    )
    assert done.code == 0, done.err
    assert "on 2 local workers" in done.err and ", 2 skipped ->" in done.err  # the two empty rows
    parts = sorted(p.name for p in out.glob("part-*.parquet"))
    assert len(parts) >= 8 and parts[0] == "part-00000.parquet"
    assert _records(out) == expected
    assert _leftovers(out) == []
    assert json.loads((out / "_classify.json").read_text())["complete"] is True
    for table in ("articles.csv", "speakers.csv"):  # the summaries, streamed from the parts in order
        assert (root / "summary" / table).read_bytes() == (root / "summary-jobs1" / table).read_bytes()

    # --resume computes only the partitions that are missing, and clears what a killed worker left half-written.
    (out / parts[2]).unlink()
    (out / f".{parts[3]}.0123abcd.tmp").write_bytes(b"half a part")
    again = stance("classify", *inputs, "-o", str(out), *options, "--resume", cwd=trained_project)
    assert again.code == 0, again.err
    assert f"{len(parts) - 1} already written" in again.err
    assert _records(out) == expected and _leftovers(out) == []


def test_a_worker_killed_mid_run_loses_and_duplicates_no_record(reference, trained_project, monkeypatch):
    distributed = pytest.importorskip("distributed")
    root, inputs, expected = reference["large"]
    out = root / "dataset"
    killed: dict = {}
    monkeypatch.chdir(root / "files" / "batch0")  # the workers' folder: not the command's
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        pids = client.run(os.getpid)

        def kill_a_busy_worker() -> None:
            """Once a part is written (the model is loaded), SIGKILL a worker amid a partition it has not written.

            The part is looked for after the kill: should the worker have finished it in the instant between
            asking the scheduler and killing, the next busy worker is killed instead.
            """
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not any(out.glob("part-*.parquet")):
                time.sleep(0.005)
            while time.monotonic() < deadline:
                for address, keys in client.processing().items():
                    busy = [int(str(k).split("-")[2]) for k in keys if str(k).startswith("stance-part-")]
                    if busy and address in pids:
                        os.kill(pids.pop(address), signal.SIGKILL)
                        written = {p.name for p in out.glob("part-*.parquet")}
                        killed.setdefault("kills", []).append(len(written))
                        if any(f"part-{index:05d}.parquet" not in written for index in busy):
                            killed["unfinished"] = len(written)
                            return
                time.sleep(0.005)

        watcher = threading.Thread(target=kill_a_busy_worker, daemon=True)
        watcher.start()
        options = ["--model", "fast", "--engine", "dask", "--partition-size", "80"]
        options += ["--scheduler", cluster.scheduler_address]
        # The command in a process of its own, as a user runs it against a cluster; its inputs named relative to
        # its folder, which is not the workers'.
        relative = [os.path.relpath(i, trained_project) for i in inputs]
        done = run_stance("classify", *relative, "-o", str(out), *options, cwd=trained_project)
        watcher.join()
        assert done.returncode == 0, done.stderr
        # A worker died with a partition unfinished, before the run had written them all.
        assert "unfinished" in killed, killed
        assert killed["unfinished"] < len(list(out.glob("part-*.parquet")))
    records = _records(out)
    assert len({(r["article_id"], r["sentence_index"]) for r in records}) == len(records)
    assert records == expected
    assert _leftovers(out) == []


def test_engine_dask_without_dask_installed(trained_project, stance, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` now fails as if not installed
    import pipeline.classify

    monkeypatch.delitem(sys.modules, "pipeline.classify.cluster", raising=False)
    monkeypatch.delattr(pipeline.classify, "cluster", raising=False)  # or `from pipeline.classify import` finds it
    out = tmp_path / "dataset"
    done = stance(
        "classify", "data/articles", "-o", str(out), "--model", "fast", "--engine", "dask", cwd=trained_project
    )
    assert done.code == 2
    assert done.lines == ["stance: error: --engine dask needs Dask: pip install 'ukraine-stance[dask]'"]
    assert not out.exists()


def test_a_worker_refuses_a_model_other_than_the_one_the_run_checked(trained_project, tmp_path):
    pytest.importorskip("distributed")
    from pipeline import StanceError
    from pipeline.classify import cluster
    from pipeline.classify.batch import Attribution, Settings

    model = trained_project / "models" / "fast.npz"
    settings = Settings("parquet", None, 256, None)
    job = cluster.Job(str(model), "0" * 64, Attribution(None, ""), settings, False, "", 1, (), (700, 10, 10))
    with pytest.raises(StanceError, match="is not the model the run was started with"):
        cluster.ModelPlugin(job, "stance-model-test").classifier()
