"""The `stance` command: DVC stages, table prediction and article classification.

Errors the user can fix (bad input, missing files, a refused model) print one
line per problem on stderr and exit with code 2; no traceback, and no output
file is left half-written.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path

from pipeline import StanceError, __version__, config

EXIT_USAGE = 2
# Allocations between the cyclic garbage collector's young-generation passes (Python's default: 700).
# A command allocates millions of short-lived objects (modules at import, then sentences, lines and rows)
# that reference counting frees anyway; at 700 the collector ran hundreds of times in every `classify`,
# and each of its full passes walked every loaded module and the model. Cycles are still collected.
GC_THRESHOLD = 100_000


MODEL_NAMES = {"default": "model", "fast": "fast_model"}


def _model_path(arg: str | None) -> Path:
    """`--model`: a path, or a name of the project's models (default, fast)."""
    if arg in MODEL_NAMES:
        return getattr(config.paths(), MODEL_NAMES[arg])
    return Path(arg) if arg else config.paths().model


def _checked_card(args: argparse.Namespace) -> tuple[Path, dict]:
    """The model card, once the schema it was trained on matches ours.

    The served model is plain arrays, so the scikit-learn it was trained with does not matter here.
    """
    from pipeline.data import schema
    from pipeline.model import card as modelcard

    path = _model_path(args.model)
    if (not args.model or args.model in MODEL_NAMES) and not modelcard.card_path(path).is_file():
        root = config.find_root()
        raise StanceError(
            f"no model at {path} (the project root found from here is {root}); pass --model PATH, "
            f"set ${config.ROOT_ENV} to the ukraine-stance project, or train one there with `dvc repro`"
        )
    card = modelcard.read_card(path)
    schema_file = Path(args.schema) if args.schema else config.paths().schema
    if args.schema or schema_file.is_file():
        modelcard.check_schema(card, schema.load(schema_file), str(schema_file), path)
    return path, card


def cmd_predict(args: argparse.Namespace) -> None:
    from pipeline.classify import table as predict
    from pipeline.model import served

    if args.output != "-" and Path(args.output).suffix.lower() not in (".csv", ".jsonl", ".ndjson"):
        raise StanceError(f"{args.output}: predict writes a .csv or .jsonl file (or - for stdout)")
    out_fmt = predict.table_format(args.output, default=predict.table_format(args.input))
    path, card = _checked_card(args)
    from pipeline.text.articles import Columns

    given, default = _columns(args), Columns()
    # predict keeps every column; the ones named on the command line must exist (a typo must not pass unnoticed)
    required = [
        (f"--{k}-column", getattr(given, k))
        for k in ("id", "title", "date", "source")
        if getattr(given, k) != getattr(default, k)
    ]
    rows = predict.predict_file(
        served.load(path, card), args.input, args.output, out_fmt, args.text_column, args.spreadsheet_safe, required
    )
    if args.output != "-":
        print(f"predict: {rows} rows -> {args.output}", file=sys.stderr)


def cmd_classify(args: argparse.Namespace) -> None:
    if args.engine == "dask" and args.output == "-":
        raise StanceError("--engine dask writes a dataset: -o names its folder, not -")
    if args.output != "-":
        _classify(args, Path(args.output))
        return
    # stdout: the run writes to a private file first (its output appears only when complete), then copies it.
    if args.resume:
        raise StanceError("--resume needs an output file, not -o -")
    if (args.format or "jsonl") == "parquet":
        raise StanceError("-o - writes JSONL or CSV (--format csv); Parquet needs an output file")
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory(prefix="stance-") as tmp:
        output = Path(tmp) / f"classified.{args.format or 'jsonl'}"
        _classify(args, output, shown="stdout")
        with open(output, "rb") as fh:
            shutil.copyfileobj(fh, sys.stdout.buffer)
        sys.stdout.buffer.flush()


