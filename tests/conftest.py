"""Shared fixtures: a trained copy of the project, built once per test session."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
import yaml

from pipeline import cli
from pipeline.stages import encoder, prepare, train
from tests.helpers import PROJECT, Result, copy_project


@pytest.fixture(scope="session")
def trained_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project with the shipped data prepared, the encoder built and both models trained."""
    root = copy_project(tmp_path_factory.mktemp("project"))
    # Two calibration folds instead of the shipped three: the same model, a third less training time.
    settings = yaml.safe_load((root / "params.yaml").read_text())
    settings["train"]["calibration_folds"] = 2
    # Speakers by rules alone here: loading spaCy costs each `stance classify` subprocess about two seconds.
    # tests/actors/test_parser.py runs the parser, directly and through `stance classify`.
    settings["attribution"]["parser"] = ""
    (root / "params.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))
    prepare.run(root)
    encoder.run(root)
    train.run(root)
    return root


@pytest.fixture(scope="session")
def _shipped_corpus():
    from pipeline.data import labeled, schema

    return labeled.load_labeled(PROJECT / "data" / "labeled", schema.load(PROJECT / "data" / "schema.yaml"))


@pytest.fixture
def shipped_corpus(_shipped_corpus):
    """data/labeled/ as `stance prepare` loads and checks it: read once per session, a fresh copy per test."""
    return _shipped_corpus.copy()


@pytest.fixture(scope="session")
def model_path(trained_project: Path) -> Path:
    return trained_project / "models" / "stance.npz"


@pytest.fixture
def stance(monkeypatch, capsys):
    """Run `stance ARGS` in-process from `cwd`; returns exit code, stdout and stderr."""
    monkeypatch.delenv("STANCE_ROOT", raising=False)

    def run(*args: str, cwd: Path, stdin: str | None = None) -> Result:
        monkeypatch.chdir(cwd)
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()
        code = cli.main(list(args))
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run
