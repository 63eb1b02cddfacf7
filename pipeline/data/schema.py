"""The targets and labels, read from data/schema.yaml, never written in code."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import StanceError
from pipeline.io.files import read_yaml

KINDS = ("position", "neutral", "off_topic")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Label:
    name: str
    kind: str
    meaning: str


@dataclass(frozen=True)
class Target:
    name: str
    description: str
    labels: tuple[Label, ...]

    @property
    def label_names(self) -> list[str]:
        return [label.name for label in self.labels]

    @property
    def positions(self) -> list[str]:
        """Labels that take a stance: the ones stance-F1 averages over."""
        return [label.name for label in self.labels if label.kind == "position"]

    @property
    def off_topic(self) -> str | None:
        return next((lab.name for lab in self.labels if lab.kind == "off_topic"), None)


@dataclass(frozen=True)
class Schema:
    targets: tuple[Target, ...]

    @property
    def target_names(self) -> list[str]:
        return [t.name for t in self.targets]

    def target(self, name: str) -> Target:
        for t in self.targets:
            if t.name == name:
                return t
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """The plain form written to data/schema.yaml and into the model card."""
        return {
            "version": 1,
            "targets": {
                t.name: {
                    "description": t.description,
                    "labels": [{"name": lab.name, "kind": lab.kind, "meaning": lab.meaning} for lab in t.labels],
                }
                for t in self.targets
            },
        }


def from_dict(raw: Any, source: str = "schema") -> Schema:
    """Build and check a Schema; every problem names the target and label."""
    if not isinstance(raw, dict) or not isinstance(raw.get("targets"), dict) or not raw["targets"]:
        raise StanceError(f"{source}: needs a non-empty 'targets' mapping")
    targets = []
    for name, body in raw["targets"].items():
        where = f"{source}: target '{name}'"
        if not isinstance(name, str) or not _NAME.match(name):
            raise StanceError(f"{where}: name must be lower_snake_case")
        if not isinstance(body, dict) or not isinstance(body.get("labels"), list):
            raise StanceError(f"{where}: needs a 'labels' list")
        labels = []
        for item in body["labels"]:
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                raise StanceError(f"{where}: every label needs a 'name'")
            kind = item.get("kind", "position")
            if kind not in KINDS:
                raise StanceError(
                    f"{where}: label '{item['name']}' has kind '{kind}', expected one of {', '.join(KINDS)}"
                )
            labels.append(Label(item["name"], kind, str(item.get("meaning", "")).strip()))
        names = [lab.name for lab in labels]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise StanceError(f"{where}: duplicate label '{duplicates[0]}'")
        if not any(lab.kind == "position" for lab in labels):
            raise StanceError(f"{where}: has no position label (kind: position)")
        if sum(lab.kind == "off_topic" for lab in labels) > 1:
            raise StanceError(f"{where}: has more than one off_topic label")
        targets.append(Target(name, str(body.get("description", "")).strip(), tuple(labels)))
    return Schema(tuple(targets))


def load(path: Path) -> Schema:
    raw = read_yaml(path, "schema")
    return from_dict(raw, str(path))
