"""`stance classify --engine dask`: a run's partitions as tasks on a dask.distributed cluster.

The machine that starts the run plans it (`pipeline.classify.partitions`:
where each partition's articles are, with tables cut into slices by the
workers) and collects small reports; the workers read their partitions,
classify them and write each as a part of the output dataset
(`pipeline.classify.dataset`). Every worker gets the model's path, the SHA-256
the starting machine checked, and the actor registry in a worker plugin,
loads the model once, on its first partition, and refuses a file whose
checksum differs, as `--jobs` workers do. A worker that dies takes its
partition with it: Dask runs it again elsewhere, and since a part appears
only by an atomic rename, nothing is written twice. Without `--scheduler`
the run starts a local cluster of one single-threaded process per core.
"""

from __future__ import annotations

import gc
import logging
import os
import platform
import sys
import time
import uuid
from concurrent.futures import CancelledError
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import dask
from distributed import Client, LocalCluster, WorkerPlugin, as_completed, get_worker
from distributed.scheduler import KilledWorker

from pipeline import StanceError
from pipeline.classify import dataset, partitions
from pipeline.classify.batch import (
    Attribution,
    Classifier,
    Settings,
    _chunks,
    _fingerprint,
    columns,
    keep_freed_memory,
)
from pipeline.io.tables import Slice, slices
from pipeline.text.articles import Article, BadArticle, expand_inputs

# A worker classifies in one thread while its event loop wakes for Dask's upkeep: the statistical profiler
# every 10 ms, the loop's health check every 20 ms. Each wake takes the GIL from the classifying thread; on
# the benchmark that was 6,000 context switches and 5% of the time in a quiet machine, 15% in a busy one.
# The local cluster's workers wake once a second instead (the dashboard loses its profile page); workers of
# a cluster given by --scheduler keep their own settings (the README says which to set).
QUIET_WORKERS = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "1s",
}
PARTITION_SIZE = 1000  # articles: about 30,000 sentences, a few seconds of the fast model on one core
REPORT_EVERY = 30.0  # seconds between progress lines on stderr when there is no progress bar


@dataclass(frozen=True)
class Job:
    """What every partition of a run needs besides its own articles; sent to each worker once."""

    model_path: str
    sha256: str
    attribution: Attribution
    settings: Settings
    strict: bool
    folder: str
    partitions: int
    cols: tuple[str, ...]
    gc_threshold: tuple[int, ...]


class ModelPlugin(WorkerPlugin):
    """The run's job on a worker, and the model it loads once and verifies there."""

    def __init__(self, job: Job, name: str):
        self.job, self.name = job, name
        self._classifier: Classifier | None = None

    def setup(self, worker: Any) -> None:
        gc.set_threshold(*self.job.gc_threshold)  # the command's garbage collector settings, as --jobs workers get
        keep_freed_memory()

    def classifier(self) -> Classifier:
        if self._classifier is None:
            job = self.job
            # Loading checks the file against the card beside it; the card must be the one the run checked.
            found = Classifier(Path(job.model_path), job.settings.min_confidence, attribution=job.attribution)
            if found.sha256 != job.sha256:
                raise StanceError(
                    f"{job.model_path} on worker {platform.node()}: SHA-256 {found.sha256} is not the model "
                    f"the run was started with ({job.sha256}); give every worker the same models/ files"
                )
            self._classifier = found
        return self._classifier


@dataclass
class Done:
    """What a partition reports back: counts and the bad articles it skipped, never its records."""

    index: int
    articles: int = 0
    sentences: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)


def classify_partition(partition: partitions.Partition, plugin: str) -> Done:
    """Classify one partition on a worker and write it as one part of the dataset."""
    found: ModelPlugin = get_worker().plugins[plugin]
    job, classifier = found.job, found.classifier()
    done, out = Done(partition.index), []
    items = partitions.articles(partition, job.settings.columns)
    for chunk in _chunks(items, job.settings.chunk_size):
        good = [a for a in chunk if isinstance(a, Article)]
        for bad in (a for a in chunk if isinstance(a, BadArticle)):
            if job.strict:
                raise StanceError(f"{bad.id}: {bad.reason}")
            done.skipped.append((bad.id, bad.reason))
        data, n_sentences = classifier.chunk(good, "jsonl")
        out.append(data)
        done.articles += len(good)
        done.sentences += n_sentences
    dest = Path(job.folder) / dataset.part_name(partition.index, job.partitions, job.settings.fmt)
    try:
        dataset.write_part(dest, b"".join(out), job.settings.fmt, list(job.cols))
    except OSError as exc:
        raise StanceError(f"{dest}: cannot write ({exc.strerror or exc})") from None
    return done


@dataclass
class Summary:
    articles: int = 0
    sentences: int = 0
    skipped: int = 0
    partitions: int = 0
    resumed: int = 0
    seconds: float = 0.0
    workers: int = 0


def _client(scheduler: str | None, workers: int | None) -> tuple[Client, LocalCluster | None]:
    if scheduler:
        try:
            return Client(scheduler, timeout="20s"), None
        except (OSError, TimeoutError) as exc:
            raise StanceError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    with dask.config.set(QUIET_WORKERS):
        cluster = LocalCluster(
            n_workers=workers or cores,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        )
    return Client(cluster), cluster


