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


def _progress_options(p: argparse.ArgumentParser) -> None:
    bar = p.add_mutually_exclusive_group()
    bar.add_argument(
        "--progress",
        dest="progress",
        action="store_true",
        default=None,
        help="show a progress bar (default: only when stderr is a terminal)",
    )
    bar.add_argument("--no-progress", dest="progress", action="store_false", help="never show a progress bar")


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


def cmd_evaluate(args: argparse.Namespace) -> None:
    """The DVC stage, or with --gold the user's own gold file."""
    if not (args.gold or args.output):
        cmd_stage(args)
        return
    if not args.gold:
        raise StanceError("-o is for `stance evaluate --gold FILE`; the pipeline's evaluation writes reports/")
    cmd_evaluate_gold(args)


def cmd_evaluate_gold(args: argparse.Namespace) -> None:
    """Score a model on the user's own gold file, with the pipeline's own metrics."""
    from pipeline.data import schema as schemas
    from pipeline.evaluation import gold as goldfile
    from pipeline.io.files import write_json
    from pipeline.model import served
    from pipeline.model.predict import predict
    from pipeline.report import figures, render

    if args.output and not args.output.endswith(".json"):
        raise StanceError(f"{args.output}: -o names a .json file (an .html and a .md report are written beside it)")
    if args.bootstrap < 1:
        raise StanceError(f"--bootstrap must be at least 1, got {args.bootstrap}")
    schema_file = Path(args.schema) if args.schema else config.paths().schema
    the_schema = schemas.load(schema_file)
    gold = goldfile.read_gold(args.gold, the_schema)
    model_path, card = _checked_card(args)
    model = served.load(model_path, card)
    predicted = predict(model, gold["text"].tolist())
    metrics = goldfile.score(gold, predicted, the_schema, args.bootstrap, args.seed, 10)
    actors = None
    parse = None
    if "speaker" in gold.columns:
        from pipeline.actors import parser, registry

        paths = config.paths()
        actors = registry.Registry.load(paths.actors) if paths.actors.is_file() else None
        name = config.load_params(paths.params).get("attribution", {}).get("parser") if paths.params.is_file() else ""
        parse = parser.SubjectParser(name, actors) if name and card.get("encoder") else None
    metrics["speakers"] = goldfile.speakers(gold, actors, parse)
    metrics["gold"] = {"file": goldfile.display(args.gold), "sha256": goldfile.file_sha256(args.gold)}
    metrics["model"] = {"name": args.model or "default", "sha256": card["sha256"]}
    metrics = goldfile.as_builtin(metrics)
    for line in goldfile.summary_lines(metrics):
        print(line)
    if args.output:
        out = Path(args.output)
        report = render.gold_report(metrics, figures)
        write_json(out, metrics)
        from pipeline.io.files import atomic_path

        for suffix, text in ((".html", render.render_html(report)), (".md", render.render_markdown(report))):
            with atomic_path(out.with_suffix(suffix), make_parents=True) as tmp:
                tmp.write_text(text, encoding="utf-8")
        print(f"evaluate: {out}, {out.with_suffix('.html')}, {out.with_suffix('.md')}", file=sys.stderr)


def cmd_suggest(args: argparse.Namespace) -> None:
    """Pick the sentences to label next; write them as CSV and as Label Studio tasks."""
    import json

    from pipeline.data.labeled import normalise, read_csv_strict
    from pipeline.findings import records
    from pipeline.io.files import atomic_path
    from pipeline.labeling import labelstudio, suggest

    if args.n < 1:
        raise StanceError(f"N must be at least 1, got {args.n}")
    out = Path(args.output)
    if out.suffix.lower() != ".csv":
        raise StanceError(f"{out}: -o names a .csv file (the Label Studio tasks go beside it as .labelstudio.json)")
    files = records.input_files(args.sources)
    first = next(records.chunks(files[:1], 1), None)
    targets = records.targets_in(first[1]) if first else []
    if not targets:
        raise StanceError(f"{files[0]}: no target columns; suggest reads what `stance classify` wrote")
    known: set[str] = set()
    folder = config.paths().labeled
    for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        known |= {normalise(str(t)) for t in read_csv_strict(path).get("text", [])}

    pool = suggest.candidates(records.iter_records(files), targets, args.n, known)
    chosen = suggest.select(pool, args.n, per_article=args.per_article)
    rows = suggest.rows(chosen, targets)
    import csv

    with atomic_path(out, make_parents=True) as tmp:
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]) if rows else ["id", "text"])
            writer.writeheader()
            writer.writerows(rows)
    tasks_path = out.with_suffix(".labelstudio.json")
    with atomic_path(tasks_path, make_parents=True) as tmp:
        tmp.write_text(json.dumps(labelstudio.tasks(rows, targets, "stance"), ensure_ascii=False, indent=1))
    print(f"suggest: {len(rows)} sentences from {len({r['article_id'] for r in rows})} articles -> {out}, {tasks_path}")


