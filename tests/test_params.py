"""Typed stage parameters: defaults declared once, unknown keys and bad values refused by name."""

import pytest
import yaml

from pipeline import StanceError, params
from pipeline.params import EvaluateParams, LearningCurveParams, PrepareParams, TrainParams
from tests.helpers import PROJECT, copy_project


def test_the_shipped_params_file_loads_and_sets_only_known_keys():
    loaded = params.load(PROJECT / "params.yaml")
    raw = yaml.safe_load((PROJECT / "params.yaml").read_text())
    for section, values in raw.items():
        assert getattr(loaded, section).to_dict() | values == getattr(loaded, section).to_dict()


@pytest.mark.parametrize(
    ("cls", "values", "fragment"),
    [
        (TrainParams, {"clas_weight": "balanced"}, "unknown parameter train.clas_weight"),
        (TrainParams, {"class_weight": "balancd"}, "train.class_weight must be one of balanced"),
        (TrainParams, {"solver": "liblinear"}, "train.solver must be one of lbfgs"),
        (TrainParams, {"char_ngram_max": 8}, "train.char_ngram_max must be between char_ngram_min and 7"),
        (TrainParams, {"char_ngram_min": 4, "char_ngram_max": 3}, "train.char_ngram_max must be between"),
        (TrainParams, {"C": 0}, "train.C must be above 0"),
        (TrainParams, {"C": "4"}, "train.C must be a number"),
        (TrainParams, {"max_iter": 2.5}, "train.max_iter must be a whole number"),
        (PrepareParams, {"test_size": 0.0}, "prepare.test_size must be in (0, 1)"),
        (PrepareParams, {"test_size": 1.0}, "prepare.test_size must be in (0, 1)"),
        (PrepareParams, {"near_duplicate": 0}, "prepare.near_duplicate must be in (0, 1]"),
        (EvaluateParams, {"cv_folds": 1}, "evaluate.cv_folds must be 0 (no cross-validation) or >= 2"),
        (EvaluateParams, {"bootstrap": True}, "evaluate.bootstrap must be a whole number"),
        (LearningCurveParams, {"fractions": [0.5, 1.5]}, "learning_curve.fractions: 1.5 is not in (0, 1]"),
        (LearningCurveParams, {"fractions": 0.5}, "learning_curve.fractions must be a list"),
    ],
)
def test_bad_values_are_refused_naming_the_key(cls, values, fragment):
    with pytest.raises(StanceError, match=fragment.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        cls.from_mapping(values)


def test_defaults_are_declared_once_and_a_missing_key_takes_them():
    # The declared default and params.yaml once drifted apart (5 in code, 4 in the file): they agree now.
    shipped = yaml.safe_load((PROJECT / "params.yaml").read_text())["evaluate"]["cv_folds"]
    assert EvaluateParams.from_mapping({}).cv_folds == shipped
    assert TrainParams.from_mapping({"class_weight": None}).class_weight is None
    assert PrepareParams.from_mapping({"test_size": 0.3}).test_size == 0.3


def test_a_typo_in_params_yaml_stops_the_stage(stance, tmp_path):
    root = copy_project(tmp_path / "p", ("data/schema.yaml", "data/labeled", "params.yaml", "dvc.yaml"))
    raw = yaml.safe_load((root / "params.yaml").read_text())
    raw["prepare"]["tets_size"] = 0.2
    (root / "params.yaml").write_text(yaml.safe_dump(raw))
    result = stance("prepare", cwd=root)
    assert result.code == 2 and result.lines == [
        "stance: error: params.yaml: unknown parameter prepare.tets_size "
        "(known: max_opening_share, near_duplicate, real_test_salt, real_test_share, seed, test_size)"
    ]
    assert not (root / "data" / "prepared").exists()