def _classify(args: argparse.Namespace, output: Path, shown: str | None = None) -> None:
    from pipeline.classify import batch as classify
    from pipeline.classify import summary

    dask = args.engine == "dask"
    if not dask and (args.scheduler or args.partition_size is not None):
        raise StanceError("--scheduler and --partition-size are options of --engine dask")
    if dask and args.scheduler and args.jobs:
        raise StanceError("--jobs sizes the local cluster; with --scheduler, the cluster's workers do the work")
    if output.is_dir() and not dask:
        raise StanceError(f"{output}: is a folder; -o names the output file (e.g. {output / 'classified.jsonl'})")
    if dask:  # a folder: Parquet parts unless --format or its name says JSONL
        fmt = args.format or ("jsonl" if output.suffix.lower() in (".jsonl", ".ndjson") else "parquet")
    else:
        fmt = classify.output_format(output, args.format)
    if args.min_confidence is not None and not 0 <= args.min_confidence <= 1:
        raise StanceError(f"--min-confidence must be between 0 and 1, got {args.min_confidence}")
    if args.chunk_size < 1:
        raise StanceError(f"--chunk-size must be at least 1, got {args.chunk_size}")
    if args.summary and Path(args.summary).exists() and not Path(args.summary).is_dir():
        raise StanceError(f"{args.summary}: --summary needs a folder")
    model_path, _ = _checked_card(args)
    classify.keep_freed_memory()
    settings = classify.Settings(
        fmt, args.min_confidence, args.chunk_size, args.glob, args.spreadsheet_safe, _columns(args)
    )
    if dask:
        progress = _classify_dask(args, output, settings, model_path)
        info = classify.Classifier(model_path, args.min_confidence, load=False)
    else:
        run = classify.Run(args.paths, output, settings, model_path, args.jobs or 1, args.resume, args.strict)
        progress = run.execute(progress_bar=args.progress)
        info = run.classifier
    line = f"classify: {progress.articles} articles, {progress.sentences} sentences"
    if progress.skipped:
        line += f", {progress.skipped} skipped"
    print(f"{line} -> {shown or output}", file=sys.stderr)
    if args.summary:
        counts = summary.summarise(
            summary.read_records(output, fmt),
            info.targets,
            info.positions,
            info.labels,
            Path(args.summary),
            args.spreadsheet_safe,
        )
        print(
            f"summary: {counts['articles']} articles, {counts['speakers']} speakers -> {args.summary}", file=sys.stderr
        )


def _classify_dask(args: argparse.Namespace, output: Path, settings, model_path: Path):
    """`--engine dask`: the run on a Dask cluster (`pipeline.classify.cluster`), with its rate on stderr."""
    try:
        from pipeline.classify import cluster
    except ImportError:
        raise StanceError("--engine dask needs Dask: pip install 'ukraine-stance[dask]'") from None
    done = cluster.run(
        args.paths,
        output,
        settings,
        model_path,
        scheduler=args.scheduler,
        workers=args.jobs,
        partition_size=args.partition_size or cluster.PARTITION_SIZE,
        resume=args.resume,
        strict=args.strict,
        progress_bar=args.progress,
    )
    # A resumed run counts what it did itself (below too): the parts written before are not read again.
    resumed = f" ({done.resumed} written before, not counted below)" if done.resumed else ""
    print(
        f"classify: {done.partitions} partitions{resumed} on {done.workers} workers, "
        f"{done.sentences / max(done.seconds, 1e-9):,.0f} sentences/s",
        file=sys.stderr,
    )
    return done


def cmd_stage(args: argparse.Namespace) -> None:
    import importlib

    importlib.import_module(f"pipeline.stages.{args.command.replace('-', '_')}").main()


