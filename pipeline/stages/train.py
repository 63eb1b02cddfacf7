"""Stage `train`: fit the default model and the fast n-gram model, check their served forms, write both.

The default model (``models/stance.*``) mixes the n-gram model with a head on
sentence-encoder vectors (`pipeline.model.ensemble`); the fast model
(``models/fast.*``) is its n-gram member alone, for bulk work (``--model
fast``). Each gets its own temperatures, fitted on cross-fitted predictions of
the training split. With ``train.encoder_weight: 0`` both are the n-gram model.
"""

from __future__ import annotations

import copy
from pathlib import Path

from pipeline import config, params
from pipeline.data import labeled as data
from pipeline.data import schema
from pipeline.io.files import sha256_file
from pipeline.model import calibrate, estimator, voting
from pipeline.model import encoder as sentence_encoder


def run(root: Path) -> dict:
    """Train and save both models; return the default model's card."""
    paths = config.paths(root)
    settings = params.load(paths.params)
    p = settings.train
    the_schema = schema.load(paths.schema)
    train = data.read_prepared(paths.train, the_schema)
    base = {
        "params": p.to_dict(),
        "label_counts": data.label_counts(train, the_schema),
        "training_data": {
            "file": paths.train.relative_to(paths.root).as_posix(),
            "rows": len(train),
            "sha256": sha256_file(paths.train),
        },
    }
    if not p.encoder_weight:
        fitted, arrays = estimator.fit(train, the_schema, p)
        calibration = calibrate.calibrate(arrays, train, the_schema, p) if p.calibration_folds else None
        estimator.save(fitted, arrays, the_schema, paths.fast_model, {**base, "calibration": calibration})
        return estimator.save(fitted, arrays, the_schema, paths.model, {**base, "calibration": calibration})

    encoder_card = sentence_encoder.read_card(paths.encoder)
    args = (paths.encoder, encoder_card["sha256"], settings.encoder.train_threads)
    vote, arrays = voting.fit(train, the_schema, p, *args)
    fast_pipeline = vote.estimators_[0]
    fast = copy.deepcopy(arrays.ngram)
    fast_calibration = calibration = None
    if p.calibration_folds:
        ngram_scores, ensemble_scores, folds = voting.cross_fitted(train, the_schema, p, *args, p.calibration_folds)
        fast_calibration = calibrate.fit_temperatures(
            fast, ngram_scores, folds.ngram.classes_, train, p.calibration_folds
        )
        calibration = calibrate.fit_temperatures(arrays, ensemble_scores, folds.classes_, train, p.calibration_folds)
    estimator.save(fast_pipeline, fast, the_schema, paths.fast_model, {**base, "calibration": fast_calibration})
    encoder_entry = {
        "file": Path(paths.encoder).name,
        "sha256": encoder_card["sha256"],
        "source": encoder_card["source"],
        "source_sha256": encoder_card["source_sha256"],
    }
    card = {**base, "calibration": calibration, "encoder": encoder_entry, "fast_model": paths.fast_model.name}
    return estimator.save(vote, arrays, the_schema, paths.model, card)


def main() -> None:
    card = run(config.find_root())
    kind = "n-grams + sentence encoder" if card.get("encoder") else "n-grams"
    print(f"train: model ({kind}) on {card['training_data']['rows']} statements, sha256 {card['sha256'][:12]}")
