"""Helpers shared by the tests: the project's location, copies of it, and the CLI run as a user would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
PROJECT_FILES = (
    "data/schema.yaml",
    "data/actors.yaml",
    "data/labeled",
    "data/articles",
    "params.yaml",
    "dvc.yaml",
    "models/encoder_vocab.txt",
)

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


ENCODER_FILES = ("encoder.onnx", "encoder.json", "encoder_vocab.txt")


def copy_encoder(models: Path, dest: Path) -> None:
    """Copy the built sentence encoder that the default model's card names (it must sit beside the model)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ENCODER_FILES:
        shutil.copy2(models / name, dest / name)


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


class Result:
    def __init__(self, code: int, out: str, err: str):
        self.code, self.out, self.err = code, out, err
        self.lines = err.strip().splitlines()


class Sample:
    """A shipped sample article as plain text (headline, blank line, body), as tests feed articles in.

    The samples are Markdown with a date and an outlet in their front matter; tests that need plain text
    (tables, `.txt` copies) read them through the project's own Markdown reader.
    """

    def __init__(self, path: Path):
        self.path = path
        self.stem = path.stem
        self.name = f"{path.stem}.txt"

    def read_text(self, encoding: str = "utf-8") -> str:
        from pipeline.text import markdown

        return markdown.read(self.path.read_text(encoding=encoding))[0]


def sample_articles() -> list[Sample]:
    return [Sample(p) for p in sorted((PROJECT / "data" / "articles").glob("*.md"))]