def cmd_agreement(args: argparse.Namespace) -> None:
    from pipeline.data import agreement, schema

    the_schema = schema.load(Path(args.schema) if args.schema else config.paths().schema)
    a, b = agreement.read_labeling(Path(args.a)), agreement.read_labeling(Path(args.b))
    result = agreement.compare(a, b, the_schema, (args.a, args.b))
    print(f"{result['statements']} statements labeled in both files")
    print(f"{'target':<20} {'kappa':>6} {'agreement':>10} {'disagreements':>14}")
    for name, scores in result["targets"].items():
        kappa = "n/a" if scores["kappa"] is None else f"{scores['kappa']:.3f}"
        print(f"{name:<20} {kappa:>6} {scores['agreement']:>10.1%} {scores['disagreements']:>14}")
    if args.disagreements:
        from pipeline.io.files import atomic_path

        table = agreement.disagreements(a, b, the_schema)
        texts = a.set_index("id")["text"] if "text" in a.columns else b.set_index("id").get("text")
        if texts is not None:
            table.insert(1, "text", table["id"].map(texts))
        with atomic_path(Path(args.disagreements)) as tmp:
            table.to_csv(tmp, index=False)
        print(f"{len(table)} disagreements -> {args.disagreements}", file=sys.stderr)


def cmd_agreement_sample(args: argparse.Namespace) -> None:
    from pipeline.data import agreement, schema
    from pipeline.data import labeled as data
    from pipeline.io.files import atomic_path

    paths = config.paths()
    the_schema = schema.load(paths.schema)
    labeled = data.load_labeled(paths.labeled, the_schema)
    blind, first = agreement.draw_sample(labeled, the_schema, args.n, args.seed)
    for frame, dest in ((blind, Path(args.blind)), (first, Path(args.first))):
        with atomic_path(dest) as tmp:
            frame.to_csv(tmp, index=False)
    print(
        f"agreement sample: {len(blind)} statements -> {args.blind} (texts) and {args.first} (labels)", file=sys.stderr
    )


def _column_options(p: argparse.ArgumentParser, text_is: str) -> None:
    """The same table options on `predict` and `classify`: which column holds what."""
    g = p.add_argument_group("table columns (CSV and JSONL inputs, gzip-compressed or not)")
    g.add_argument("--text-column", default="text", metavar="NAME", help=f"the {text_is} (default: text)")
    g.add_argument("--id-column", default="id", metavar="NAME", help="the article or row id (default: id)")
    g.add_argument("--title-column", default="title", metavar="NAME", help="the headline (default: title)")
    g.add_argument("--date-column", default="date", metavar="NAME", help="the publication date (default: date)")
    g.add_argument("--source-column", default="source", metavar="NAME", help="the outlet (default: source)")


def _columns(args: argparse.Namespace):
    from pipeline.text.articles import Columns

    return Columns(
        id=args.id_column,
        text=args.text_column,
        title=args.title_column,
        date=args.date_column,
        source=args.source_column,
    )


def _model_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--model",
        metavar="NAME|PATH",
        help="'default' (models/stance.npz: n-grams and a sentence encoder, the most accurate on real news), "
        "'fast' (models/fast.npz: the n-grams alone and speakers by rules alone, about 30 times faster, for bulk "
        "work), or a model's "
        ".npz, .json or .joblib file (default: default)",
    )
    p.add_argument(
        "--schema",
        metavar="PATH",
        help="schema the model must have been trained on (default: data/schema.yaml); "
        "a model trained on other targets or labels is refused",
    )
    p.add_argument(
        "--spreadsheet-safe",
        action="store_true",
        help="in CSV outputs, prefix cells starting with = + - @ with ' so spreadsheets do not run them "
        "as formulas (default: text exactly as it was)",
    )


def cmd_report(args: argparse.Namespace) -> None:
    from pipeline.stages import report

    root = config.find_root()
    if args.against is not None:  # asked for by name: a revision git does not know is the user's error
        _check_revision(root, args.against)
    result = report.run(root, args.against or "HEAD")
    print(f"report: {result.headline} -> reports/report.html, reports/report.md", file=sys.stderr)
    if args.screenshot:
        from pipeline.report import browser

        browser.screenshot(root / "reports" / "report.html", Path(args.screenshot))
        print(f"report: screenshot -> {args.screenshot}", file=sys.stderr)


