"""Stage `report`: render the evaluation as one self-contained page and a Markdown twin."""

from __future__ import annotations

from pathlib import Path

from pipeline import config
from pipeline.io.files import atomic_path
from pipeline.report.render import Report, build, render_html, render_markdown


def run(root: Path, against: str = "HEAD") -> Report:
    """Write reports/report.html and reports/report.md; both appear, or neither changes."""
    report = build(root, against)
    reports = config.paths(root).reports
    page, text = render_html(report), render_markdown(report)
    with atomic_path(reports / "report.html") as html_tmp, atomic_path(reports / "report.md") as md_tmp:
        html_tmp.write_text(page, encoding="utf-8")
        md_tmp.write_text(text, encoding="utf-8")
    return report
