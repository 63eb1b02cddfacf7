"""The report as a reader gets it: every section, escaped data, a diff from git, and a real browser's rendering."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pipeline.report import browser
from pipeline.report import render as report
from pipeline.stages import evaluate, learning_curve
from pipeline.stages import report as report_stage
from tests.helpers import run_stance

SECTIONS = (
    "News written from real reporting",
    "In-house test split",
    "Per target, against the baselines",
    "Confusion matrices",
    "Calibration",
    "Choosing --min-confidence",
    "Learning curve",
    "Most confident mistakes",
    "Most informative n-grams",
    "Corpus",
)
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
# CI sets this: there the browser test must run, not skip.
BROWSER_REQUIRED = bool(os.environ.get("STANCE_REQUIRE_BROWSER"))


@pytest.fixture(scope="module")
def reported_project(trained_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the trained project, evaluated (2 CV folds, fewer resamples, one learning-curve point) and reported."""
    root = tmp_path_factory.mktemp("reported") / "project"
    shutil.copytree(trained_project, root)
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["evaluate"].update({"cv_folds": 2, "bootstrap": 200})
    params["learning_curve"]["fractions"] = [0.1]
    (root / "params.yaml").write_text(yaml.safe_dump(params))
    evaluate.run(root)
    learning_curve.run(root)
    report_stage.run(root)
    return root


def _copy_reports(src: Path, dest: Path) -> Path:
    shutil.copytree(src / "reports", dest / "reports")
    shutil.copy2(src / "dvc.yaml", dest / "dvc.yaml")
    return dest


def test_metrics_carry_intervals_baselines_cv_and_calibration(reported_project):
    metrics = json.loads((reported_project / "reports" / "metrics.json").read_text())
    assert metrics["mean_stance_f1_ci95_low"] <= metrics["mean_stance_f1"] <= metrics["mean_stance_f1_ci95_high"]
    for name, entry in metrics["targets"].items():
        for score in ("macro_f1", "stance_f1", "accuracy"):
            assert entry[f"{score}_ci95_low"] <= entry[score] <= entry[f"{score}_ci95_high"], (name, score)
        for baseline in ("majority", "keyword", "svm"):
            assert 0 <= entry[f"baseline_{baseline}"]["stance_f1"] <= 1
        assert entry["baseline_majority"]["stance_f1"] == 0  # the majority label is off topic
        assert 0 <= entry["ece"] <= 1 and 0 < entry["cv_stance_f1_mean"] <= 1
    assert metrics["cv"] == {
        **metrics["cv"],
        "folds": 2,
        "statements": metrics["test_statements"]
        + len(pd.read_csv(reported_project / "data" / "prepared" / "train.csv")),
    }
    for name, entry in metrics["baselines"].items():
        assert entry["model_minus_baseline"] == pytest.approx(
            metrics["mean_stance_f1"] - metrics[f"baseline_{name}_mean_stance_f1"], abs=2e-4
        )
    reliability = pd.read_csv(reported_project / "reports" / "reliability.csv")
    assert (reliability.groupby("target")["count"].sum() == metrics["test_statements"]).all()


def test_report_has_every_section_and_no_machine_paths(reported_project):
    page = (reported_project / "reports" / "report.html").read_text()
    text = (reported_project / "reports" / "report.md").read_text()
    metrics = json.loads((reported_project / "reports" / "metrics.json").read_text())
    headline = f"Mean stance-F1 {metrics['mean_stance_f1']:.3f}"
    for doc in (page, text):
        assert headline in doc
        for title in SECTIONS:
            assert title in doc, title
        assert str(reported_project) not in doc and "/tmp/" not in doc
        assert "No comparison: git has no reports/metrics.json at HEAD" in doc  # the copy is not a git repository
    assert page.count("<svg") == len(metrics["targets"]) + 2  # confusion matrices, reliability, learning curve
    assert "<script" not in page and "src=" not in page  # nothing to run, nothing to fetch
    # 15 confident mistakes per target in the Markdown tables.
    mistakes = text.split("## Most confident mistakes")[1].split("## ")[0]
    assert mistakes.count("\n| ") == len(metrics["targets"]) * (report.MISTAKES + 1)


