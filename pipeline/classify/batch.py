"""Batch classification of articles: stream, chunk, classify in workers, write in order.

Articles are read one at a time and grouped into chunks of a fixed number of
inputs. Each chunk is segmented, labeled in one vectorised `predict` call and
attributed, then rendered to output lines, in the main process (`--jobs 1`) or
in worker processes that load the model once each. Chunks are written in input
order, so `--jobs N` gives the same bytes as `--jobs 1`.

Nothing appears at the output path until the run is complete: lines go to a
hidden partial file beside it, and after every chunk a checkpoint records how
many chunks and bytes are safely on disk. `--resume` truncates the partial file
to that size, skips the chunks already done, and carries on; the result is the
same as an uninterrupted run.
"""

from __future__ import annotations

import csv
import ctypes
import gc
import hashlib
import io
import json
import os
import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, replace
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np

from pipeline import StanceError
from pipeline.actors.attribution import AUTHOR, attribute_with_methods
from pipeline.actors.parser import LazyParser, check_parser
from pipeline.actors.registry import Registry
from pipeline.actors.registry import cached as cached_registry
from pipeline.io.cells import row as csv_row
from pipeline.model import card as modelcard
from pipeline.model import served
from pipeline.text.articles import META_FIELDS, Article, BadArticle, Columns, expand_inputs, iter_articles
from pipeline.text.segment import split_sentences

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}
UNCERTAIN = "uncertain"
# json.dumps(..., ensure_ascii=False) builds a new encoder per call; one encoder writes the same bytes faster.
_encode = json.JSONEncoder(ensure_ascii=False).encode
# ... and for a str it is this C function, without the type checks.
_encode_str = json.encoder.encode_basestring
_META_KEYS = {key: _encode_str(key) for key in META_FIELDS}
_ACTOR_KEYS = [_encode_str(key) for key in ("speaker_method", "actor", "actor_country", "actor_type")]
_AUTHOR_JSON = _encode_str(AUTHOR)
# After `speaker`: the rule that found it, and the registered actor it names (data/actors.yaml).
ACTOR_FIELDS = ("speaker_method", "actor", "actor_country", "actor_type")


def load_registry() -> Registry | None:
    """The project's actor registry, when it has one (classify then names canonical actors)."""
    from pipeline import config

    path = config.paths().actors
    return cached_registry(str(path)) if path.is_file() else None


@dataclass(frozen=True)
class Attribution:
    """What names a speaker besides the model: the actor registry and the parser fallback's spaCy pipeline.

    Read from the project on the machine that starts a run and handed to its workers as it is, so a worker
    elsewhere (a Dask cluster's) names the same actors without a copy of the project's data/ and params.yaml.
    """

    registry: Registry | None
    parser_model: str

    @classmethod
    def of_project(cls, with_parser: bool = True) -> Attribution:
        """The registry, and the parser that params.yaml names (attribution.parser) when `with_parser`."""
        from pipeline import config, params

        if not with_parser:
            return cls(load_registry(), "")
        path = config.paths().params
        model = params.load(path).attribution.parser if path.is_file() else params.AttributionParams().parser
        return cls(load_registry(), model or "")

    def parser(self) -> LazyParser | None:
        if not self.parser_model:
            return None
        check_parser(self.parser_model)
        return LazyParser(self.parser_model, self.registry)


def actor_fields(speaker: str | None, method: str | None, registry: Registry | None) -> list[Any]:
    """speaker_method, actor, actor_country, actor_type of one sentence (None where unknown); a sentence no
    rule attributes is the writer's."""
    if not speaker:
        return ["author", AUTHOR, None, AUTHOR]
    found = registry.resolve(speaker) if registry is not None else None
    if found is None:
        return [method, speaker, None, None]
    return [method, found.name, found.country or None, found.type]


# Confidences are rounded to 4 places, so each is one of 10,001 numbers: their JSON is looked up, not formatted.
_CONFIDENCE_JSON = np.array([repr(k / 10_000) for k in range(10_001)], dtype=object)


def _json_value(value: Any) -> str:
    """JSON for a meta value: the common None and str without the encoder's slow general path."""
    if value is None:
        return "null"
    return _encode_str(value) if isinstance(value, str) else _encode(value)


@dataclass(frozen=True)
class Settings:
    """Everything that changes the output bytes; a resumed run must match them."""

    fmt: str
    min_confidence: float | None
    chunk_size: int
    glob: str | None
    spreadsheet_safe: bool = False
    columns: Columns = Columns()


