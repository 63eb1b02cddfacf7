"""Stage `report`: the evaluation as one page a researcher can open offline.

Reads what `evaluate`, `learning_curve` and `prepare` wrote in reports/ and
writes reports/report.html (one self-contained file: inline SVG plots, inline
CSS, no JavaScript, nothing fetched) and reports/report.md (the same tables for
terminals and pull requests). When git has an earlier reports/metrics.json
(HEAD by default, `--against REV`), the headline figures get a column of
differences; without git or that file the report says so and goes on.

Every piece of text from the data is escaped; the report names files relative
to the project root, never by the machine's absolute paths.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline import StanceError, config

MISTAKES = 15
BASELINE_NAMES = {
    "majority": "majority class",
    "keyword": "keywords from the schema's label meanings",
    "svm": "linear SVM, word 1-3 + char 2-5 n-grams (SemEval-2016 organisers)",
    "fast": "the fast model: the n-grams alone (--model fast)",
}


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    caption: str = ""
    in_html: bool = True  # False when a figure in the HTML already shows the same numbers


@dataclass
class Section:
    title: str
    anchor: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[tuple[str, str]] = field(default_factory=list)  # (svg, caption); HTML only


@dataclass
class Report:
    title: str
    headline: str
    sections: list[Section]


# -- inputs -----------------------------------------------------------------


def _read_json(path: Path) -> Any | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
        return None


def _read_csv(path: Path) -> pd.DataFrame | None:
    if not path.is_file():
        return None
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def previous_metrics(root: Path, rev: str) -> tuple[dict[str, Any] | None, str]:
    """reports/metrics.json as committed at `rev`, or None and why not. Never raises."""
    if not rev or rev.startswith("-"):
        return None, f"no comparison: '{rev}' is not a git revision"
    try:
        shown = subprocess.run(
            ["git", "show", f"{rev}:./reports/metrics.json"], cwd=root, capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.SubprocessError):
        return None, "no comparison: git is not available"
    if shown.returncode != 0:
        return None, (
            f"no comparison: git has no reports/metrics.json at {rev} "
            "(not a git repository, an unknown revision, or the file was not committed there)"
        )
    try:
        old = json.loads(shown.stdout)
    except json.JSONDecodeError:
        return None, f"no comparison: reports/metrics.json at {rev} is not valid JSON"
    if not isinstance(old, dict):
        return None, f"no comparison: reports/metrics.json at {rev} is not a metrics mapping"
    return old, f"differences (Δ) are against reports/metrics.json at git revision {rev}"


# -- formatting ---------------------------------------------------------------


def same_test_set(new: dict[str, Any] | None, old: dict[str, Any] | None) -> tuple[bool, str]:
    """Whether two runs were scored on the same sentences (by the fingerprint evaluate records), and if not,
    the sentence the report says instead of a change-since figure."""
    new_set, old_set = (new or {}).get("test_set"), (old or {}).get("test_set")
    if not old_set or not new_set:
        return False, (
            "No change-since figure: the compared run did not record which sentences it was scored on, "
            "so its score may be on another test set."
        )
    if new_set.get("sha256") == old_set.get("sha256"):
        return True, ""
    return False, (
        f"No change-since figure: the test set changed ({old_set.get('statements')} statements from "
        f"{old_set.get('articles')} articles then, {new_set.get('statements')} from {new_set.get('articles')} now); "
        "scores on different sentences are different measurements, not a change."
    )


def f3(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, int | float) else "n/a"


def ci(entry: dict[str, Any], name: str) -> str:
    low, high = entry.get(f"{name}_ci95_low"), entry.get(f"{name}_ci95_high")
    return f"{f3(entry.get(name))} ({f3(low)}–{f3(high)})" if low is not None else f3(entry.get(name))


def delta(new: Any, old: Any) -> str:
    if not isinstance(new, int | float) or not isinstance(old, int | float):
        return "n/a"
    return f"{new - old:+.3f}"


def _get(mapping: dict[str, Any] | None, *keys: str) -> Any:
    for key in keys:
        if not isinstance(mapping, dict):
            return None
        mapping = mapping.get(key)
    return mapping


def show_ngram(item: dict[str, Any]) -> str:
    """Word n-grams as they are; character n-grams quoted, with spaces made visible."""
    if item.get("kind") == "char":
        return "“" + str(item["ngram"]).replace(" ", "␣") + "”"
    return str(item["ngram"])


# -- sections -----------------------------------------------------------------


def headline_section(metrics: dict[str, Any], old: dict[str, Any] | None, note: str) -> tuple[str, Section]:
    n_targets = len(metrics["targets"])
    inhouse = (
        f"Mean stance-F1 {f3(metrics['mean_stance_f1'])} "
        f"(95% CI {f3(metrics.get('mean_stance_f1_ci95_low'))}–{f3(metrics.get('mean_stance_f1_ci95_high'))})"
    )
    headline = inhouse
    real = metrics.get("real_reporting")
    if real:
        headline = (
            f"News written from real reporting: mean stance-F1 {f3(real['mean_stance_f1'])} "
            f"(95% CI {f3(real.get('mean_stance_f1_ci95_low'))}–{f3(real.get('mean_stance_f1_ci95_high'))}); "
            f"in-house test split: {f3(metrics['mean_stance_f1'])}"
        )
    section = Section("In-house test split" if real else "Headline", "headline")
    section.paragraphs.append(
        f"{inhouse}: stance-F1 (macro-F1 over a target's position labels, SemEval-2016's F_avg) averaged over "
        f"{n_targets} targets, on {metrics['test_statements']} held-out statements from {metrics['test_articles']} "
        f"articles. The interval resamples whole articles ({metrics.get('bootstrap_resamples', 'n/a')} resamples), "
        "since sentences of one article are not independent."
    )
    cv = metrics.get("cv")
    if cv:
        section.paragraphs.append(
            f"Grouped {cv['folds']}-fold cross-validation by article over all {cv['statements']} statements: "
            f"{f3(cv['mean_stance_f1_mean'])} ± {f3(cv['mean_stance_f1_sd'])} (mean ± sd over folds)."
        )
    if old is not None:
        same, why = same_test_set(metrics, old)
        section.paragraphs.append(
            f"Change since the compared run: {delta(metrics['mean_stance_f1'], old.get('mean_stance_f1'))} "
            f"(was {f3(old.get('mean_stance_f1'))}; the same test sentences)."
            if same
            else why
        )
    section.paragraphs.append(note[0].upper() + note[1:] + ".")
    rows = []
    for name, entry in metrics.get("baselines", {}).items():
        margin = entry["model_minus_baseline"]
        rows.append(
            [
                BASELINE_NAMES.get(name, name),
                f3(entry["mean_stance_f1"]),
                f"{margin:+.3f}",
                f"{entry['model_minus_baseline_ci95_low']:+.3f} to {entry['model_minus_baseline_ci95_high']:+.3f}",
                "yes" if entry["model_minus_baseline_ci95_low"] > 0 else "no: the interval includes 0",
            ]
        )
    if rows:
        section.tables.append(
            Table(
                ["baseline", "mean stance-F1", "model above it", "95% CI of the margin", "clearly above?"],
                rows,
                "The model against each baseline on the same test split (paired article bootstrap).",
            )
        )
    return headline, section


def real_reporting_section(metrics: dict[str, Any], old: dict[str, Any] | None) -> Section | None:
    """The score on news written from real reporting: held-back pages, never trained on."""
    real = metrics.get("real_reporting")
    if not real:
        return None
    section = Section("News written from real reporting", "real-reporting")
    section.paragraphs.append(
        f"Mean stance-F1 {f3(real['mean_stance_f1'])} (95% CI {f3(real.get('mean_stance_f1_ci95_low'))}–"
        f"{f3(real.get('mean_stance_f1_ci95_high'))}) on {real['test_statements']} statements written from "
        f"{real['test_pages']} real news pages ({real['test_articles']} full articles, the rest single statements), "
        "held back by page and never trained on. Each was written from one published page, keeping its length, "
        "attribution and page debris, so this is the figure closest to what a user gets on news written by "
        "others; the interval resamples whole pages. The in-house split below is cleaner and scores higher."
    )
    old_real = (old or {}).get("real_reporting")
    if old_real:
        same, why = same_test_set(real, old_real)
        section.paragraphs.append(
            f"Change since the compared run: {delta(real['mean_stance_f1'], old_real.get('mean_stance_f1'))} "
            f"(was {f3(old_real.get('mean_stance_f1'))}; the same held-back sentences)."
            if same
            else why
        )
    rows = []
    for name, entry in real["targets"].items():
        rows.append(
            [name, ci(entry, "stance_f1"), ci(entry, "macro_f1"), f3(_get(entry, "baseline_svm", "stance_f1"))]
            + [f3(entry.get("ece_uncalibrated")), f3(entry.get("ece"))]
        )
    section.tables.append(
        Table(
            ["target", "stance-F1 (95% CI)", "macro-F1 (95% CI)", "SVM stance-F1", "ECE before calibration", "ECE"],
            rows,
            "Per target on the held-back real-reporting pages",
        )
    )
    for name, what in (("fast", "the fast model (the n-grams alone, --model fast)"), ("svm", "the SVM baseline")):
        margin = real.get("baselines", {}).get(name)
        if margin:
            low, high = margin["model_minus_baseline_ci95_low"], margin["model_minus_baseline_ci95_high"]
            section.paragraphs.append(
                f"Against {what} on the same pages: {margin['model_minus_baseline']:+.3f} "
                f"(paired 95% CI {low:+.3f} to {high:+.3f}; it scores {f3(margin['mean_stance_f1'])})."
            )
    model = metrics.get("model") or {}
    if model.get("gated_share"):
        share = model["gated_share"].get("real_reporting")
        section.paragraphs.append(
            f"The model: {model['kind']} ({model.get('encoder_source')}, weight {model.get('encoder_weight')}); "
            f"{share:.0%} of these sentences were off topic enough by the n-grams (P(none) ≥ "
            f"{model.get('gate_none')} on every target) to skip the encoder."
        )
    return section


def thresholds_section(metrics: dict[str, Any]) -> Section | None:
    """What each `--min-confidence` keeps, and how often what it keeps is right."""
    guide = metrics.get("thresholds")
    if not guide:
        return None
    section = Section("Choosing --min-confidence", "thresholds")
    cal = metrics.get("calibration") or {}
    if cal.get("targets"):
        temps = ", ".join(f"{t} {e['temperature']:.2f}" for t, e in cal["targets"].items())
        section.paragraphs.append(
            f"Confidences are calibrated by temperature scaling fitted in training on {cal['folds']} grouped folds "
            f"of the training split (temperatures {temps}; below 1 sharpens an underconfident model). Mean ECE on "
            f"the test split: {f3(metrics.get('mean_ece_uncalibrated'))} before, {f3(metrics.get('mean_ece'))} after."
        )
    section.paragraphs.append(
        "With `stance classify --min-confidence P`, labels below P become `uncertain`. Coverage is the share of "
        "sentences that keep their label; accuracy is how often a kept label is right; position precision and "
        "recall count only the position labels (now, later, never, support, oppose)."
    )
    for source, name in ((metrics, "in-house test split"), (metrics.get("real_reporting") or {}, "real reporting")):
        table = source.get("thresholds")
        if not table:
            continue
        rows = [
            [t, f"{r['min_confidence']:.1f}", f3(r["coverage"]), f3(r["accuracy"])]
            + [f3(r["position_precision"]), f3(r["position_recall"])]
            for t, entries in table.items()
            for r in entries
        ]
        header = ["target", "min confidence", "coverage", "accuracy", "position precision", "position recall"]
        section.tables.append(Table(header, rows, f"Thresholds on the {name}"))
    return section


def speakers_section(metrics: dict[str, Any]) -> Section | None:
    """How often `speaker` names the holder the labels give, strictly and as the lenient old measure had it."""
    speakers = metrics.get("speakers")
    if not speakers:
        return None
    section = Section("Who said it", "speakers")
    section.paragraphs.append(
        "Each labeled article is rebuilt from its sentences and attributed by the rules; a sentence counts as "
        "right when its `speaker` is the gold holder: the same registered actor (data/actors.yaml, "
        f"{speakers.get('registry_actors', 0)} actors), the same full name, or a bare surname of it. 'author' "
        "matches only 'author'. The lenient figure counts any shared five-letter word start (Trump = Tusk), "
        "as this project once measured it."
    )
    rows = []
    for key, what in (
        ("real_reporting_articles", "held-back real-reporting articles"),
        (
            "real_reporting_articles_as_classified",
            "the same, as `stance classify` writes it (the parser and a report's last source only where the model "
            "finds a position)",
        ),
        ("training_articles", "training and in-house test articles (the rules were written on these)"),
    ):
        entry = speakers.get(key)
        if entry:
            rows.append(
                [
                    what,
                    str(entry["articles"]),
                    str(entry["sentences"]),
                    f"{entry['accuracy']:.1%} ({entry['correct']})",
                    f"{entry['lenient_accuracy']:.1%}",
                ]
            )
    section.tables.append(
        Table(
            ["measured on", "articles", "sentences with a gold holder", "strict", "lenient"], rows, "Speaker accuracy"
        )
    )
    return section


def targets_section(metrics: dict[str, Any], old: dict[str, Any] | None, rev: str) -> Section:
    section = Section("Per target, against the baselines", "targets")
    header = ["target", "stance-F1 (95% CI)", "macro-F1 (95% CI)", "accuracy (95% CI)", "CV stance-F1 (mean ± sd)"]
    header += ["majority", "keyword", "SVM", "ECE"]
    if old is not None and not same_test_set(metrics, old)[0]:
        old = None  # the headline section says why there is no change-since figure
    if old is not None:
        header.append(f"Δ stance-F1 vs {rev}")
    rows = []
    for name, entry in metrics["targets"].items():
        cv = (
            f"{f3(entry['cv_stance_f1_mean'])} ± {f3(entry['cv_stance_f1_sd'])}"
            if "cv_stance_f1_mean" in entry
            else "not run"
        )
        row = [name, ci(entry, "stance_f1"), ci(entry, "macro_f1"), ci(entry, "accuracy"), cv]
        row += [f3(_get(entry, f"baseline_{b}", "stance_f1")) for b in ("majority", "keyword", "svm")]
        row.append(f3(entry.get("ece")))
        if old is not None:
            row.append(delta(entry["stance_f1"], _get(old, "targets", name, "stance_f1")))
        rows.append(row)
    section.paragraphs.append(
        "Baseline columns give their stance-F1 on the same split. ECE is the expected calibration error of the "
        "model's confidence (lower is better)."
    )
    section.tables.append(Table(header, rows))
    for name, entry in metrics["targets"].items():
        per_class = entry.get("per_class", {})
        section.tables.append(
            Table(
                ["label", "precision", "recall", "F1", "support"],
                [
                    [lab, f3(v["precision"]), f3(v["recall"]), f3(v["f1"]), str(v["support"])]
                    for lab, v in per_class.items()
                ],
                f"{name}: per label",
            )
        )
    return section


def gold_report(metrics: dict[str, Any], figures) -> Report:
    """The report of `stance evaluate --gold`: the same figures as the pipeline's evaluation, on the user's gold."""
    gold = metrics["gold"]
    headline = (
        f"Mean stance-F1 {f3(metrics['mean_stance_f1'])} (95% CI {f3(metrics['mean_stance_f1_ci95_low'])}–"
        f"{f3(metrics['mean_stance_f1_ci95_high'])}) on {gold['file']}"
    )
    section = Section(f"Your gold: {gold['file']}", "gold")
    section.paragraphs.append(
        f"{metrics['test_statements']} sentences from {metrics['test_articles']} "
        f"{'articles' if metrics['interval'] == 'article bootstrap' else 'rows'}, scored with the model "
        f"{metrics['model']['name']} (sha256 {metrics['model']['sha256'][:12]}). Stance-F1 is macro-F1 over a "
        f"target's position labels; the interval is a 95% {metrics['interval']} "
        f"({metrics['bootstrap_resamples']} resamples). Gold file sha256 {gold['sha256'][:12]}."
    )
    speakers = metrics.get("speakers", {})
    if speakers.get("measured"):
        section.paragraphs.append(
            f"Who said it: {speakers['correct']} of {speakers['sentences']} sentences with a gold speaker "
            f"({100 * speakers['accuracy']:.1f}%, strict: the same actor by full name, surname or a registered alias)."
        )
    else:
        section.paragraphs.append(f"Who said it: not measured ({speakers.get('reason', 'no speaker column')}).")
    rows = [
        [name, ci(entry, "stance_f1"), ci(entry, "macro_f1"), ci(entry, "accuracy"), f3(entry.get("ece"))]
        for name, entry in metrics["targets"].items()
    ]
    header = ["target", "stance-F1 (95% CI)", "macro-F1 (95% CI)", "accuracy (95% CI)", "ECE"]
    section.tables.append(Table(header, rows))
    for name, entry in metrics["confusion"].items():
        matrix, labels = np.array(entry["matrix"]), entry["labels"]
        section.figures.append((figures.confusion(matrix, labels, name), f"{name}: gold (rows) × predicted (columns)"))
        rows = [[f"gold {lab}", *map(str, matrix[i])] for i, lab in enumerate(labels)]
        section.tables.append(Table(["", *[f"predicted {lab}" for lab in labels]], rows, name, in_html=False))
    return Report("Evaluation on your gold", headline, [section])


def confusion_section(metrics: dict[str, Any], predictions: pd.DataFrame, figures) -> Section:
    section = Section("Confusion matrices", "confusion")
    section.paragraphs.append("Rows are gold labels, columns the model's predictions; cells count test statements.")
    for name, entry in metrics["targets"].items():
        labels = list(entry.get("per_class", {}))
        index = {lab: i for i, lab in enumerate(labels)}
        matrix = np.zeros((len(labels), len(labels)), dtype=int)
        for gold, pred in zip(predictions[f"{name}_gold"], predictions[name], strict=True):
            if gold in index and pred in index:
                matrix[index[gold], index[pred]] += 1
        section.figures.append((figures.confusion(matrix, labels, name), f"{name}: gold (rows) × predicted (columns)"))
        rows = [[f"gold {lab}", *map(str, matrix[i])] for i, lab in enumerate(labels)]
        section.tables.append(Table(["", *[f"predicted {lab}" for lab in labels]], rows, name, in_html=False))
    return section


def calibration_section(metrics: dict[str, Any], reliability: pd.DataFrame | None, figures) -> Section:
    section = Section("Calibration", "calibration")
    if reliability is None:
        section.paragraphs.append("reports/reliability.csv is missing: run `dvc repro` (stage evaluate).")
        return section
    section.paragraphs.append(
        "Reliability diagrams: test predictions binned by confidence (the probability of the predicted label). "
        "Bars at the diagonal mean a confidence of p is right a share p of the time; bars below it mean overconfidence."
    )
    numeric = reliability.astype(
        {"bin_low": float, "bin_high": float, "count": int, "confidence": float, "accuracy": float}
    )
    tables = {t: numeric[numeric["target"] == t] for t in metrics["targets"]}
    eces = {t: metrics["targets"][t].get("ece", float("nan")) for t in metrics["targets"]}
    section.figures.append((figures.reliability(tables, eces), "Accuracy against confidence per bin"))
    section.tables.append(
        Table(["target", "ECE"], [[t, f3(e)] for t, e in eces.items()], "Expected calibration error per target")
    )
    rows = [
        [r.target, f"{r.bin_low:.1f}–{r.bin_high:.1f}", str(r.count), f3(r.confidence), f3(r.accuracy)]
        for r in numeric.itertuples()
    ]
    section.tables.append(Table(["target", "confidence bin", "statements", "mean confidence", "accuracy"], rows))
    return section


def learning_section(curve: pd.DataFrame | None, targets: list[str], figures) -> Section:
    section = Section("Learning curve", "learning-curve")
    if curve is None or curve.empty:
        section.paragraphs.append("reports/learning_curve.csv is missing: run `dvc repro` (stage learning_curve).")
        return section
    numeric = curve.apply(pd.to_numeric)
    section.paragraphs.append(
        "The model retrained on nested shares of the training articles, each scored on the same test split. "
        "A curve still rising at the right says more labeled data should pay off."
    )
    section.figures.append((figures.learning_curve(numeric, targets), "Stance-F1 against training statements"))
    columns = ["fraction", "statements", "mean_stance_f1", *[f"{t}_stance_f1" for t in targets]]
    columns = [c for c in columns if c in numeric.columns]
    rows = [
        [f"{r['fraction']:.0%}", str(int(r["statements"])), *[f3(r[c]) for c in columns[2:]]]
        for _, r in numeric.iterrows()
    ]
    section.tables.append(Table(["training articles", "statements", "mean stance-F1", *targets], rows))
    return section


def adaptation_section(table: pd.DataFrame | None, summary: dict[str, Any] | None, figures) -> Section:
    """Labels chosen by `stance suggest` against labels chosen at random, as a user adapting to new outlets."""
    section = Section("Adapting to new outlets: suggested labels against random ones", "adaptation")
    if isinstance(summary, dict) and "skipped" in summary:
        section.paragraphs.append(f"Not simulated: {summary['skipped']}.")
        return section
    if table is None or table.empty or not isinstance(summary, dict):
        section.paragraphs.append("reports/adaptation.csv is missing: run `dvc repro` (stage adaptation).")
        return section
    numeric = table.assign(**{c: pd.to_numeric(table[c]) for c in table.columns if c not in ("strategy",)})
    s = summary
    section.paragraphs.append(
        f"The held-back real-reporting pages stand in for a user's own news: {s['pool_statements']} sentences "
        f"from {s['pool_pages']} pages are the pool to label from, {s['evaluation_statements']} sentences from "
        f"{s['evaluation_pages']} other pages the evaluation. Each round adds {s['batch']} labeled sentences from "
        "the pool, chosen by `stance suggest` from the current model's predictions or at random, retrains the "
        "fast model and scores it (intervals resample pages)."
    )
    paired = s.get("paired") or []
    verdict = (
        "`suggest` is ahead of random choice"
        if s.get("suggest_ahead")
        else "`suggest` is not clearly ahead of random choice"
    )
    margins = "; ".join(
        f"{e['suggest_minus_random']:+.3f} (95% CI {e['ci95_low']:+.3f} to {e['ci95_high']:+.3f})" for e in paired
    )
    section.paragraphs.append(
        f"After {s['labels_added']} labels: {f3(s['suggest_mean_stance_f1'])} with suggested labels, "
        f"{f3(s['random_mean_stance_f1'])} with random ones (mean of {len(paired)} seeds), from "
        f"{f3(s['start_mean_stance_f1'])} with none. {verdict} here: suggested minus random, paired on the same "
        f"resampled pages, per random seed: {margins}."
    )
    section.figures.append((figures.adaptation(numeric), "Mean stance-F1 against labels added"))
    rows = [
        [r["strategy"], str(int(r["repeat"])), str(int(r["labels_added"])), f3(r["mean_stance_f1"])]
        + [f"{f3(r['ci_low'])}–{f3(r['ci_high'])}"]
        for _, r in numeric.iterrows()
    ]
    section.tables.append(Table(["labels chosen by", "seed", "labels added", "mean stance-F1", "95% CI"], rows))
    return section


def mistakes_section(metrics: dict[str, Any], predictions: pd.DataFrame) -> Section:
    section = Section("Most confident mistakes", "mistakes")
    section.paragraphs.append(
        f"Per target, the {MISTAKES} test statements the model got wrong with the highest confidence. "
        "Some are labeling errors; the rest show what the model has not learned."
    )
    speaker = predictions["speaker"] if "speaker" in predictions.columns else pd.Series("", index=predictions.index)
    for name in metrics["targets"]:
        wrong = predictions[predictions[f"{name}_gold"] != predictions[name]].copy()
        wrong["_confidence"] = pd.to_numeric(wrong[f"{name}_confidence"])
        wrong = wrong.sort_values("_confidence", ascending=False, kind="stable").head(MISTAKES)
        rows = [
            [r["text"], r[f"{name}_gold"], r[name], f3(r["_confidence"]), speaker.loc[i] or "—"]
            for i, r in wrong.iterrows()
        ]
        section.tables.append(Table(["statement", "gold", "predicted", "confidence", "speaker"], rows, name))
    return section


def ngrams_section(ngrams: dict[str, Any] | None) -> Section:
    section = Section("Most informative n-grams", "ngrams")
    if not ngrams:
        section.paragraphs.append("reports/informative_ngrams.json is missing: run `dvc repro` (stage evaluate).")
        return section
    section.paragraphs.append(
        "Per label, the n-grams with the largest weights in the model's logistic regression for that label. "
        "Character n-grams are quoted, with ␣ for a space."
    )
    for target, labels in ngrams.items():
        rows = [[label, ", ".join(show_ngram(item) for item in items)] for label, items in labels.items()]
        section.tables.append(Table(["label", "n-grams, strongest first"], rows, target))
    return section


def corpus_section(stats: dict[str, Any] | None) -> Section:
    section = Section("Corpus", "corpus")
    if not stats:
        section.paragraphs.append("reports/data_stats.json is missing: run `dvc repro` (stage prepare).")
        return section
    facts = [
        ("statements", "statements"),
        ("fully labeled articles", "articles_fully_labeled"),
        ("sentences of those articles", "article_sentences"),
        ("stand-alone statements", "standalone_statements"),
        ("statements holding a position", "statements_with_a_position"),
        ("statements on two or more targets", "statements_on_two_or_more_targets"),
        ("statements off topic on every target", "statements_off_topic_on_all_targets"),
        ("distinct speakers", "speakers"),
    ]
    section.tables.append(
        Table(["", "count"], [[text, str(stats[key])] for text, key in facts if key in stats], "The labeled corpus")
    )
    for target, labels in stats.get("labels", {}).items():
        rows = [[lab, str(v["count"]), f"{v['share']:.1%}"] for lab, v in labels.items()]
        section.tables.append(Table(["label", "statements", "share"], rows, f"{target}: labels"))
    openings = stats.get("openings_three_words", [])[:5]
    if openings:
        rows = [[o["opening"], str(o["count"]), f"{o['share']:.1%}"] for o in openings]
        section.tables.append(Table(["opening", "statements", "share"], rows, "Most common three-word openings"))
    verbs = stats.get("reporting_verbs", [])[:5]
    if verbs:
        rows = [[v["verb"], str(v["count"]), f"{v['share']:.1%}"] for v in verbs]
        section.tables.append(Table(["reporting verb", "statements", "share"], rows, "Most common reporting verbs"))
    return section


def build(root: Path, against: str = "HEAD") -> Report:
    """Gather every section from the files in reports/ (metrics and test predictions are required)."""
    from pipeline.report import figures

    reports = config.paths(root).reports
    metrics = _read_json(reports / "metrics.json")
    if not isinstance(metrics, dict) or "targets" not in metrics:
        raise StanceError("reports/metrics.json is missing or unreadable; run `stance evaluate` (or `dvc repro`) first")
    predictions = _read_csv(reports / "test_predictions.csv")
    if predictions is None:
        raise StanceError("reports/test_predictions.csv is missing; run `stance evaluate` (or `dvc repro`) first")
    missing = [c for t in metrics["targets"] for c in (t, f"{t}_gold", f"{t}_confidence") if c not in predictions]
    if missing or "text" not in predictions:
        raise StanceError("reports/test_predictions.csv does not match reports/metrics.json; rerun `stance evaluate`")
    old, note = previous_metrics(root, against)
    headline, first = headline_section(metrics, old, note)
    targets = list(metrics["targets"])
    optional = [real_reporting_section(metrics, old), first]
    sections = [
        *[s for s in optional if s is not None],
        targets_section(metrics, old, against),
        confusion_section(metrics, predictions, figures),
        calibration_section(metrics, _read_csv(reports / "reliability.csv"), figures),
        *[s for s in [thresholds_section(metrics), speakers_section(metrics)] if s is not None],
        learning_section(_read_csv(reports / "learning_curve.csv"), targets, figures),
        adaptation_section(_read_csv(reports / "adaptation.csv"), _read_json(reports / "adaptation.json"), figures),
        mistakes_section(metrics, predictions),
        ngrams_section(_read_json(reports / "informative_ngrams.json")),
        corpus_section(_read_json(reports / "data_stats.json")),
    ]
    return Report("Stance model evaluation", headline, sections)


# -- rendering ----------------------------------------------------------------

CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1f;max-width:1180px;margin:0 auto;
padding:24px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin-top:36px;border-bottom:1px solid #ddd;padding-bottom:4px}
.headline{font-size:22px;font-weight:600;background:#eef4fb;border-left:6px solid #4c78a8;padding:12px 16px}
nav a{margin-right:14px}
table{border-collapse:collapse;margin:10px 18px 18px 0;font-size:13px;display:inline-table;vertical-align:top}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f4f4f6}
caption{text-align:left;font-weight:600;padding:4px 0}td.text{max-width:560px}
figure{display:inline-block;margin:8px 12px 8px 0;vertical-align:top}figcaption{font-size:12px;color:#555}
svg{max-width:100%;height:auto}
"""


