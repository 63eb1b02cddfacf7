"""Stage `train`: fit the stance model on the training split and write its model card."""

from __future__ import annotations

from pathlib import Path

from pipeline import config, data, model, schema
from pipeline.io import sha256_file


def run(root: Path) -> dict:
    paths = config.paths(root)
    params = config.load_params(paths.params).get("train", {})
    the_schema = schema.load(paths.schema)
    train = data.read_prepared(paths.train, the_schema)
    fitted = model.fit(train, the_schema, params)
    card = {
        "params": params,
        "label_counts": data.label_counts(train, the_schema),
        "training_data": {
            "file": paths.train.relative_to(paths.root).as_posix(),
            "rows": len(train),
            "sha256": sha256_file(paths.train),
        },
    }
    return model.save(fitted, the_schema, paths.model, card)


def main() -> None:
    card = run(config.find_root())
    print(f"train: model on {card['training_data']['rows']} statements, sha256 {card['sha256'][:12]}")