def output_format(path: Path, fmt: str | None) -> str:
    if fmt:
        return fmt
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        raise StanceError(f"{path}: cannot tell the format from the extension; use --format jsonl|csv|parquet")
    return found


def columns(targets: list[str]) -> list[str]:
    cols = ["article_id", "sentence_index", "start", "end", "text", "speaker", *ACTOR_FIELDS]
    for t in targets:
        cols += [t, f"{t}_confidence"]
    return cols + list(META_FIELDS)


class Classifier:
    """Turns a chunk of articles into output bytes; one per process."""

    def __init__(
        self,
        model_path: Path,
        min_confidence: float | None,
        load: bool = True,
        attribution: Attribution | None = None,
    ):
        # With workers, the main process needs only the card: the workers load (and verify) the model.
        card = modelcard.read_card(model_path)
        self.predictor: served.ServedModel | None = served.load(model_path, card) if load else None
        self.targets: list[str] = card["targets"]
        self.min_confidence = min_confidence
        self.sha256 = card["sha256"]
        schema = card["schema"]["targets"]
        # The summary tables count labels in the schema's order and dominant positions.
        self.positions = {
            t: {lab["name"] for lab in schema[t]["labels"] if lab["kind"] == "position"} for t in self.targets
        }
        self.labels = {t: [lab["name"] for lab in schema[t]["labels"]] for t in self.targets}
        attribution = attribution or Attribution.of_project(with_parser=bool(card.get("encoder")))
        self.registry = attribution.registry
        # The fast model is the bulk path: its speakers come from the rules alone (the parser would cost it
        # nine tenths of its speed); the default model, ten times slower already, adds the parser.
        self.parser = attribution.parser() if card.get("encoder") else None
        if self.predictor is None:
            return
        # Per target, everything a sentence's output depends on, indexed by its label's place in the model's
        # classes (one more place for "uncertain"): the label, whether it is a position, and its JSON.
        self._names, self._is_position, self._tail_json = {}, {}, {}
        for t, classes in zip(self.targets, self.predictor.classes_, strict=True):
            names = [*map(str, classes), UNCERTAIN]
            self._names[t] = np.array(names, dtype=object)
            self._is_position[t] = np.array([name in self.positions[t] for name in names])
            key, key_confidence = _encode(t), _encode(f"{t}_confidence")
            self._tail_json[t] = np.array([f", {key}: {_encode(n)}, {key_confidence}: " for n in names], dtype=object)

    def chunk(self, articles: list[Article], fmt: str, safe: bool = False) -> tuple[bytes, int]:
        """Segment, label and attribute a chunk of articles; return its output bytes and sentence count.

        Everything that can be is column-wise: one `predict` call for the
        chunk, each target's part of every JSON line assembled by array
        operations, then one pass that joins each sentence's pieces.
        """
        assert self.predictor is not None
        segmented = [(a, split_sentences(a.text)) for a in articles]
        texts = [s.text for _, sentences in segmented for s in sentences]
        if not texts:
            return b"", 0
        held = np.zeros(len(texts), dtype=bool)
        label_of, confidence_of, tails = {}, {}, None
        for t, (index, confidence) in self.predictor.best(texts).items():
            if self.min_confidence is not None:
                index = np.where(confidence < self.min_confidence, len(self._names[t]) - 1, index)
            # Sentences holding a position are the only ones whose speaker is wanted.
            held |= self._is_position[t][index]
            if fmt == "csv":
                label_of[t], confidence_of[t] = self._names[t][index].tolist(), confidence.tolist()
            else:
                part = self._tail_json[t][index] + _CONFIDENCE_JSON[np.rint(confidence * 10_000).astype(np.intp)]
                tails = part if tails is None else tails + part
        held_list = held.tolist()
        if fmt == "csv":
            return self._csv(segmented, held_list, label_of, confidence_of, safe), len(texts)
        assert tails is not None
        tail_list = tails.tolist()
        text_json = list(map(_encode_str, texts))
        out: list[str] = []
        k = 0
        for article, sentences in segmented:
            speakers, methods = attribute_with_methods(
                article.text, sentences, held_list[k : k + len(sentences)], self.registry, self.parser
            )
            head = f'{{"article_id": {_encode(article.id)}, "sentence_index": '
            meta = "".join(f", {_META_KEYS[key]}: {_json_value(article.meta.get(key))}" for key in META_FIELDS)
            end = meta + "}\n"
            for index, (sentence, speaker, method) in enumerate(zip(sentences, speakers, methods, strict=True)):
                who = _encode_str(speaker) if speaker else _AUTHOR_JSON
                actor = actor_fields(speaker, method, self.registry)
                who += "".join(f", {_ACTOR_KEYS[i]}: {_json_value(v)}" for i, v in enumerate(actor))
                out.append(
                    f'{head}{index}, "start": {sentence.start}, "end": {sentence.end}, "text": {text_json[k]}, '
                    f'"speaker": {who}{tail_list[k]}{end}'
                )
                k += 1
        return "".join(out).encode("utf-8"), len(texts)

    def _csv(
        self,
        segmented: list[tuple[Article, list]],
        held: list[bool],
        label_of: dict[str, list],
        confidence_of: dict[str, list],
        safe: bool,
    ) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        k = 0
        for article, sentences in segmented:
            speakers, methods = attribute_with_methods(
                article.text, sentences, held[k : k + len(sentences)], self.registry, self.parser
            )
            meta = ["" if article.meta.get(key) is None else article.meta.get(key) for key in META_FIELDS]
            for index, (sentence, speaker, method) in enumerate(zip(sentences, speakers, methods, strict=True)):
                row = [article.id, index, sentence.start, sentence.end, sentence.text]
                row.append(speaker or AUTHOR)
                row += ["" if v is None else v for v in actor_fields(speaker, method, self.registry)]
                for t in self.targets:
                    row += (label_of[t][k], confidence_of[t][k])
                writer.writerow(csv_row(row + meta, safe))
                k += 1
        return buffer.getvalue().encode("utf-8")