def cmd_labeling_config(args: argparse.Namespace) -> None:
    from pipeline.data import schema as schemas
    from pipeline.io.files import atomic_path
    from pipeline.labeling import labelstudio

    the_schema = schemas.load(Path(args.schema) if args.schema else config.paths().schema)
    text = labelstudio.config(the_schema)
    if not args.output or args.output == "-":
        sys.stdout.write(text)
        return
    with atomic_path(Path(args.output), make_parents=True) as tmp:
        tmp.write_text(text, encoding="utf-8")
    print(f"labeling-config: {len(the_schema.targets)} targets -> {args.output}", file=sys.stderr)


def cmd_import_labels(args: argparse.Namespace) -> None:
    from pipeline.data import schema as schemas
    from pipeline.io.files import atomic_path
    from pipeline.labeling import importer
    from pipeline.params import PrepareParams

    out = Path(args.output)
    if out.suffix.lower() != ".csv":
        raise StanceError(f"{out}: -o names a .csv file in data/labeled/")
    if out.exists():
        raise StanceError(f"{out}: already exists; labeled data is never overwritten (choose another name)")
    paths = config.paths()
    the_schema = schemas.load(Path(args.schema) if args.schema else paths.schema)
    source = Path(args.export)
    if not source.is_file():
        raise StanceError(f"{source}: input file not found")
    rows = importer.read_rows(source, the_schema.target_names)
    frame = importer.to_labeled(rows, the_schema, str(source))
    folder = out.parent
    frame, skipped = importer.drop_known(frame, folder, args.skip_duplicates, str(source))
    if frame.empty:
        raise StanceError(f"{source}: every row is already labeled; nothing to import")
    settings = (
        PrepareParams.from_mapping(config.load_params(paths.params).get("prepare"))
        if paths.params.is_file()
        else PrepareParams()
    )
    importer.check_with_corpus(frame, folder, out.name, the_schema, settings.near_duplicate)
    with atomic_path(out, make_parents=True) as tmp:
        frame.to_csv(tmp, index=False)
    extra = f", {skipped} already labeled left out" if skipped else ""
    print(f"import-labels: {len(frame)} labeled sentences{extra} -> {out}; run `dvc repro` to retrain", file=sys.stderr)


