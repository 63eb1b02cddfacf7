import json
import shutil

import pytest

from pipeline import StanceError, model, schema

from .conftest import PROJECT

SENTENCES = [
    "Ukraine must receive its invitation at this summit, not in some distant future.",
    "The Kremlin said any ceasefire talks would have to start from the new territorial realities.",
    "Rain is expected in Brussels on Thursday.",
]


def test_round_trip_predictions_are_identical(model_path, tmp_path):
    fitted, card = model.load(model_path)
    copy = tmp_path / "copy.joblib"
    model.save(fitted, schema.load(PROJECT / "data" / "schema.yaml"), copy, {"params": card["params"]})
    again, _ = model.load(copy)
    a = model.predict(fitted, card["targets"], SENTENCES)
    b = model.predict(again, card["targets"], SENTENCES)
    assert a.equals(b)


def test_predictions_use_schema_labels_and_probabilities(model_path):
    fitted, card = model.load(model_path)
    the_schema = schema.load(PROJECT / "data" / "schema.yaml")
    out = model.predict(fitted, card["targets"], SENTENCES)
    for target in the_schema.targets:
        assert set(out[target.name]) <= set(target.label_names)
        confidence = out[f"{target.name}_confidence"]
        assert ((confidence >= 1 / len(target.labels)) & (confidence <= 1)).all()


def test_fused_prediction_equals_scikit_learns(model_path):
    """The one-pass Predictor gives each target's own predict_proba on the union's features."""
    import numpy as np
    import pandas as pd

    fitted, card = model.load(model_path)
    texts = pd.read_csv(PROJECT / "data" / "prepared" / "test.csv")["text"].tolist()[:400] + ["", "NATO"]
    fused = model.Predictor(fitted, card["targets"]).proba(texts)
    features = fitted.named_steps["features"].transform(texts)
    for ours, estimator in zip(fused, fitted.named_steps["classify"].estimators_, strict=True):
        np.testing.assert_allclose(ours, estimator.predict_proba(features), rtol=0, atol=1e-9)


def test_model_card_records_what_it_was_trained_on(model_path):
    card = json.loads(model_path.with_suffix(".json").read_text())
    assert card["targets"] == ["membership_timing", "aid", "peace_talks"]
    assert card["schema"]["targets"]["aid"]["labels"][0]["name"] == "support"
    assert len(card["sha256"]) == 64 and len(card["training_data"]["sha256"]) == 64
    assert card["training_data"]["rows"] == sum(card["label_counts"]["aid"].values())
    assert {"scikit-learn", "pandas", "python"} <= set(card["versions"])
    assert card["params"]["C"] > 0


def test_a_changed_byte_is_refused_before_unpickling(model_path, tmp_path):
    tampered = tmp_path / "stance.joblib"
    shutil.copy(model_path, tampered)
    shutil.copy(model_path.with_suffix(".json"), tmp_path / "stance.json")
    blob = bytearray(tampered.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    tampered.write_bytes(bytes(blob))
    with pytest.raises(StanceError, match="does not match the model card"):
        model.load(tampered)


def test_a_model_without_card_is_refused(model_path, tmp_path):
    lonely = tmp_path / "stance.joblib"
    shutil.copy(model_path, lonely)
    with pytest.raises(StanceError, match="model card missing"):
        model.load(lonely)
    with pytest.raises(StanceError, match="model not found"):
        model.load(tmp_path / "absent.joblib")


def test_a_single_label_target_cannot_be_trained(trained_project):
    import pandas as pd

    the_schema = schema.load(PROJECT / "data" / "schema.yaml")
    frame = pd.DataFrame(
        {
            "text": ["one", "two"],
            "membership_timing": ["none", "none"],
            "aid": ["support", "none"],
            "peace_talks": ["none", "oppose"],
        }
    )
    with pytest.raises(StanceError, match="membership_timing: the training data holds only"):
        model.fit(frame, the_schema, {})


# -- the model's arrays (pipeline.fused): what `stance classify` runs -----------------------------------------


def _test_texts() -> list[str]:
    import pandas as pd

    return pd.read_csv(PROJECT / "data" / "prepared" / "test.csv")["text"].tolist()[:600] + ["", "NATO", "x" * 5000]


def test_the_saved_arrays_predict_exactly_what_the_pipeline_does(model_path):
    import numpy as np

    from pipeline import fused, modelcard

    fitted, card = model.load(model_path)
    arrays = fused.load(model_path, modelcard.read_card(model_path))
    assert arrays is not None and arrays.targets == card["targets"]
    texts = _test_texts()
    ours, theirs = arrays.best(texts), model.Predictor(fitted, card["targets"]).best(texts)
    for target in card["targets"]:
        assert np.array_equal(ours[target][0], theirs[target][0])
        assert np.array_equal(ours[target][1], theirs[target][1])
    assert [list(c) for c in arrays.classes_] == [list(c) for c in model.Predictor(fitted, card["targets"]).classes_]


def _model_copy(model_path, tmp_path):
    for suffix in (".joblib", ".npz", ".json"):
        shutil.copy(model_path.with_suffix(suffix), tmp_path / f"stance{suffix}")
    return tmp_path / "stance.joblib"


def test_changed_or_missing_arrays_are_refused(model_path, tmp_path):
    from pipeline import fused, modelcard

    path = _model_copy(model_path, tmp_path)
    card = modelcard.read_card(path)
    arrays = path.with_suffix(".npz")
    blob = bytearray(arrays.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    arrays.write_bytes(bytes(blob))
    with pytest.raises(StanceError, match="does not match the model card"):
        fused.load(path, card)
    arrays.unlink()
    with pytest.raises(StanceError, match="arrays are missing"):
        fused.load(path, card)
    # A card from before the arrays existed: nothing to load, the caller unpickles the Pipeline instead.
    assert fused.load(path, {k: v for k, v in card.items() if k != "fused_sha256"}) is None


def test_an_archive_holding_pickled_objects_is_refused_even_with_its_checksum_recorded(model_path, tmp_path):
    import numpy as np

    from pipeline import fused, modelcard
    from pipeline.io import sha256_file

    path = _model_copy(model_path, tmp_path)
    arrays = path.with_suffix(".npz")
    with np.load(model_path.with_suffix(".npz")) as good:
        content = {name: good[name] for name in good.files}
    content["targets"] = np.array([{"a": 1}, "b"], dtype=object)  # unpickling this would run code
    with open(arrays, "wb") as fh:
        np.savez(fh, **content)
    card = {**modelcard.read_card(path), "fused_sha256": sha256_file(arrays)}
    with pytest.raises(StanceError, match="not a fused model archive"):
        fused.load(path, card)
