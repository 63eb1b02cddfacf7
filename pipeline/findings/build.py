"""`stance findings`: read classified files twice (counts, then the sentences behind the figures) and
write the tidy tables and the page."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline import StanceError
from pipeline.findings import records, shares
from pipeline.findings.aggregate import Sampler, Tally
from pipeline.findings.options import PERIODS, Options
from pipeline.io.files import atomic_path

# The page's groupings: name -> columns (the period column is filled in from --period).
GROUPINGS = {
    "over_time": ("{period}",),
    "actors": ("actor",),
    "sources": ("source",),
    "actor_types": ("actor_type",),
    "actor_countries": ("actor_country",),
}
SHIFT_GROUPINGS = {"actor_shifts": "actor", "source_shifts": "source"}


@dataclass
class Findings:
    """Everything the page shows: the tables, the shifts, the sentences behind them and what was read."""

    options: Options
    targets: list[str]
    labels: dict[str, list[str]]
    tables: dict[str, pd.DataFrame]  # grouping -> share_table output (dims as columns)
    dims: dict[str, tuple[str, ...]]
    shifts: pd.DataFrame
    examples: dict[str, pd.DataFrame]  # grouping -> sampled sentences with the cell's keys
    tally: Tally
    files: list[Path]


def _views(options: Options) -> dict[str, tuple[str, ...]]:
    views = {name: tuple(d.format(period=options.period) for d in dims) for name, dims in GROUPINGS.items()}
    for name, column in SHIFT_GROUPINGS.items():
        views[name] = (column, options.period)
    if options.by:
        views["grouped"] = options.by
    return views


def _schema_labels(schema_path: Path | None) -> dict[str, tuple[list[str], str]]:
    """Each schema target's labels (off-topic left out) and its off-topic label; {} without a schema."""
    if schema_path is None or not schema_path.is_file():
        return {}
    from pipeline.data.schema import load as load_schema

    out = {}
    for target in load_schema(schema_path).targets:
        off = target.off_topic or records.OFF_TOPIC
        out[target.name] = ([lab for lab in target.label_names if lab != off], off)
    return out


def _progress(enabled: bool | None):
    from tqdm import tqdm

    show = sys.stderr.isatty() if enabled is None else enabled
    return tqdm(unit=" sentences", unit_scale=True, disable=not show, file=sys.stderr, leave=False)


def _passes(files: list[Path], options: Options, targets: list[str], off: dict[str, str], periods, progress):
    for path, chunk in records.chunks(files, options.chunk_size):
        long, counts = records.long_form(
            chunk, path, targets, off, options.min_confidence, periods, options.since, options.until
        )
        if progress is not None:
            progress.update(len(chunk))
        yield chunk, long, counts