def cmd_findings(args: argparse.Namespace) -> None:
    from pipeline.findings import build, options, page
    from pipeline.io.files import atomic_path

    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise StanceError(f"{out}: -o needs a folder (findings writes findings.html and tables into it)")
    settings = options.Options(
        period=args.period,
        by=options.parse_by(args.by),
        min_confidence=args.min_confidence,
        since=options.parse_date(args.since, "--since") if args.since else None,
        until=options.parse_date(args.until, "--until") if args.until else None,
        targets=options.parse_by(args.targets),
        fmt=args.format,
        bootstrap=args.bootstrap,
        seed=args.seed,
        examples=args.examples,
        rows=args.rows,
        shifts=args.shifts,
        min_sentences=args.min_sentences,
    )
    build.check_format(settings.fmt)
    schema = Path(args.schema) if args.schema else config.Paths(config.find_root()).schema
    if args.schema and not schema.is_file():
        raise StanceError(f"{schema}: schema file not found")
    findings = build.collect(args.paths, settings, schema, progress=args.progress)
    written = build.write_tables(findings, out)
    with atomic_path(out / "findings.html", make_parents=True) as tmp:
        tmp.write_text(page.render(findings), encoding="utf-8")
    tally = findings.tally
    print(
        f"findings: {len(tally.articles)} articles, {tally.sentences} sentences -> {out / 'findings.html'} "
        f"and {len(written)} tables",
        file=sys.stderr,
    )
    if args.screenshot:
        from pipeline.report import browser

        browser.screenshot(out / "findings.html", Path(args.screenshot))
        print(f"findings: screenshot -> {args.screenshot}", file=sys.stderr)


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
        "sentence_index, start, end (text == article[start:end]), text, speaker (who said it, position or "
        "not; 'author' where no rule names anyone: the writer), speaker_method (the rule that found it), "
        "actor, actor_country, actor_type "
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
    _progress_options(c)
    c.set_defaults(func=cmd_classify)

    for name, text in (
        ("prepare", "validate data/labeled/ against the schema and split it by article (DVC stage)"),
        ("encoder", "build models/encoder.onnx, the int8 sentence encoder, from the pinned source (DVC stage)"),
        (
            "train",
            "train the default model (models/stance.*) and the fast n-gram model (models/fast.*) on the training "
            "split (DVC stage)",
        ),
        (
            "evaluate",
            "score the model on the test split; write reports/metrics.json (DVC stage); with --gold FILE, score it "
            "on your own labeled sentences instead",
        ),
        ("learning-curve", "train on 10-100%% of the training articles and score each on the test split (DVC stage)"),
        (
            "adaptation",
            "simulate adapting the model to new outlets with labels chosen by `stance suggest` against labels "
            "chosen at random, on the held-back real pages (DVC stage)",
        ),
    ):
        s = sub.add_parser(name, help=text, description=text[0].upper() + text[1:] + ". Parameters: params.yaml.")
        s.set_defaults(func=cmd_stage)
        if name == "evaluate":
            s.set_defaults(func=cmd_evaluate)
            e = s.add_argument_group(
                "your own gold (--gold)",
                "A CSV or JSONL table with `text` and a column per target holding the schema's labels; optional `id`, "
                "`article_id` (intervals then resample whole articles) and `sentence_index` with `speaker` "
                "(who-said-it accuracy). Prints stance-F1 per target and the mean; -o also writes the metrics as "
                "JSON (headline under mean_stance_f1) and the report section as .html and .md beside it.",
            )
            e.add_argument("--gold", metavar="FILE", help="your labeled sentences")
            e.add_argument("-o", "--output", metavar="OUT.json", help="write the metrics, and OUT.html and OUT.md")
            e.add_argument("--model", metavar="NAME|PATH", help="default (the default), fast, or a model path")
            e.add_argument("--schema", metavar="PATH", help="schema file (default: data/schema.yaml)")
            e.add_argument("--bootstrap", type=int, default=1000, metavar="N", help="resamples per interval (1000)")
            e.add_argument("--seed", type=int, default=7, help="seed of the resamples (7)")

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

    sg = sub.add_parser(
        "suggest",
        help="choose the N sentences whose labels would teach the model most, for a spreadsheet or Label Studio",
        description="Rank what `stance classify` wrote by the model's uncertainty (1 - its confidence, on the "
        "target where that is lowest), drop near-duplicates and sentences already in data/labeled/, and pick "
        "round-robin across outlets with at most --per-article per article and N/10 per actor. Writes OUT.csv "
        "(context, the model's guess, empty columns to fill in) and OUT.labelstudio.json (tasks with the model's "
        "labels as pre-annotations; import them into a project set up with `stance labeling-config`).",
    )
    sg.add_argument("n", type=int, metavar="N", help="how many sentences")
    sg.add_argument("--from", dest="sources", nargs="+", required=True, metavar="CLASSIFIED", help="classify output")
    sg.add_argument("-o", "--output", required=True, metavar="OUT.csv", help="the suggestions")
    sg.add_argument("--per-article", type=int, default=2, metavar="K", help="at most K per article (default: 2)")
    sg.set_defaults(func=cmd_suggest)

    lc = sub.add_parser(
        "labeling-config",
        help="write the Label Studio labeling configuration for data/schema.yaml",
        description="One single-choice group per target (the schema's meanings as hints), the sentence between "
        "its neighbours, and a box for who holds the position. Paste it into a Label Studio project's "
        "Settings > Labeling Interface > Code.",
    )
    lc.add_argument("-o", "--output", metavar="FILE.xml", help="where to write it (default: stdout)")
    lc.add_argument("--schema", metavar="PATH", help="schema file (default: data/schema.yaml)")
    lc.set_defaults(func=cmd_labeling_config)

    il = sub.add_parser(
        "import-labels",
        help="turn a Label Studio export or a filled-in suggestion sheet into a labeled-data file",
        description="Read a Label Studio export (JSON, or CSV) or the CSV `stance suggest` wrote with its label "
        "columns filled in; check every label against the schema and the new rows against data/labeled/ "
        "(ids, duplicates, near-duplicates: the checks `stance prepare` runs); keep who annotated when and the "
        "article URL; write the file. Then `dvc repro` retrains on it.",
    )
    il.add_argument("export", metavar="EXPORT", help="Label Studio export (.json or .csv) or a filled-in .csv")
    il.add_argument("-o", "--output", required=True, metavar="data/labeled/NAME.csv", help="the new labeled file")
    il.add_argument("--skip-duplicates", action="store_true", help="leave out rows already labeled instead of failing")
    il.add_argument("--schema", metavar="PATH", help="schema file (default: data/schema.yaml)")
    il.set_defaults(func=cmd_import_labels)

    f = sub.add_parser(
        "findings",
        help="where each actor and outlet stands, and how it changes: one HTML page and tidy tables",
        description="Read what `stance classify` wrote (JSONL, CSV or Parquet; files or folders) and write "
        "DIR/findings.html, one self-contained page (opens offline) with, per target: position shares over time "
        "with article-bootstrap intervals, the largest shifts of actors and outlets between periods, an actor x "
        "position map, and outlets, actor types and countries compared; every number opens a sample of the "
        "sentences behind it. The same tables go to DIR/*.csv (tidy: target, dimension, period, group, position, "
        "sentences, articles, share, ci_low, ci_high). Shares count sentences on topic; labels below "
        "--min-confidence are shown as `uncertain`, never dropped.",
    )
    f.add_argument("paths", nargs="+", metavar="CLASSIFIED", help="output files or folders of `stance classify`")
    f.add_argument("-o", "--output", required=True, metavar="DIR", help="folder for findings.html and the tables")
    f.add_argument(
        "--period", default="month", choices=["week", "month", "quarter", "year"], help="unit of time (default: month)"
    )
    f.add_argument(
        "--by",
        metavar="COLS",
        help="also write grouped.csv grouped by these comma-separated columns, e.g. actor,month,source "
        "(actor, actor_type, actor_country, source, speaker, article_id and one of week, month, quarter, year)",
    )
    f.add_argument("--min-confidence", type=float, metavar="P", help="labels below P count as uncertain")
    f.add_argument("--since", metavar="YYYY-MM-DD", help="only articles dated on or after this day")
    f.add_argument("--until", metavar="YYYY-MM-DD", help="only articles dated on or before this day")
    f.add_argument("--targets", metavar="NAMES", help="comma-separated targets to report (default: all)")
    f.add_argument("--format", default="csv", choices=["csv", "parquet"], help="format of the tables (default: csv)")
    f.add_argument("--bootstrap", type=int, default=500, metavar="N", help="article resamples per interval (500)")
    f.add_argument("--seed", type=int, default=7, help="seed of the resamples and of the sentence samples (7)")
    f.add_argument("--examples", type=int, default=5, metavar="N", help="sentences kept behind each number (5)")
    f.add_argument("--rows", type=int, default=50, metavar="N", help="groups shown per table on the page (50)")
    f.add_argument("--shifts", type=int, default=10, metavar="N", help="shifts listed per target (10)")
    f.add_argument(
        "--min-sentences",
        type=int,
        default=20,
        metavar="N",
        help="sentences a group needs in each period for a shift (20)",
    )
    f.add_argument("--schema", metavar="PATH", help="schema file for label order (default: data/schema.yaml if any)")
    f.add_argument("--screenshot", metavar="PNG", help="also save a screenshot of the page (needs `chromium`)")
    _progress_options(f)
    f.set_defaults(func=cmd_findings)

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
