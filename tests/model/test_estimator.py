"""The fitted Pipeline, its served arrays and the card that makes both safe to load."""

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from pipeline import StanceError
from pipeline.data import schema
from pipeline.io.files import sha256_file
from pipeline.model import card as modelcard
from pipeline.model import estimator, served
from pipeline.model.predict import predict
from pipeline.params import TrainParams
from tests.helpers import PROJECT, copy_encoder

SENTENCES = [
    "Ukraine must receive its invitation at this summit, not in some distant future.",
    "The Kremlin said any ceasefire talks would have to start from the new territorial realities.",
    "Rain is expected in Brussels on Thursday.",
]


def _test_texts(project) -> list[str]:
    return pd.read_csv(project / "data" / "prepared" / "test.csv")["text"].tolist()[:600] + ["", "NATO", "x" * 5000]


def test_the_fast_models_arrays_give_the_pipelines_own_probabilities(model_path, trained_project):
    """Two inference paths must not disagree: the arrays equal each target's predict_proba on unseen text."""
    fast = model_path.with_name("fast.npz")
    fitted, card = estimator.load_pipeline(fast)
    arrays = served.load(fast)
    texts = _test_texts(trained_project)
    features = fitted.named_steps["features"].transform(texts)
    for ours, est in zip(
        arrays.proba(texts, calibrated=False), fitted.named_steps["classify"].estimators_, strict=True
    ):
        np.testing.assert_allclose(ours, est.predict_proba(features), rtol=0, atol=1e-9)
    assert [list(c) for c in arrays.classes_] == [list(e.classes_) for e in fitted.named_steps["classify"].estimators_]


def test_training_fails_when_the_served_arrays_would_give_other_probabilities(trained_project, monkeypatch):
    """A served form that labels alike but scores otherwise (as one-vs-rest fits once did) must stop training."""
    the_schema = schema.load(PROJECT / "data" / "schema.yaml")
    train = pd.read_csv(trained_project / "data" / "prepared" / "train.csv", dtype=str, keep_default_na=False)
    exact = estimator.to_served

    def slightly_off(model, targets):
        arrays = exact(model, targets)
        arrays.intercept_ = arrays.intercept_ * 1.01  # same argmax almost everywhere, other confidences
        return arrays

    monkeypatch.setattr(estimator, "to_served", slightly_off)
    with pytest.raises(StanceError, match="cannot be served"):
        estimator.fit(train.iloc[:1500], the_schema, TrainParams())


@pytest.mark.parametrize("name", ["stance.npz", "fast.npz"])
def test_round_trip_predictions_are_identical(model_path, tmp_path, name):
    path = model_path.with_name(name)
    fitted, card = estimator.load_pipeline(path)
    arrays = served.load(path)
    copy = tmp_path / "copy.npz"
    copy_encoder(model_path.parent, tmp_path)
    kept = {key: card[key] for key in ("params", "encoder") if key in card}
    estimator.save(fitted, arrays, schema.load(PROJECT / "data" / "schema.yaml"), copy, kept)
    assert predict(arrays, SENTENCES).equals(predict(served.load(copy), SENTENCES))


def test_each_label_is_the_most_probable_one_and_its_confidence_that_probability(model_path):
    arrays = served.load(model_path)
    the_schema = schema.load(PROJECT / "data" / "schema.yaml")
    out = predict(arrays, SENTENCES)
    for target, proba, classes in zip(the_schema.targets, arrays.proba(SENTENCES), arrays.classes_, strict=True):
        assert set(classes) == set(target.label_names)
        assert out[target.name].tolist() == classes[proba.argmax(axis=1)].tolist()
        assert out[f"{target.name}_confidence"].tolist() == np.round(proba.max(axis=1), 4).tolist()


def test_model_card_records_what_it_was_trained_on(model_path, trained_project):
    card = json.loads(model_path.with_suffix(".json").read_text())
    assert card["targets"] == ["membership_timing", "aid", "peace_talks"]
    assert card["schema"]["targets"]["aid"]["labels"][0]["name"] == "support"
    assert card["sha256"] == sha256_file(model_path.with_suffix(".npz"))
    assert card["pipeline_sha256"] == sha256_file(model_path.with_suffix(".joblib"))
    assert card["training_data"]["sha256"] == sha256_file(trained_project / "data" / "prepared" / "train.csv")
    train = pd.read_csv(trained_project / "data" / "prepared" / "train.csv")
    assert card["training_data"]["rows"] == len(train)
    assert card["label_counts"]["aid"]["support"] == int((train["aid"] == "support").sum())
    assert card["params"] == TrainParams.from_mapping(card["params"]).to_dict()


def _model_copy(model_path, tmp_path):
    for suffix in (".joblib", ".npz", ".json"):
        shutil.copy(model_path.with_suffix(suffix), tmp_path / f"stance{suffix}")
    copy_encoder(model_path.parent, tmp_path)
    return tmp_path / "stance.npz"


def _flip_a_byte(path):
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    path.write_bytes(bytes(blob))


def test_a_changed_pickle_is_refused_before_unpickling(model_path, tmp_path):
    path = _model_copy(model_path, tmp_path)
    _flip_a_byte(path.with_suffix(".joblib"))
    served.load(path)  # the arrays are untouched
    with pytest.raises(StanceError, match="does not match the model card"):
        estimator.load_pipeline(path)


def test_changed_or_missing_arrays_are_refused(model_path, tmp_path):
    path = _model_copy(model_path, tmp_path)
    _flip_a_byte(path)
    with pytest.raises(StanceError, match="does not match the model card"):
        served.load(path)
    path.unlink()
    with pytest.raises(StanceError, match="arrays are missing"):
        served.load(path)


def test_a_model_without_card_or_of_an_older_format_is_refused(model_path, tmp_path):
    path = _model_copy(model_path, tmp_path)
    card = json.loads(path.with_suffix(".json").read_text())
    path.with_suffix(".json").write_text(json.dumps({**card, "format": 1}))
    with pytest.raises(StanceError, match="another version of ukraine-stance"):
        served.load(path)
    path.with_suffix(".json").unlink()
    with pytest.raises(StanceError, match="model card missing"):
        served.load(path)
    with pytest.raises(StanceError, match="model not found"):
        served.load(tmp_path / "absent.npz")


def test_an_archive_holding_pickled_objects_is_refused_even_with_its_checksum_recorded(model_path, tmp_path):
    path = _model_copy(model_path, tmp_path)
    with np.load(model_path) as good:
        content = {name: good[name] for name in good.files}
    content["targets"] = np.array([{"a": 1}, "b"], dtype=object)  # unpickling this would run code
    with open(path, "wb") as fh:
        np.savez(fh, **content)
    card = {**modelcard.read_card(path), "sha256": sha256_file(path)}
    with pytest.raises(StanceError, match="not a model archive"):
        served.load(path, card)


def test_a_single_label_target_cannot_be_trained():
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
        estimator.fit(frame, the_schema, TrainParams())
