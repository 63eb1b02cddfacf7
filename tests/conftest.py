"""Shared fixtures: a trained copy of the project, built once per test session."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import cli, prepare, train

PROJECT = Path(__file__).resolve().parents[1]
PROJECT_FILES = ("data/schema.yaml", "data/labeled", "data/articles", "params.yaml", "dvc.yaml")

os.environ["DVC_NO_ANALYTICS"] = "1"


def copy_project(dest: Path, items: tuple[str, ...] = PROJECT_FILES) -> Path:
    """Copy the parts of the project a stage needs into `dest`."""
    for item in items:
        src, target = PROJECT / item, dest / item
        target.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, target)
        else:
            shutil.copy2(src, target)
    return dest


def run_stance(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run the real CLI in a subprocess, as a user would."""
    env = {k: v for k, v in os.environ.items() if k != "STANCE_ROOT"}
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.fixture(scope="session")
def trained_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project with the shipped data prepared and a model trained."""
    root = copy_project(tmp_path_factory.mktemp("project"))
    prepare.run(root)
    train.run(root)
    return root


@pytest.fixture(scope="session")
def model_path(trained_project: Path) -> Path:
    return trained_project / "models" / "stance.joblib"


class Result:
    def __init__(self, code: int, out: str, err: str):
        self.code, self.out, self.err = code, out, err
        self.lines = err.strip().splitlines()


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