def _check_revision(root: Path, rev: str) -> None:
    import subprocess

    try:
        found = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        raise StanceError(f"--against {rev}: git is not available to look the revision up") from None
    if rev.startswith("-") or found.returncode != 0:
        raise StanceError(f"--against {rev}: not a revision of the git repository at {root}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stance",
        description=(
            "Stance of news sentences on Ukraine's NATO membership, military aid and peace talks "
            "(targets and labels come from data/schema.yaml)."
        ),
        epilog="Paths default to the project root: the nearest folder with dvc.yaml (or $STANCE_ROOT).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "predict",
        help="label every row of a CSV or JSONL table",
        description="Label every row of a CSV or JSONL table. The output keeps every input "
        "column and adds <target> and <target>_confidence (0..1) for each schema target.",
    )
    p.add_argument("input", metavar="INPUT", help="a .csv or .jsonl file, or - for JSONL on stdin")
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUTPUT",
        help="a .csv or .jsonl file (format from the extension), or - for stdout",
    )
    _column_options(p, "statement")
    _model_options(p)
    p.set_defaults(func=cmd_predict)

    c = sub.add_parser(
        "classify",
        help="split articles into sentences, label each and say who holds the position",
        description="Split articles into sentences (headline included) and label each. Inputs: .txt/.md files, "
        ".html news pages (the article found by trafilatura, furniture left out), folders (searched "
        "recursively), JSONL or CSV tables with 'id' and 'text' (optional title, date, "
        "source, url are carried through), or - for JSONL on stdin. One record per sentence: article_id, "
        "sentence_index, start, end (text == article[start:end]), text, speaker (who said it, for every "
        "sentence the rules attribute, position or not; 'author' for the writer of a sentence that holds a "
        "position; empty otherwise), speaker_method (the rule that found it), actor, actor_country, actor_type "
        "(the canonical actor from data/actors.yaml; the name as found when unregistered), "
        "<target> and <target>_confidence for "
        "each schema target, and title, date, source, url, author, language (from a news page's metadata or a "
        "table's columns). The output appears only when complete; an "
        "interrupted run continues with --resume.",
    )
    c.add_argument("paths", nargs="+", metavar="PATH", help="articles, folders, tables, or - for JSONL on stdin")
    c.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUTPUT",
        help="output file: .jsonl, .csv or .parquet (or say --format); - writes JSONL (or --format csv) to stdout",
    )
    c.add_argument("--format", choices=["jsonl", "csv", "parquet"], help="output format (default: from the extension)")
    _model_options(c)
    _column_options(c, "article's body")
    c.add_argument(
        "--glob",
        metavar="PATTERN",
        help="in folders, only files whose path or name matches, e.g. '*.html' or '*.jsonl.gz' (folders hold "
        "articles and tables alike)",
    )
    c.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="worker processes (default: 1; with --engine dask, a local cluster of one per core); same output",
    )
    c.add_argument(
        "--engine",
        choices=["local", "dask"],
        default="local",
        help="'local': this machine's processes (--jobs); 'dask': partitions as tasks on a dask.distributed "
        "cluster (pip install 'ukraine-stance[dask]'), -o naming a folder of Parquet (or JSONL) parts",
    )
    c.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --engine dask: the cluster's scheduler, e.g. tcp://10.0.0.5:8786 (default: a local cluster)",
    )
    c.add_argument(
        "--partition-size",
        type=int,
        metavar="N",
        help="with --engine dask: article files or table rows per partition, the unit of work, retry and "
        "--resume (default: 1000)",
    )
    c.add_argument("--resume", action="store_true", help="continue an interrupted run of the same command")
    c.add_argument(
        "--strict",
        action="store_true",
        help="stop at the first unreadable or empty article (default: report it, skip it, go on)",
    )
    c.add_argument(
        "--min-confidence",
        type=float,
        metavar="P",
        help="label predictions below this confidence 'uncertain' (kept, not dropped)",
    )
    c.add_argument(
        "--summary",
        metavar="DIR",
        help="also write DIR/articles.csv (per article and target) and DIR/speakers.csv (per actor and target)",
    )
    c.add_argument(
        "--chunk-size",
        type=int,
        default=256,
        metavar="N",
        help="articles per chunk (fewer if they hold over 4 MB of text): the unit of work, checkpointing "
        "and resuming (default: 256)",
    )
    bar = c.add_mutually_exclusive_group()
    bar.add_argument(
        "--progress",
        dest="progress",
        action="store_true",
        default=None,
        help="show a progress bar (default: only when stderr is a terminal)",
    )
    bar.add_argument("--no-progress", dest="progress", action="store_false", help="never show a progress bar")
    c.set_defaults(func=cmd_classify)

    for name, text in (
        ("prepare", "validate data/labeled/ against the schema and split it by article (DVC stage)"),
        ("encoder", "build models/encoder.onnx, the int8 sentence encoder, from the pinned source (DVC stage)"),
        (
            "train",
            "train the default model (models/stance.*) and the fast n-gram model (models/fast.*) on the training "
            "split (DVC stage)",
        ),
        ("evaluate", "score the model on the test split; write reports/metrics.json (DVC stage)"),
        ("learning-curve", "train on 10-100%% of the training articles and score each on the test split (DVC stage)"),
    ):
        s = sub.add_parser(name, help=text, description=text[0].upper() + text[1:] + ". Parameters: params.yaml.")
        s.set_defaults(func=cmd_stage)

    r = sub.add_parser(
        "report",
        help="write reports/report.html and reports/report.md from the evaluation (DVC stage)",
        description="Write reports/report.html (one self-contained page: inline plots, no JavaScript, "
        "opens offline) and reports/report.md from the files evaluate, learning-curve and prepare wrote in "
        "reports/: the headline with its interval, each target against the baselines, confusion matrices, "
        "calibration, the learning curve, the most confident mistakes, the most informative n-grams and corpus "
        "statistics. Headline figures are compared with reports/metrics.json as committed in git at --against.",
    )
    r.add_argument(
        "--against",
        default=None,
        metavar="REV",
        help="git revision whose reports/metrics.json to compare with (default: HEAD); "
        "without git or that file the report leaves the comparison out and says so",
    )
    r.add_argument(
        "--screenshot",
        metavar="PNG",
        help="also render the report in headless Chromium and save a screenshot (needs `chromium`)",
    )
    r.set_defaults(func=cmd_report)

    g = sub.add_parser(
        "agreement",
        help="Cohen's kappa and percent agreement between two labelings",
        description="Compare two labelings of the same statements (CSV files with an id column and "
        "one column per schema target): Cohen's kappa, percent agreement and the number of "
        "disagreements per target, on the ids both files contain.",
    )
    g.add_argument("a", metavar="A.csv", help="first labeling")
    g.add_argument("b", metavar="B.csv", help="second labeling")
    g.add_argument("--disagreements", metavar="OUT.csv", help="also write every (id, target) the two disagree on")
    g.add_argument("--schema", metavar="PATH", help="schema file (default: data/schema.yaml)")
    g.set_defaults(func=cmd_agreement)

    d = sub.add_parser(
        "agreement-sample",
        help="draw a random sample of labeled statements for a blind second pass",
        description="Draw a random sample of the labeled corpus: the texts (with the neighbouring "
        "sentences of their article) for a blind annotator, and the current labels for comparison.",
    )
    d.add_argument("n", type=int, help="number of statements")
    d.add_argument("--seed", type=int, default=2026, help="random seed (default: 2026)")
    d.add_argument("--blind", required=True, metavar="TEXTS.csv", help="where to write the texts to label")
    d.add_argument("--first", required=True, metavar="LABELS.csv", help="where to write the current labels")
    d.set_defaults(func=cmd_agreement_sample)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DVC_NO_ANALYTICS", "1")
    previous = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, *previous[1:])
    try:
        return _run(argv)
    finally:
        gc.set_threshold(*previous)  # main() may run inside another program (the tests do)


def _run(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except StanceError as exc:
        for line in str(exc).splitlines() or ["unknown error"]:
            print(f"stance: error: {line}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("stance: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