def collect(paths: list[str], options: Options, schema_path: Path | None, progress: bool | None = None) -> Findings:
    """Read the classified files and compute every table; nothing is written."""
    files = records.input_files(paths)
    first = next(records.chunks(files[:1], 1), None)
    if first is None:
        raise StanceError(f"{files[0]}: no records")
    available = records.targets_in(first[1])
    if not available:
        raise StanceError(
            f"{files[0]}: no target columns (a label column with <target>_confidence beside it); "
            "findings reads what `stance classify` wrote"
        )
    unknown = [t for t in options.targets if t not in available]
    if unknown:
        raise StanceError(f"--targets: {unknown[0]} is not in the input (it has {', '.join(available)})")
    targets = list(options.targets) or available
    schema = _schema_labels(schema_path)
    off = {t: schema[t][1] if t in schema else records.OFF_TOPIC for t in targets}
    views = _views(options)
    periods = tuple(dict.fromkeys(d for dims in views.values() for d in dims if d in PERIODS))

    tally = Tally(views)
    bar = _progress(progress)
    with bar:
        for chunk, long, counts in _passes(files, options, targets, off, periods, bar):
            tally.add(long, counts, chunk["article_id"])

    over_time = tally.counts("over_time")
    seen_by_target: dict[str, set[str]] = {}
    for target, position in over_time.index.droplevel(["article_id", *views["over_time"]]).unique():
        seen_by_target.setdefault(target, set()).add(position)
    labels = {}
    for target in targets:
        seen = seen_by_target.get(target, set())
        known = schema[target][0] if target in schema else []
        extra = sorted(seen - set(known) - {records.UNCERTAIN})
        uncertain = [records.UNCERTAIN] if records.UNCERTAIN in seen or options.min_confidence is not None else []
        labels[target] = [*known, *extra, *uncertain]

    tables = {}
    for name in [*GROUPINGS, *(["grouped"] if options.by else [])]:
        tables[name] = shares.share_table(tally.counts(name), views[name], labels, options.bootstrap, options.seed)
    shift_parts = [
        shares.shifts(
            tally.counts(name), column, labels, options.shifts, options.min_sentences, options.bootstrap, options.seed
        )
        for name, column in SHIFT_GROUPINGS.items()
    ]
    shift_table = pd.concat(shift_parts, ignore_index=True)

    wanted = _wanted(tables, views, shift_table, options)
    sampler = Sampler(wanted, views, options.examples, options.seed)
    bar = _progress(progress)
    with bar:
        for _, long, _ in _passes(files, options, targets, off, periods, bar):
            sampler.add(long)
    examples = {name: sampler.examples(name) for name in wanted}
    return Findings(options, targets, labels, tables, views, shift_table, examples, tally, files)


def shown_groups(table: pd.DataFrame, dim: str, rows: int) -> pd.DataFrame:
    """The rows of a one-column grouping the page shows: its `rows` largest groups per target."""
    sizes = table.drop_duplicates(["target", dim])[["target", dim, "group_sentences"]]
    sizes = sizes.sort_values(["target", "group_sentences", dim], ascending=[True, False, True])
    top = sizes.groupby("target", sort=False).head(rows)[["target", dim]]
    return table.merge(top, on=["target", dim], how="inner")


def _wanted(tables, views, shift_table: pd.DataFrame, options: Options) -> dict[str, pd.DataFrame]:
    """The cells whose sentences the page embeds: every cell it shows with at least one sentence."""
    wanted = {}
    for name, table in tables.items():
        if name == "grouped":
            continue
        dims = list(views[name])
        shown = table if name == "over_time" else shown_groups(table, dims[0], options.rows)
        wanted[name] = shown[shown["sentences"] > 0][["target", *dims, "position"]].reset_index(drop=True)
    for name, column in SHIFT_GROUPINGS.items():
        part = shift_table[shift_table["dimension"] == column]
        cells = []
        for when in ("before", "after"):
            side = part[part[f"sentences_{when}"] > 0]
            cells.append(
                pd.DataFrame(
                    {
                        "target": side["target"],
                        column: side["group"],
                        options.period: side[f"period_{when}"],
                        "position": side["position"],
                    }
                )
            )
        wanted[name] = pd.concat(cells, ignore_index=True).drop_duplicates().reset_index(drop=True)
    return wanted


def write_tables(findings: Findings, out: Path) -> list[Path]:
    """The tidy tables, one file per grouping plus shifts, each written atomically."""
    options = findings.options
    written = []
    for name, table in findings.tables.items():
        frame = shares.tidy(table, findings.dims[name], PERIODS)
        if name == "actors":
            info = findings.tally.actor_info
            frame["actor_country"] = [info.get(g, ("", ""))[0] for g in frame["group"]]
            frame["actor_type"] = [info.get(g, ("", ""))[1] for g in frame["group"]]
        written.append(_write(frame, out / f"{name}.{options.fmt}", options.fmt))
    written.append(_write(findings.shifts, out / f"shifts.{options.fmt}", options.fmt))
    return written


def _write(frame: pd.DataFrame, dest: Path, fmt: str) -> Path:
    with atomic_path(dest, make_parents=True) as tmp:
        if fmt == "parquet":
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False, float_format="%.6g")
    return dest


def check_format(fmt: str) -> None:
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise StanceError('--format parquet needs pyarrow: pip install -e ".[parquet]"') from None
