"""Writing files so that a reader never sees half of one."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipeline import StanceError


@contextmanager
def atomic_path(dest: Path, make_parents: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside `dest`; rename it over `dest` only on success.

    A crash or an error leaves `dest` as it was (or absent), never half-written.
    """
    dest = Path(dest)
    if make_parents:
        dest.parent.mkdir(parents=True, exist_ok=True)
    elif not dest.parent.is_dir():
        raise StanceError(f"{dest}: output folder {dest.parent} does not exist")
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        os.replace(tmp, dest)
    except PermissionError:
        raise StanceError(f"{dest}: permission denied") from None
    except OSError as exc:
        raise StanceError(f"{dest}: cannot write ({exc.strerror or exc})") from None
    finally:
        discard(tmp)


def discard(path: Path) -> None:
    """Remove a temporary file if it is there; on a read-only or vanished disk there is nothing to remove."""
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass


def write_json(dest: Path, data: Any) -> None:
    with atomic_path(dest, make_parents=True) as tmp:
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_yaml(path: Path, what: str) -> Any:
    """The YAML document at `path` (`what` names it in errors: "schema", "params"); a user's error otherwise."""
    import yaml

    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except FileNotFoundError:
        raise StanceError(f"{path}: {what} file not found") from None
    except yaml.YAMLError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StanceError(f"{path}: not valid YAML ({first})") from None