def _escape(text: Any) -> str:
    return html.escape(str(text), quote=True)


def render_html(report: Report) -> str:
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_escape(report.title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{_escape(report.title)}</h1>",
        f'<p class="headline" id="headline-figure">{_escape(report.headline)}</p>',
        "<nav>" + "".join(f'<a href="#{s.anchor}">{_escape(s.title)}</a>' for s in report.sections) + "</nav>",
    ]
    for section in report.sections:
        out.append(f'<section id="{section.anchor}"><h2>{_escape(section.title)}</h2>')
        out += [f"<p>{_escape(p)}</p>" for p in section.paragraphs]
        for svg, caption in section.figures:
            # The SVG is drawn by matplotlib from numbers and schema names; matplotlib escapes its text.
            out.append(f"<figure>{svg}<figcaption>{_escape(caption)}</figcaption></figure>")
        out += [_html_table(table) for table in section.tables if table.in_html]
        out.append("</section>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _html_table(table: Table) -> str:
    parts = ["<table>"]
    if table.caption:
        parts.append(f"<caption>{_escape(table.caption)}</caption>")
    parts.append("<tr>" + "".join(f"<th>{_escape(h)}</th>" for h in table.header) + "</tr>")
    for row in table.rows:
        cells = "".join(
            f'<td class="text">{_escape(c)}</td>' if len(str(c)) > 60 else f"<td>{_escape(c)}</td>" for c in row
        )
        parts.append(f"<tr>{cells}</tr>")
    parts.append("</table>")
    return "".join(parts)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#])")


def _md(text: Any) -> str:
    """Text safe in a Markdown table cell: no markup, no HTML, no column breaks."""
    flat = " ".join(str(text).split())
    return html.escape(_MD_SPECIAL.sub(r"\\\1", flat), quote=False)


def render_markdown(report: Report) -> str:
    out = [f"# {_md(report.title)}", "", f"**{_md(report.headline)}**", ""]
    for section in report.sections:
        out += [f"## {_md(section.title)}", ""]
        for paragraph in section.paragraphs:
            out += [_md(paragraph), ""]
        if section.figures:
            out += ["(Plots: see reports/report.html.)", ""]
        for table in section.tables:
            if table.caption:
                out += [f"*{_md(table.caption)}*", ""]
            out.append("| " + " | ".join(_md(h) for h in table.header) + " |")
            out.append("|" + "---|" * len(table.header))
            out += ["| " + " | ".join(_md(c) for c in row) + " |" for row in table.rows]
            out.append("")
    return "\n".join(out)
