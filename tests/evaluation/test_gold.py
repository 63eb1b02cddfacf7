"""`stance evaluate --gold`: the pipeline's metrics on a user's own labeled sentences, checked against an
independent scorer (scikit-learn's F1 over the position labels that occur)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score

from pipeline.data import schema as schemas
from pipeline.model import served
from pipeline.model.predict import predict


def _independent_stance_f1(gold: pd.Series, pred: pd.Series, positions: list[str]) -> float:
    present = [p for p in positions if p in set(gold) | set(pred)]
    return float(f1_score(gold, pred, labels=present, average="macro", zero_division=0)) if present else 0.0


@pytest.fixture(scope="module")
def gold_file(trained_project, tmp_path_factory):
    """The held-back real-reporting rows as a user's gold file: text, labels, article ids and speakers."""
    folder = tmp_path_factory.mktemp("gold")
    real = pd.read_csv(trained_project / "data" / "prepared" / "real_test.csv", dtype=str, keep_default_na=False)
    columns = ["id", "text", "article_id", "sentence_index", "speaker", "membership_timing", "aid", "peace_talks"]
    real[columns].to_csv(folder / "gold.csv", index=False)
    return folder / "gold.csv", real


def test_gold_metrics_agree_with_an_independent_scorer(trained_project, gold_file, stance, tmp_path):
    path, real = gold_file
    out = tmp_path / "mine.json"
    # The fast model: the scoring is under test, not the model (the default model's encoder would only add time).
    args = ["--gold", str(path), "-o", str(out), "--bootstrap", "200", "--model", "fast"]
    result = stance("evaluate", *args, cwd=trained_project)
    assert result.code == 0, result.err
    metrics = json.loads(out.read_text())
    the_schema = schemas.load(trained_project / "data" / "schema.yaml")
    model = served.load(trained_project / "models" / "fast.npz")
    predicted = predict(model, real["text"].tolist())
    expected = {
        t.name: _independent_stance_f1(real[t.name], predicted[t.name], t.positions) for t in the_schema.targets
    }
    for name, value in expected.items():
        assert metrics["targets"][name]["stance_f1"] == pytest.approx(value, abs=6e-5)
    assert metrics["mean_stance_f1"] == pytest.approx(np.mean(list(expected.values())), abs=2e-4)
    assert metrics["mean_stance_f1_ci95_low"] <= metrics["mean_stance_f1"] <= metrics["mean_stance_f1_ci95_high"]
    assert metrics["interval"] == "article bootstrap" and metrics["test_articles"] == real["article_id"].nunique()
    for name, entry in metrics["confusion"].items():
        matrix = np.array(entry["matrix"])
        assert matrix.sum() == len(real) and np.trace(matrix) == int((real[name] == predicted[name]).sum())
    assert 0 <= metrics["targets"]["aid"]["ece"] <= 1 and metrics["speakers"]["measured"]
    # Who said it is measured on whole articles (rows with a sentence_index), as the pipeline measures it.
    assert metrics["speakers"]["sentences"] == int(((real["speaker"] != "") & (real["sentence_index"] != "")).sum())
    # Printed per target and the mean; the report section beside the JSON.
    assert result.out.splitlines()[-1].startswith(f"mean                 stance-F1 {metrics['mean_stance_f1']:.3f}")
    html = out.with_suffix(".html").read_text()
    assert "Your gold: gold.csv" in html and "<svg" in html and "http" not in html.split("<svg")[0].lower()
    assert f"{metrics['mean_stance_f1']:.3f}" in out.with_suffix(".md").read_text()


def test_gold_without_article_ids_resamples_sentences(trained_project, gold_file, stance, tmp_path):
    path, real = gold_file
    plain = tmp_path / "plain.jsonl"
    real[["text", "membership_timing", "aid", "peace_talks"]].head(60).to_json(plain, orient="records", lines=True)
    result = stance("evaluate", "--gold", str(plain), "--bootstrap", "100", "--model", "fast", cwd=trained_project)
    assert result.code == 0, result.err
    assert "sentence bootstrap (no article_id column)" in result.out and "on 60 sentences" in result.out


@pytest.mark.parametrize(
    ("case", "rows", "message"),
    [
        ("gold-unknown-label", "text,membership_timing,aid,peace_talks\nSend jets.,none,maybe,none\n", "unknown label"),
        (
            "gold-missing-target",
            "text,membership_timing,aid\nSend jets.,none,support\n",
            "missing column(s) peace_talks",
        ),
    ],
)
def test_gold_refuses_bad_files(trained_project, stance, tmp_path, case, rows, message):
    bad = tmp_path / f"{case}.csv"
    bad.write_text(rows, encoding="utf-8")
    out = tmp_path / "out.json"
    result = stance("evaluate", "--gold", str(bad), "-o", str(out), cwd=trained_project)
    assert result.code == 2 and len(result.lines) == 1 and message in result.err, result.err
    assert "line 2" in result.err or "missing" in result.err
    assert not out.exists() and not out.with_suffix(".html").exists()


def test_evaluate_output_without_gold_is_refused(trained_project, stance, tmp_path):
    result = stance("evaluate", "-o", str(tmp_path / "x.json"), cwd=trained_project)
    assert result.code == 2 and "-o is for `stance evaluate --gold FILE`" in result.err
