"""The default model: n-gram and sentence-encoder probabilities mixed, with a gate, served as arrays."""

import json

import numpy as np
import pandas as pd
import pytest

from pipeline import StanceError
from pipeline.model import encoder as sentence_encoder
from pipeline.model import ensemble, estimator, served, voting
from pipeline.model.predict import predict
from tests.helpers import copy_encoder

# Written for these tests: one plainly off topic, the rest on topic in ways n-grams alone read poorly.
SENTENCES = [
    "Heavy snow closed the airport in Oslo for most of Tuesday.",
    "Lawmakers in Washington once again left the supplemental for Kyiv sitting in committee.",
    "The envoy said a ceasefire line drawn where the armies now stand was something Moscow could live with.",
    "Allies told Kyiv the door is open, just not this year.",
]


@pytest.fixture(scope="module")
def default(model_path):
    return served.load(model_path)


def test_the_default_model_is_the_mixture_and_fast_is_its_ngram_member(model_path, default):
    card = json.loads(model_path.with_suffix(".json").read_text())
    assert isinstance(default, ensemble.ServedEnsemble)
    assert card["encoder"]["sha256"] == json.loads((model_path.parent / "encoder.json").read_text())["sha256"]
    fast = served.load(model_path.with_name("fast.npz"))
    assert isinstance(fast, served.ServedModel)
    texts = SENTENCES
    for a, b in zip(fast.proba(texts, calibrated=False), default.ngram.proba(texts, calibrated=False), strict=True):
        np.testing.assert_array_equal(a, b)


def test_the_served_ensemble_gives_the_estimators_own_probabilities(model_path, trained_project, default):
    """SoftVote (scikit-learn) and ServedEnsemble (arrays) on unseen sentences, gate included."""
    vote, _ = estimator.load_pipeline(model_path)
    assert isinstance(vote, voting.SoftVote)
    texts = pd.read_csv(trained_project / "data" / "prepared" / "test.csv")["text"].tolist()[:300] + SENTENCES
    default.gated_count_ = default.scored_count_ = 0
    assert voting.check_parity(vote, default, texts) <= voting.PARITY_TOLERANCE
    assert 0 < default.gated_share_ < 1  # some sentences were kept from the encoder, most were not


def test_gated_sentences_keep_the_ngram_probabilities_and_the_rest_mix_them(default):
    ngram = default.ngram.proba(SENTENCES, calibrated=False)
    gated = ensemble.gated_rows(ngram, default.none_columns, default.gate)
    mixed = default.proba(SENTENCES, calibrated=False)
    head = default.head_proba(default.encoder.embed(SENTENCES))
    for k in range(len(default.targets)):
        np.testing.assert_allclose(mixed[k][gated], ngram[k][gated], atol=1e-12)
        expected = (1 - default.weight) * ngram[k][~gated] + default.weight * head[k][~gated]
        np.testing.assert_allclose(mixed[k][~gated], expected, atol=1e-6)
    # A gate of 1 sends every sentence to the encoder; one below every probability sends none.
    default.gate = 1.01
    assert not ensemble.gated_rows(ngram, default.none_columns, default.gate).any()
    default.gate = 1e-9
    everything = default.proba(SENTENCES, calibrated=False)
    for k in range(len(default.targets)):
        np.testing.assert_allclose(everything[k], ngram[k], atol=1e-12)


def test_a_sentences_vector_does_not_depend_on_its_neighbours(model_path):
    encoder = sentence_encoder.load(model_path.parent / "encoder.onnx")
    alone = encoder.embed(SENTENCES[1:2])
    among = encoder.embed(SENTENCES)[1:2]
    np.testing.assert_array_equal(alone, among)
    norms = np.linalg.norm(encoder.embed(SENTENCES), axis=1)
    np.testing.assert_allclose(norms, 1, atol=1e-5)


def test_a_paraphrase_sits_closer_than_another_topic(model_path):
    """With the wrong vocabulary or a broken graph, vectors are noise; a working encoder ranks a paraphrase
    with few shared words above a sentence on another subject. (It is not a reader of stance: a sentence
    sharing the words but not the sense, 'Congress voted on a package for farmers in Ukraine, Nebraska', sat
    closer to the first than the paraphrase did, which is why the head is mixed with the n-grams.)"""
    encoder = sentence_encoder.load(model_path.parent / "encoder.onnx")
    a, b, c = encoder.embed(
        [
            "Congress voted down the weapons package for Ukraine.",
            "Lawmakers rejected the bill that would have sent more arms to Kyiv.",
            "Heavy snow closed the airport in Oslo for most of Tuesday.",
        ]
    )
    assert float(a @ b) > float(a @ c) + 0.2


def test_a_changed_encoder_is_refused(model_path, tmp_path):
    copy_encoder(model_path.parent, tmp_path)
    for suffix in (".npz", ".json"):
        (tmp_path / f"stance{suffix}").write_bytes(model_path.with_suffix(suffix).read_bytes())
    blob = bytearray((tmp_path / "encoder.onnx").read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    (tmp_path / "encoder.onnx").write_bytes(bytes(blob))
    sentence_encoder._load.cache_clear()
    with pytest.raises(StanceError, match="does not match the encoder card"):
        served.load(tmp_path / "stance.npz")
    (tmp_path / "encoder.onnx").unlink()
    with pytest.raises(StanceError, match="sentence encoder is not built"):
        served.load(tmp_path / "stance.npz")


def test_the_fast_model_labels_as_the_default_models_ngram_member(model_path, default):
    """Its own temperatures change confidences, never labels: --model fast is the mixture's first member."""
    texts = SENTENCES * 3
    fast = predict(served.load(model_path.with_name("fast.npz")), texts)
    member = default.ngram.proba(texts, calibrated=False)
    for k, name in enumerate(default.targets):
        assert fast[name].tolist() == default.classes_[k][member[k].argmax(axis=1)].tolist()
