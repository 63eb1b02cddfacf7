"""The findings page's figures, drawn with matplotlib as inline SVG (the report's style and settings)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from pipeline.report.figures import STYLE, to_svg

COLOURS = ["#4c78a8", "#e45756", "#54a24b", "#9d755d", "#b279a2", "#f58518", "#72b7b2", "#bab0ac"]
MAX_TICKS = 14


def colour(labels: list[str], label: str) -> str:
    return COLOURS[labels.index(label) % len(COLOURS)] if label in labels else "#888888"


def over_time(table: pd.DataFrame, period: str, labels: list[str], title: str) -> str:
    """Each position's share per period, with its 95% interval as a band; undated articles left out."""
    dated = table[table[period] != "undated"]
    periods = sorted(dated[period].unique())
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7.5, 3.0))
        x = np.arange(len(periods))
        for label in labels:
            rows = dated[dated["position"] == label].set_index(period).reindex(periods)
            ax.plot(x, rows["share"], "o-", markersize=3, linewidth=1.6, color=colour(labels, label), label=label)
            ax.fill_between(x, rows["ci_low"], rows["ci_high"], color=colour(labels, label), alpha=0.15, linewidth=0)
        step = max(1, int(np.ceil(len(periods) / MAX_TICKS)))
        ax.set_xticks(x[::step], periods[::step], rotation=30, ha="right")
        ax.set_ylim(0, 1)
        ax.set_ylabel("share of sentences on topic")
        ax.set_title(title)
        ax.legend(frameon=False, fontsize=8, ncols=min(len(labels), 5), loc="upper left", bbox_to_anchor=(0, -0.3))
        return to_svg(fig)


def stacked(table: pd.DataFrame, dim: str, labels: list[str], groups: list[str], title: str) -> str:
    """Position shares of each group as one horizontal bar (the groups in the order given)."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7.5, 0.6 + 0.28 * len(groups)))
        left = np.zeros(len(groups))
        for label in labels:
            shares = table[table["position"] == label].set_index(dim).reindex(groups)["share"].fillna(0).to_numpy()
            ax.barh(range(len(groups)), shares, left=left, color=colour(labels, label), label=label, height=0.7)
            left += shares
        ax.set_yticks(range(len(groups)), groups)
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xlabel("share of sentences on topic")
        ax.set_title(title)
        ax.legend(frameon=False, fontsize=8, ncols=min(len(labels), 5), loc="upper left", bbox_to_anchor=(0, -0.12))
        return to_svg(fig)


def shifts(rows: pd.DataFrame, title: str) -> str:
    """One line per shift, from the share before to the share after, with the change's interval in the label."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7.5, 0.6 + 0.32 * len(rows)))
        for i, row in enumerate(rows.itertuples()):
            ax.plot([row.share_before, row.share_after], [i, i], color="#999999", linewidth=1.5, zorder=1)
            ax.scatter([row.share_before], [i], color="#bbbbbb", s=22, zorder=2)
            ax.scatter([row.share_after], [i], color="#e45756" if row.change < 0 else "#4c78a8", s=28, zorder=3)
        names = [f"{r.group}: {r.position}, {r.period_before} → {r.period_after}" for r in rows.itertuples()]
        ax.set_yticks(range(len(rows)), names)
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xlabel("share before (grey) and after (colour)")
        ax.set_title(title)
        return to_svg(fig)
