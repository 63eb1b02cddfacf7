"""The findings page: one self-contained HTML file (inline SVG, CSS and script; nothing fetched).

Every number sits in a table cell that carries its raw values (`data-share`, `data-sentences`,
`data-articles`, `data-ci-low`, `data-ci-high`) and, when it has sentences, the id of the sample of
sentences behind it. The samples travel in one JSON block; the script puts them on screen with
`textContent`, and every piece of text from the articles is escaped, so an article cannot inject markup.
Long tables are sortable and paged by the script; without script they are simply long.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable
from importlib import resources

import pandas as pd

from pipeline.findings import figures
from pipeline.findings.build import SHIFT_GROUPINGS, Findings, shown_groups
from pipeline.findings.records import UNCERTAIN

PAGE_ROWS = 25
TITLES = {
    "actors": ("Who stands where", "actor"),
    "sources": ("Outlets compared", "outlet"),
    "actor_types": ("Actor types compared", "actor type"),
    "actor_countries": ("Actor countries compared", "country"),
}

# The page's style and script live beside this module as plain files (package data), inlined on render.
CSS = resources.files(__package__).joinpath("page.css").read_text(encoding="utf-8")
SCRIPT = resources.files(__package__).joinpath("page.js").read_text(encoding="utf-8")


def _e(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _pct(x: float) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.0f}%"


def _points(x: float) -> str:
    """A change in percentage points, signed, never "-0"."""
    return f"{round(100 * x):+d}"


def _num(x) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.6g}"


class Cells:
    """The sentences behind each cell, collected as the tables are drawn, for the page's JSON block."""

    def __init__(self, findings: Findings):
        self.samples: dict[tuple, pd.DataFrame] = {}
        for name, frame in findings.examples.items():
            if frame.empty:
                continue
            keys = list(frame.columns[: list(frame.columns).index("article_id")])
            for key, rows in frame.groupby(keys, sort=False):
                self.samples[(name, *(key if isinstance(key, tuple) else (key,)))] = rows
        self.data: dict[str, dict] = {}

    def cell_id(self, key: tuple, title: str, total: int) -> str | None:
        rows = self.samples.get(key)
        if rows is None or total == 0:
            return None
        ident = f"c{len(self.data)}"
        self.data[ident] = {
            "title": title,
            "total": int(total),
            "rows": [
                [_text(r.article_id), int(r.sentence_index), _text(r.text), _text(r.speaker)]
                + [_float(r.confidence), _text(r.url), _text(r.date)]
                for r in rows.itertuples()
            ],
        }
        return ident

    def json(self) -> str:
        # "<" escaped: the block cannot close its own <script> element, whatever the articles say.
        text = json.dumps(self.data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        return text.replace("<", "\\u003c")


def _text(x) -> str | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else str(x)


def _float(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def _cell(row, cells: Cells, key: tuple, title: str, ci: bool, heat: bool) -> str:
    ident = cells.cell_id(key, title, row.sentences)
    attrs = (
        f'class="cell" data-share="{_num(row.share)}" data-sentences="{row.sentences}" '
        f'data-articles="{row.articles}" data-ci-low="{_num(row.ci_low)}" data-ci-high="{_num(row.ci_high)}" '
        f'data-sort="{_num(row.share)}"'
    )
    if ident:
        attrs += f' data-cell="{ident}"'
    tip = f"{_pct(row.share)} (95% CI {_pct(row.ci_low)}–{_pct(row.ci_high)}): "
    tip += f"{row.sentences} sentences in {row.articles} articles"
    attrs += f' title="{_e(tip)}"'
    if heat and not math.isnan(row.share):
        attrs += f' style="background:rgba(76,120,168,{0.08 + 0.6 * row.share:.2f})"'
    text = f"{_pct(row.share)} <small>({row.sentences})</small>"
    if ci:
        text += f'<br><span class="ci">{_pct(row.ci_low)}–{_pct(row.ci_high)}</span>'
    return f"<td {attrs}>{text}</td>"


def grid(
    table: pd.DataFrame,
    name: str,
    target: str,
    dim: str,
    labels: list[str],
    cells: Cells,
    head: str,
    extra: dict[str, dict[str, str]] | None = None,
    ci: bool = False,
    sortable: bool = True,
    order: Iterable[str] | None = None,
) -> str:
    """Groups as rows, positions as columns; each cell a share with its count, clickable for its sentences."""
    extra = extra or {}
    part = table[table["target"] == target]
    groups = list(order) if order is not None else list(dict.fromkeys(part[dim]))
    indexed = {(g, p): r for g, p, r in zip(part[dim], part["position"], part.itertuples(), strict=True)}
    totals = part.drop_duplicates(dim).set_index(dim)
    header = [f'<th class="text">{_e(head)}</th>']
    header += [f'<th class="text">{_e(col)}</th>' for col in extra]
    header += [f"<th>{_e(lab)}</th>" for lab in labels] + ["<th>sentences</th>", "<th>articles</th>"]
    body = []
    for g in groups:
        cols = [f'<td class="text" data-sort="{_e(g)}">{_e(g)}</td>']
        cols += [f'<td class="text">{_e(values.get(g, ""))}</td>' for values in extra.values()]
        for lab in labels:
            row = indexed.get((g, lab))
            if row is None:
                cols.append("<td></td>")
                continue
            cols.append(_cell(row, cells, (name, target, g, lab), f"{target} · {lab} · {head} {g}", ci, heat=True))
        total = totals.loc[g]
        cols.append(f'<td data-sort="{total.group_sentences}">{total.group_sentences}</td>')
        cols.append(f'<td data-sort="{total.group_articles}">{total.group_articles}</td>')
        body.append("<tr>" + "".join(cols) + "</tr>")
    cls = "grid sortable" if sortable else "grid"
    return (
        f'<table class="{cls}" data-table="{_e(name)}" data-target="{_e(target)}" data-page="{PAGE_ROWS}">'
        f"<thead><tr>{''.join(header)}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def shift_table(rows: pd.DataFrame, target: str, period: str, cells: Cells) -> str:
    header = ["group", "grouped by", "position", "before", "after", "change (95% CI)"]
    body = []
    for r in rows.itertuples():
        name = next(n for n, c in SHIFT_GROUPINGS.items() if c == r.dimension)
        sides = []
        for when in ("before", "after"):
            when_period = getattr(r, f"period_{when}")
            n, total = getattr(r, f"sentences_{when}"), getattr(r, f"group_sentences_{when}")
            ident = cells.cell_id(
                (name, target, r.group, when_period, r.position),
                f"{target} · {r.position} · {r.group} in {when_period}",
                n,
            )
            share = getattr(r, f"share_{when}")
            attrs = f'class="cell" data-share="{_num(share)}" data-sentences="{n}" data-group-sentences="{total}"'
            attrs += f' data-cell="{ident}"' if ident else ""
            sides.append(f"<td {attrs}>{_e(when_period)}: {_pct(share)} <small>({n} of {total})</small></td>")
        change = (
            f'<td data-change="{_num(r.change)}" data-ci-low="{_num(r.ci_low)}" data-ci-high="{_num(r.ci_high)}">'
            f'{_points(r.change)} pts <span class="ci">({_points(r.ci_low)} to {_points(r.ci_high)})</span></td>'
        )
        body.append(
            f'<tr data-group="{_e(r.group)}" data-position="{_e(r.position)}">'
            f'<td class="text">{_e(r.group)}</td><td class="text">{_e(r.dimension)}</td>'
            f'<td class="text">{_e(r.position)}</td>{"".join(sides)}{change}</tr>'
        )
    head = "".join(f'<th class="{"text" if i < 3 else ""}">{_e(h)}</th>' for i, h in enumerate(header))
    return (
        f'<table class="shifts" data-target="{_e(target)}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def biggest_moves(shifts: pd.DataFrame) -> pd.DataFrame:
    """Per listed pair of periods, the position whose share moved most (the page's shift rows)."""
    if shifts.empty:
        return shifts
    keyed = shifts.assign(_size=shifts["change"].abs())
    pair = ["target", "dimension", "group", "period_before", "period_after"]
    top = keyed.sort_values("_size", ascending=False, kind="stable").drop_duplicates(pair)
    return top.drop(columns="_size")


def render(findings: Findings) -> str:
    options, tally = findings.options, findings.tally
    cells = Cells(findings)
    period = options.period
    files = ", ".join(p.name for p in findings.files)
    dates = f"dated {tally.first_date} to {tally.last_date}" if tally.first_date else "no dates"
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<title>Findings: {_e(files)}</title><style>{CSS}</style></head><body>",
        "<h1>Findings</h1>",
        f'<p class="lede" id="read">{len(tally.articles)} articles and {tally.sentences} sentences from '
        f"{_e(files)}, {dates}; {tally.undated} sentences undated.</p>",
        '<ul class="filters" id="filters">' + "".join(f"<li>{_e(f)}</li>" for f in options.filters) + "</ul>",
        '<p class="note">A share is the sentences holding a position over the sentences on topic in that group '
        "(a sentence the model puts off topic is not counted; <code>uncertain</code> labels, below the minimum "
        "confidence, are their own column). Intervals are 95% and resample whole articles. Labels are a model's, "
        "not a reader's: click any number to read a sample of the sentences behind it before you cite it.</p>",
        "<nav>" + "".join(f'<a href="#t-{_e(t)}">{_e(t)}</a>' for t in findings.targets) + "</nav>",
    ]
    if tally.left_out_by_date:
        parts.append(f'<p class="note">{tally.left_out_by_date} sentences left out by the date range.</p>')
    moves = biggest_moves(findings.shifts)
    for target in findings.targets:
        labels = findings.labels[target]
        on_topic = tally.on_topic.get(target, 0)
        parts.append(f'<section id="t-{_e(target)}"><h2>{_e(target)}</h2>')
        parts.append(f'<p class="note">{on_topic} sentences on topic.</p>')
        if on_topic == 0:
            parts.append("<p>No sentence on this target.</p></section>")
            continue
        over = findings.tables["over_time"]
        over_t = over[over["target"] == target]
        periods = sorted(over_t[period].unique())
        parts.append(f"<h3>Positions over time, by {period}</h3>")
        parts.append(figures.over_time(over_t, period, labels, f"{target}: share of each position per {period}"))
        parts.append(grid(over, "over_time", target, period, labels, cells, period, ci=True, order=periods))
        mine = moves[moves["target"] == target] if not moves.empty else moves
        parts.append("<h3>Shifts</h3>")
        if mine.empty:
            parts.append(
                f'<p class="note">No actor or outlet has {options.min_sentences} sentences on topic in two '
                f"{period}s (--min-sentences).</p>"
            )
        else:
            parts.append(
                '<p class="note">Actors and outlets whose share of a position changed most from one '
                f"{period} to the next they appear in (at least {options.min_sentences} sentences on topic in each), "
                "ranked by the change the data support at the least; with many groups a few such changes "
                "appear by chance: read the sentences.</p>"
            )
            parts.append(figures.shifts(mine.head(options.shifts), f"{target}: largest shifts"))
            parts.append(shift_table(mine.head(options.shifts), target, period, cells))
        for name, (title, head) in TITLES.items():
            table = findings.tables[name]
            dim = findings.dims[name][0]
            shown = shown_groups(table[table["target"] == target], dim, options.rows)
            total_groups = table[table["target"] == target][dim].nunique()
            parts.append(f"<h3>{_e(title)}</h3>")
            if total_groups > options.rows:
                parts.append(
                    f'<p class="note">The {options.rows} largest of {total_groups} ({name}.{options.fmt} has all).</p>'
                )
            order = list(dict.fromkeys(shown.sort_values(["group_sentences", dim], ascending=[False, True])[dim]))
            extra = None
            if name == "actors":
                info = tally.actor_info
                extra = {
                    "country": {g: info.get(g, ("", ""))[0] for g in order},
                    "type": {g: info.get(g, ("", ""))[1] for g in order},
                }
            if name == "sources" and order:
                parts.append(figures.stacked(shown, dim, labels, order[:20], f"{target}: positions by outlet"))
            parts.append(grid(shown, name, target, dim, labels, cells, head, extra=extra, order=order))
        parts.append("</section>")
    if UNCERTAIN in {lab for labs in findings.labels.values() for lab in labs}:
        parts.append('<p class="note">uncertain: on topic, but below the minimum confidence.</p>')
    parts.append(
        '<aside id="drill" hidden><button type="button">close</button><h3></h3><p class="count"></p><ol></ol></aside>'
    )
    parts.append(f'<script type="application/json" id="examples">{cells.json()}</script>')
    parts.append(f"<script>{SCRIPT}</script></body></html>")
    return "\n".join(parts)
