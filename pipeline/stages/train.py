"""Stage `train`: fit the stance model on the training split, check its served form, write it with its card."""

from __future__ import annotations

from pathlib import Path

from pipeline import config
from pipeline.data import labeled as data
from pipeline.data import schema
from pipeline.io.files import sha256_file
from pipeline.model import estimator
from pipeline.model.calibrate import calibrate
from pipeline.params import TrainParams


def run(root: Path) -> dict:
    paths = config.paths(root)
    params = TrainParams.from_mapping(config.load_params(paths.params).get("train"))
    the_schema = schema.load(paths.schema)
    train = data.read_prepared(paths.train, the_schema)
    fitted, arrays = estimator.fit(train, the_schema, params)
    calibration = calibrate(arrays, train, the_schema, params) if params.calibration_folds else None
    card = {
        "params": params.to_dict(),
        "calibration": calibration,
        "label_counts": data.label_counts(train, the_schema),
        "training_data": {
            "file": paths.train.relative_to(paths.root).as_posix(),
            "rows": len(train),
            "sha256": sha256_file(paths.train),
        },
    }
    return estimator.save(fitted, arrays, the_schema, paths.model, card)


def main() -> None:
    card = run(config.find_root())
    print(f"train: model on {card['training_data']['rows']} statements, sha256 {card['sha256'][:12]}")