# glibc's mallopt(3) parameters: see `keep_freed_memory`.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def keep_freed_memory() -> None:
    """Let the C allocator reuse the memory of each batch's arrays instead of returning it to the system.

    Every model batch allocates and frees megabytes of numpy arrays. glibc
    gave those pages back to the system after each batch and faulted fresh,
    zeroed ones in for the next: about 750,000 page faults and 15% of the
    run's CPU time in the kernel in a 20 MB run. With large blocks served from
    the heap (up to 32 MB, glibc's ceiling) and the heap trimmed only past
    256 MB, the pages are reused. Memory stays bounded by the largest batch.
    A no-op where the C library has no mallopt (macOS, Windows).
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(_M_MMAP_THRESHOLD, 32 * 2**20)
    mallopt(_M_TRIM_THRESHOLD, 256 * 2**20)


_WORKER: Classifier | None = None


def _init_worker(model_path: str, min_confidence: float | None, gc_threshold: tuple[int, ...]) -> None:
    global _WORKER
    gc.set_threshold(*gc_threshold)  # the parent's garbage collector settings, however the worker started
    keep_freed_memory()
    _WORKER = Classifier(Path(model_path), min_confidence)


def _work(chunk: list[Article], fmt: str, safe: bool) -> tuple[bytes, int]:
    assert _WORKER is not None
    return _WORKER.chunk(chunk, fmt, safe)


CHUNK_CHARS = 4_000_000  # a chunk also ends once its articles hold this much text, so memory stays bounded


def _chunks(items: Iterable[Article | BadArticle], size: int) -> Iterator[list[Article | BadArticle]]:
    """Runs of at most `size` inputs and about CHUNK_CHARS of text; the same runs on every pass."""
    chunk: list[Article | BadArticle] = []
    chars = 0
    for item in items:
        chunk.append(item)
        chars += len(item.text) if isinstance(item, Article) else 0
        if len(chunk) >= size or chars >= CHUNK_CHARS:
            yield chunk
            chunk, chars = [], 0
    if chunk:
        yield chunk


def _fingerprint(inputs: list[str]) -> str:
    """What the inputs were, cheaply: paths, sizes and modification times."""
    digest = hashlib.sha256()
    for raw in inputs:
        path = Path(raw)
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            stat = f.stat()
            digest.update(f"{f.resolve()}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


@dataclass
class Progress:
    articles: int = 0
    sentences: int = 0
    skipped: int = 0
    chunks: int = 0
    bytes: int = 0


class _Writer:
    """Appends each chunk to the partial file, fsyncs it, then checkpoints it, on one background thread.

    write and fsync release the GIL, so the disk works while the next chunk is
    classified. One write is in flight at a time: chunks land in order, and a
    checkpoint never claims bytes that are not yet on disk.
    """

    def __init__(self, handle: Any, checkpoint: Any):
        self._handle, self._checkpoint = handle, checkpoint
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="stance-writer")
        self._pending: Future | None = None

    def _write(self, data: bytes, progress: Progress) -> None:
        self._handle.write(data)
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._checkpoint(progress)

    def submit(self, data: bytes, progress: Progress) -> None:
        self.wait()
        self._pending = self._pool.submit(self._write, data, progress)

    def wait(self) -> None:
        """Block until the last chunk is on disk; raise what writing it raised."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        self._pool.shutdown(wait=True)


