"""One home for the project's paths and parameters.

The project root is found from the working directory (the nearest folder with a
``dvc.yaml``), so that the same installed package serves any copy of the
project: DVC runs each stage from the root of the copy it belongs to.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import StanceError
from pipeline.io.files import read_yaml

ROOT_ENV = "STANCE_ROOT"


def find_root(start: Path | None = None) -> Path:
    """Return the project root: $STANCE_ROOT, else the nearest ancestor with dvc.yaml."""
    env = os.environ.get(ROOT_ENV)
    if env:
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "dvc.yaml").is_file():
            return folder
    package_root = Path(__file__).resolve().parents[1]
    if (package_root / "dvc.yaml").is_file():
        return package_root
    return here


@dataclass(frozen=True)
class Paths:
    """Where every stage reads and writes, relative to one project root."""

    root: Path

    @property
    def schema(self) -> Path:
        return self.root / "data" / "schema.yaml"

    @property
    def labeled(self) -> Path:
        return self.root / "data" / "labeled"

    @property
    def actors(self) -> Path:
        """The actor registry: canonical names, aliases, countries and types (`pipeline.actors.registry`)."""
        return self.root / "data" / "actors.yaml"

    @property
    def articles(self) -> Path:
        return self.root / "data" / "articles"

    @property
    def prepared(self) -> Path:
        return self.root / "data" / "prepared"

    @property
    def train(self) -> Path:
        return self.prepared / "train.csv"

    @property
    def test(self) -> Path:
        return self.prepared / "test.csv"

    @property
    def real_test(self) -> Path:
        """The held-back test of news written from real reporting (see `labeled.real_reporting_holdout`)."""
        return self.prepared / "real_test.csv"

    @property
    def model(self) -> Path:
        """The served model (its card and fitted Pipeline stand beside it: `pipeline.model.card`)."""
        return self.root / "models" / "stance.npz"

    @property
    def fast_model(self) -> Path:
        """The n-gram model alone (`--model fast`): the default model's first member, for bulk work."""
        return self.root / "models" / "fast.npz"

    @property
    def encoder(self) -> Path:
        """The sentence encoder the `encoder` stage builds (its card, encoder.json, stands beside it)."""
        return self.root / "models" / "encoder.onnx"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def params(self) -> Path:
        return self.root / "params.yaml"


def paths(root: Path | None = None) -> Paths:
    return Paths(root if root is not None else find_root())


def load_params(path: Path) -> dict[str, Any]:
    """Read params.yaml; a missing or malformed file is the user's error."""
    params = read_yaml(path, "params")
    if not isinstance(params, dict):
        raise StanceError(f"{path}: expected a mapping of stage parameters")
    return params