def test_data_text_is_escaped(reported_project, tmp_path):
    root = _copy_reports(reported_project, tmp_path)
    predictions = pd.read_csv(root / "reports" / "test_predictions.csv", dtype=str, keep_default_na=False)
    wrong = predictions[predictions["aid_gold"] != predictions["aid"]]
    top = pd.to_numeric(wrong["aid_confidence"]).idxmax()  # certain to be listed among the confident mistakes
    predictions.loc[top, ["text", "speaker"]] = [f"Send arms {SCRIPT} now", IMG]
    predictions.to_csv(root / "reports" / "test_predictions.csv", index=False)

    result = run_stance("report", cwd=root)
    assert result.returncode == 0, result.stderr
    page = (root / "reports" / "report.html").read_text()
    assert SCRIPT not in page and "<img" not in page
    assert "Send arms &lt;script&gt;alert(1)&lt;/script&gt; now" in page
    assert "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;" in page
    text = (root / "reports" / "report.md").read_text()
    assert SCRIPT not in text and "<img" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_report_compares_with_a_git_revision_and_never_fails_without_one(reported_project, tmp_path):
    root = _copy_reports(reported_project, tmp_path)
    metrics_file = root / "reports" / "metrics.json"
    current = json.loads(metrics_file.read_text())
    older = {**current, "mean_stance_f1": round(current["mean_stance_f1"] - 0.1, 4)}
    metrics_file.write_text(json.dumps(older))
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run([*git, "add", "reports/metrics.json"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "older run"], cwd=root, check=True)
    metrics_file.write_text(json.dumps(current))

    report_stage.run(root)  # against HEAD
    text = (root / "reports" / "report.md").read_text()
    assert "Change since the compared run: +0.100" in text and "Δ stance-F1 vs HEAD" in text

    report_stage.run(root, "no-such-revision")
    text = (root / "reports" / "report.md").read_text()
    assert "No comparison: git has no reports/metrics.json at no-such-revision" in text and "Δ" not in text

    # Scored on other sentences (labeled data added and the test set grew): no change-since figure at all.
    other = {**older, "test_set": {**current["test_set"], "statements": 1400, "sha256": "0" * 64}}
    metrics_file.write_text(json.dumps(other))
    subprocess.run([*git, "commit", "-qam", "another test set"], cwd=root, check=True)
    metrics_file.write_text(json.dumps(current))
    report_stage.run(root)
    text = (root / "reports" / "report.md").read_text()
    assert "No change-since figure: the test set changed (1400 statements" in text
    assert "Change since the compared run" not in text.split("## News written")[0] and "Δ stance-F1" not in text


def test_report_without_an_evaluation_fails_cleanly(tmp_path):
    (tmp_path / "dvc.yaml").write_text("stages: {}\n")
    result = run_stance("report", cwd=tmp_path)
    assert result.returncode == 2
    assert (
        result.stderr.startswith("stance: error: reports/metrics.json is missing") and "Traceback" not in result.stderr
    )
    assert not (tmp_path / "reports" / "report.html").exists()


@pytest.mark.skipif(
    browser.find() is None and not BROWSER_REQUIRED, reason="chromium is not installed (CI installs it)"
)
def test_report_renders_in_headless_chromium(reported_project, tmp_path):
    from PIL import Image

    page = reported_project / "reports" / "report.html"
    metrics = json.loads((reported_project / "reports" / "metrics.json").read_text())
    dom = browser.dump_dom(page)
    assert f"Mean stance-F1 {metrics['mean_stance_f1']:.3f}" in dom
    assert dom.count("<svg") == len(metrics["targets"]) + 2
    assert "<table" in dom and "Most confident mistakes" in dom

    shot = browser.screenshot(page, tmp_path / "report.png", width=1200, height=1600)
    with Image.open(shot) as image:
        assert image.size == (1200, 1600)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert len(colours) > 50  # text, tables and plots, not a blank page
    most_common = max(count for count, _ in colours)
    assert most_common < 0.97 * 1200 * 1600