class Run:
    """One `stance classify` invocation: partial file, checkpoint, ordered writing."""

    def __init__(
        self,
        inputs: list[str],
        output: Path,
        settings: Settings,
        model_path: Path,
        jobs: int,
        resume: bool,
        strict: bool,
    ):
        if not output.parent.is_dir():
            raise StanceError(f"{output}: output folder {output.parent} does not exist")
        if resume and "-" in inputs:
            raise StanceError("--resume needs files or folders as input, not stdin")
        if jobs < 1:
            raise StanceError(f"--jobs must be at least 1, got {jobs}")
        self.inputs, self.output, self.settings = expand_inputs(inputs), output, settings
        self.model_path, self.jobs, self.resume, self.strict = model_path, jobs, resume, strict
        self.partial = output.with_name(f".{output.name}.partial")
        self.checkpoint = output.with_name(f".{output.name}.checkpoint.json")

    def _identity(self, classifier_sha: str) -> dict[str, Any]:
        return {
            "inputs": [str(Path(i).resolve()) for i in self.inputs],
            "fingerprint": _fingerprint(self.inputs) if "-" not in self.inputs else None,
            "model_sha256": classifier_sha,
            "settings": asdict(self.settings),
        }

    def _save_checkpoint(self, identity: dict[str, Any], progress: Progress) -> None:
        tmp = self.checkpoint.with_suffix(".tmp")
        tmp.write_text(json.dumps({**identity, "progress": asdict(progress)}), encoding="utf-8")
        os.replace(tmp, self.checkpoint)

    def _start(self, identity: dict[str, Any], header: bytes) -> tuple[Any, Progress]:
        if self.resume and self.checkpoint.is_file() and self.partial.is_file():
            saved = json.loads(self.checkpoint.read_text(encoding="utf-8"))
            if {k: saved.get(k) for k in identity} != identity:
                raise StanceError(
                    f"{self.checkpoint}: the interrupted run had other inputs, model or options; "
                    "rerun without --resume to start over"
                )
            progress = Progress(**saved["progress"])
            if self.partial.stat().st_size < progress.bytes:
                # Written but never reached the disk (a machine crash): the checkpoint cannot be trusted.
                raise StanceError(
                    f"{self.partial}: shorter than its checkpoint records; rerun without --resume to start over"
                )
            handle = open(self.partial, "r+b")
            handle.truncate(progress.bytes)
            handle.seek(progress.bytes)
            return handle, progress
        handle = open(self.partial, "wb")
        handle.write(header)
        progress = Progress(bytes=len(header))
        self._save_checkpoint(identity, progress)
        return handle, progress

    def execute(self, progress_bar: bool | None = None) -> Progress:
        local = self.classifier = Classifier(self.model_path, self.settings.min_confidence, load=self.jobs == 1)
        cols = columns(local.targets)
        fmt = self.settings.fmt
        stage_fmt = "jsonl" if fmt == "parquet" else fmt
        header = (",".join(cols) + "\n").encode() if fmt == "csv" else b""
        identity = self._identity(local.sha256)
        try:
            handle, progress = self._start(identity, header)
        except OSError as exc:
            raise StanceError(f"{self.output}: cannot write ({exc.strerror or exc})") from None
        skip = progress.chunks
        bar = _bar(progress_bar)
        started = time.monotonic()
        try:
            with handle:
                writer = _Writer(handle, lambda snapshot: self._save_checkpoint(identity, snapshot))
                try:
                    chunks = _chunks(
                        iter_articles(self.inputs, self.settings.glob, self.settings.columns), self.settings.chunk_size
                    )
                    for _ in range(skip):
                        next(chunks, None)
                    for chunk, (data, n_sentences) in self._process(chunks, local, stage_fmt):
                        good = [a for a in chunk if isinstance(a, Article)]
                        for bad in (a for a in chunk if isinstance(a, BadArticle)):
                            if self.strict:
                                raise StanceError(f"{bad.id}: {bad.reason}")
                            print(f"stance: warning: {bad.id}: {bad.reason}; skipped", file=sys.stderr)
                            progress.skipped += 1
                        progress.articles += len(good)
                        progress.sentences += n_sentences
                        progress.chunks += 1
                        progress.bytes += len(data)
                        writer.submit(data, replace(progress))
                        if bar is not None:
                            elapsed = max(time.monotonic() - started, 1e-9)
                            bar.update(len(chunk))
                            bar.set_postfix_str(f"{progress.sentences / elapsed:,.0f} sentences/s")
                    writer.wait()
                finally:
                    writer.close()  # never leave the thread writing into a file about to be discarded
        except StanceError:
            self._discard()  # a fatal input (--strict) or a refused model: leave nothing behind
            raise
        except OSError as exc:
            self._discard()
            raise StanceError(f"{self.output}: cannot write ({exc.strerror or exc})") from None
        finally:
            if bar is not None:
                bar.close()
        if progress.articles == 0 and progress.skipped == 0:
            self._discard()
            raise StanceError(f"{', '.join(self.inputs)}: no articles found")
        self._finish(fmt, cols)
        return progress

    def _process(
        self, chunks: Iterator[list[Article | BadArticle]], local: Classifier, fmt: str
    ) -> Iterator[tuple[list[Article | BadArticle], tuple[bytes, int]]]:
        """(chunk, rendered result) in input order, computed here or by a bounded worker pool."""
        safe = self.settings.spreadsheet_safe
        if self.jobs == 1:
            for chunk in chunks:
                yield chunk, local.chunk([a for a in chunk if isinstance(a, Article)], fmt, safe)
            return
        # The workers verify the model again; checking here first turns a changed file into one clean error
        # instead of every worker failing in its initializer.
        modelcard.check_sha256(modelcard.served_path(self.model_path), local.sha256)
        try:
            yield from self._pooled(chunks, fmt, safe)
        except BrokenProcessPool:
            raise StanceError(
                "a worker process stopped (out of memory, or killed); nothing was written: run the command again"
            ) from None

    def _pooled(
        self, chunks: Iterator[list[Article | BadArticle]], fmt: str, safe: bool
    ) -> Iterator[tuple[list[Article | BadArticle], tuple[bytes, int]]]:
        pending: deque[tuple[list, Future]] = deque()
        with ProcessPoolExecutor(
            self.jobs,
            initializer=_init_worker,
            initargs=(str(self.model_path), self.settings.min_confidence, gc.get_threshold()),
        ) as pool:
            for chunk in chunks:
                good = [a for a in chunk if isinstance(a, Article)]
                pending.append((chunk, pool.submit(_work, good, fmt, safe)))
                if len(pending) >= 2 * self.jobs:
                    done, future = pending.popleft()
                    yield done, future.result()
            while pending:
                done, future = pending.popleft()
                yield done, future.result()

    def _finish(self, fmt: str, cols: list[str]) -> None:
        if fmt == "parquet":
            tmp = self.output.with_name(f".{self.output.name}.parquet.tmp")
            try:
                _jsonl_to_parquet(self.partial, tmp, cols)
                os.replace(tmp, self.output)
            finally:
                tmp.unlink(missing_ok=True)
            self.partial.unlink(missing_ok=True)
        else:
            os.replace(self.partial, self.output)
        self.checkpoint.unlink(missing_ok=True)

    def _discard(self) -> None:
        self.partial.unlink(missing_ok=True)
        self.checkpoint.unlink(missing_ok=True)


def _bar(enabled: bool | None):
    """A progress bar on stderr when it is a terminal (or when asked)."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(unit=" articles", file=sys.stderr, dynamic_ncols=True)


def _jsonl_to_parquet(source: Path, dest: Path, cols: list[str], batch: int = 50_000) -> None:
    """Convert the staged JSON lines to Parquet, a row group per batch, in bounded memory."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise StanceError("--format parquet needs pyarrow: pip install 'ukraine-stance[parquet]'") from None
    from pipeline.classify.dataset import parquet_schema

    schema = parquet_schema(cols)
    with open(source, encoding="utf-8") as fh, pq.ParquetWriter(dest, schema) as writer:
        while lines := list(islice(fh, batch)):
            rows = [json.loads(line) for line in lines]
            writer.write_table(pa.Table.from_pylist(rows, schema=schema))
