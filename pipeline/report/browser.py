"""Headless Chromium: see the report as a reader's browser renders it.

Used by the test that checks the rendered report and by
`stance report --screenshot`. Each run gets a fresh, empty profile and no
network chatter, so nothing from the machine leaks in or out.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from pipeline import StanceError

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
)
NAMES = ("chromium", "chromium-browser", "google-chrome")


def find() -> str | None:
    return next((path for path in map(shutil.which, NAMES) if path), None)


def _run(html: Path, *args: str, fragment: str = "") -> subprocess.CompletedProcess:
    exe = find()
    if exe is None:
        raise StanceError("chromium not found; install it (Debian: apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="stance-chromium-") as profile:
        try:
            result = subprocess.run(
                [exe, *FLAGS, f"--user-data-dir={profile}", *args, Path(html).resolve().as_uri() + fragment],
                capture_output=True,
                text=True,
                timeout=120,
            )
        except subprocess.TimeoutExpired:
            raise StanceError(f"{exe}: no answer within 120 s") from None
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise StanceError(f"chromium failed (exit {result.returncode}): {last}")
    return result


def dump_dom(html: Path, fragment: str = "") -> str:
    """The DOM after the page loaded (at `fragment`, e.g. "#cell=c3", if given), serialised."""
    return _run(html, "--dump-dom", fragment=fragment).stdout


def screenshot(html: Path, png: Path, width: int = 1280, height: int = 2000) -> Path:
    """A PNG of the top `height` pixels of the page at `width` pixels wide."""
    png = Path(png).resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    _run(html, f"--screenshot={png}", f"--window-size={width},{height}")
    if not png.is_file():
        raise StanceError(f"chromium wrote no screenshot to {png}")
    return png
