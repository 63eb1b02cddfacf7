"""Every DVC stage depends on every project file its command imports, so editing one reruns the stage."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

from tests.helpers import PROJECT

PACKAGE = PROJECT / "pipeline"
CLI = PACKAGE / "cli.py"


def _module_file(name: str) -> Path | None:
    """The file of module `name` (pipeline.x.y), or None when it is not a project module."""
    if name != "pipeline" and not name.startswith("pipeline."):
        return None
    path = PROJECT.joinpath(*name.split("."))
    if path.with_suffix(".py").is_file():
        return path.with_suffix(".py")
    if (path / "__init__.py").is_file():
        return path / "__init__.py"
    return None


def _imported(node: ast.AST) -> set[str]:
    """Project modules that the code under `node` imports, at module level or inside functions."""
    found: set[str] = set()
    for item in ast.walk(node):
        if isinstance(item, ast.Import):
            found |= {alias.name for alias in item.names}
        elif isinstance(item, ast.ImportFrom) and item.module and item.level == 0:
            found.add(item.module)
            # `from pipeline.model import served` imports the module pipeline.model.served
            found |= {f"{item.module}.{alias.name}" for alias in item.names}
    return {name for name in found if _module_file(name) is not None}


def _with_parents(name: str) -> set[str]:
    parts = name.split(".")
    return {".".join(parts[: i + 1]) for i in range(len(parts))}


def closure(entries: set[str]) -> set[Path]:
    """Files of the project modules `entries` import, transitively, with their packages' __init__ files."""
    seen: set[str] = set()
    todo = [m for e in entries for m in _with_parents(e)]
    while todo:
        name = todo.pop()
        if name in seen or _module_file(name) is None:
            continue
        seen.add(name)
        tree = ast.parse(_module_file(name).read_text(encoding="utf-8"))
        todo += [m for found in _imported(tree) for m in _with_parents(found)]
    return {_module_file(name) for name in seen}


def _cli_entries(command: str) -> set[str]:
    """What `stance COMMAND` imports: cli's module-level imports, its handler and the cli functions it calls."""
    tree = ast.parse(CLI.read_text(encoding="utf-8"))
    functions = {f.name: f for f in tree.body if isinstance(f, ast.FunctionDef)}
    top = set()
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            top |= _imported(node)
    stage_module = f"pipeline.stages.{command.replace('-', '_')}"
    if _module_file(stage_module) is not None:
        handler = {"report": "cmd_report", "evaluate": "cmd_evaluate"}.get(command, "cmd_stage")
        extra = {stage_module}
    else:
        handler, extra = f"cmd_{command.replace('-', '_')}", set()
    todo, done = [handler], set()
    while todo:
        name = todo.pop()
        if name in done or name not in functions:
            continue
        done.add(name)
        extra |= _imported(functions[name])
        todo += [
            c.func.id for c in ast.walk(functions[name]) if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)
        ]
    return {*top, *extra}  # cli.py itself is added by the caller: its other commands' lazy imports do not run


def _covered(path: Path, deps: list[str]) -> bool:
    relative = path.relative_to(PROJECT).as_posix()
    return any(relative == dep or relative.startswith(dep.rstrip("/") + "/") for dep in deps)


STAGES = yaml.safe_load((PROJECT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_every_imported_project_file_is_a_dependency(stage):
    spec = STAGES[stage]
    command = spec["cmd"].split()
    assert command[0] == "stance", spec["cmd"]
    files = closure(_cli_entries(command[1])) | {CLI}
    assert len(files) >= 4  # the cli, the package, config and at least the command's own module
    missing = sorted(p.relative_to(PROJECT).as_posix() for p in files if not _covered(p, spec.get("deps", [])))
    assert not missing, f"stage {stage} imports files it does not depend on: {missing}"


def test_the_closure_follows_imports_inside_functions():
    """A lazy import inside a function counts: the classify command imports its modules in cmd_classify."""
    files = {p.relative_to(PROJECT).as_posix() for p in closure(_cli_entries("classify"))}
    assert {"pipeline/classify/batch.py", "pipeline/classify/summary.py", "pipeline/model/served.py"} <= files
    assert "pipeline/model/estimator.py" not in files  # classify never needs scikit-learn
    train = {p.relative_to(PROJECT).as_posix() for p in closure(_cli_entries("train"))}
    assert {"pipeline/stages/train.py", "pipeline/model/estimator.py", "pipeline/params.py"} <= train