def run(
    inputs: list[str],
    folder: Path,
    settings: Settings,
    model_path: Path,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    partition_size: int = PARTITION_SIZE,
    resume: bool = False,
    strict: bool = False,
    progress_bar: bool | None = None,
) -> Summary:
    """Classify the inputs into the dataset at `folder` on a Dask cluster; the counts of the run."""
    if settings.fmt not in dataset.EXTENSIONS:
        raise StanceError(
            f"--engine dask writes a Parquet dataset or JSONL shards (--format parquet|jsonl), not {settings.fmt}"
        )
    if partition_size < 1:
        raise StanceError(f"--partition-size must be at least 1, got {partition_size}")
    if "-" in inputs:
        raise StanceError("--engine dask reads files and folders, not stdin")
    # Absolute: a worker elsewhere (or in another folder) reads them. Ids stay relative to the folders given.
    inputs = [str(Path(i).resolve()) for i in expand_inputs(inputs)]
    local = Classifier(model_path, settings.min_confidence, load=False)
    # Checked here first: a changed file is one clean error rather than every worker refusing it.
    from pipeline.model import card as modelcard

    modelcard.check_sha256(modelcard.served_path(model_path), local.sha256)
    started = time.monotonic()
    client, cluster = _client(scheduler, workers)
    token = uuid.uuid4().hex[:8]
    try:
        split = partial(_split, client, size=partition_size, token=token)
        plan = partitions.plan(inputs, settings.glob, partition_size, split)
        if not plan:
            raise StanceError(f"{', '.join(inputs)}: no articles found")
        identity = {
            "inputs": inputs,
            "fingerprint": _fingerprint(inputs),
            "model_sha256": local.sha256,
            "settings": asdict(settings),
            "partition_size": partition_size,
            "partitions": len(plan),
        }
        written = dataset.start(folder, identity, settings.fmt, resume)
        job = Job(
            str(model_path.resolve()),
            local.sha256,
            Attribution(local.registry, local.parser.model if local.parser else ""),
            settings,
            strict,
            str(folder.resolve()),
            len(plan),
            tuple(columns(local.targets)),
            gc.get_threshold(),
        )
        summary = Summary(partitions=len(plan), resumed=len(written))
        todo = [p for p in plan if p.index not in written]
        summary.workers = len(client.nthreads())
        where = f"{summary.workers} local workers" if cluster else f"{summary.workers} workers at {scheduler}"
        dashboard = f"; dashboard {client.dashboard_link}" if _has_dashboard(client) else ""
        resumed = f" ({len(written)} already written)" if written else ""
        print(f"classify: {len(plan)} partitions{resumed} on {where}{dashboard}", file=sys.stderr)
        _execute(client, job, todo, token, summary, progress_bar)
        dataset.save_manifest(folder, identity, complete=True)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    dataset.remove_temporary(folder)
    summary.seconds = time.monotonic() - started
    return summary


def _split(client: Client, tables: list[str], size: int, token: str) -> list[list[Slice]]:
    """Each table's slices, found by the workers (where the inputs are), a table per task."""
    keys = [f"stance-split-{i}-{token}" for i in range(len(tables))]
    return client.gather(client.map(slices, tables, size=size, key=keys))


def _has_dashboard(client: Client) -> bool:
    try:
        import bokeh  # noqa: F401 - the dashboard is served only where bokeh is installed
    except ImportError:
        return False
    return True


def _execute(
    client: Client,
    job: Job,
    todo: list[partitions.Partition],
    token: str,
    summary: Summary,
    progress_bar: bool | None,
) -> None:
    name = f"stance-model-{token}"
    client.register_plugin(ModelPlugin(job, name), name=name)
    futures = [
        client.submit(classify_partition, p, name, key=f"stance-part-{p.index}-{token}", retries=0) for p in todo
    ]
    bar = _bar(progress_bar, len(todo))
    started = last = time.monotonic()
    sentences = finished = 0
    try:
        for future in as_completed(futures):
            done: Done = future.result()
            for bad_id, reason in done.skipped:
                print(f"stance: warning: {bad_id}: {reason}; skipped", file=sys.stderr)
            summary.articles += done.articles
            summary.sentences += done.sentences
            summary.skipped += len(done.skipped)
            sentences += done.sentences
            finished += 1
            now = time.monotonic()
            rate = f"{sentences / max(now - started, 1e-9):,.0f} sentences/s"
            if bar is not None:
                bar.update(1)
                bar.set_postfix_str(rate)
            elif now - last >= REPORT_EVERY:
                shown = f"{summary.resumed + finished}/{summary.partitions}"
                print(f"classify: {shown} partitions, {rate}", file=sys.stderr)
                last = now
    except KilledWorker as exc:
        raise StanceError(
            f"workers died running one partition again and again (out of memory?): {exc}; "
            "the parts written so far are kept: run the same command with --resume"
        ) from None
    except CancelledError:  # distributed's FutureCancelledError is one
        raise StanceError("the cluster cancelled the run; run the same command with --resume") from None
    finally:
        if bar is not None:
            bar.close()
        client.cancel(futures)
        try:
            client.unregister_worker_plugin(name)
        except Exception:  # noqa: BLE001 - a cluster going away does not change what the run did
            pass


def _bar(enabled: bool | None, total: int):
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit=" partitions", file=sys.stderr, dynamic_ncols=True)
