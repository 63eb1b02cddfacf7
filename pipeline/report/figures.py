"""The report's plots, drawn with matplotlib (Agg) as inline SVG strings.

SVG keeps text as text (searchable, sharp at any zoom) and needs no file beside
the report. Dates and random ids are fixed so the same numbers draw the same
bytes.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

STYLE = {"svg.fonttype": "none", "svg.hashsalt": "stance-report", "font.size": 9, "axes.spines.top": False}


def to_svg(fig) -> str:
    """The figure as an <svg> element (no XML prolog, so it can sit inside HTML)."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def confusion(matrix: np.ndarray, labels: list[str], title: str) -> str:
    """Counts in every cell; rows are gold labels, columns predictions."""
    with plt.rc_context(STYLE):
        size = 1.0 + 0.55 * len(labels)
        fig, ax = plt.subplots(figsize=(size + 0.6, size))
        ax.imshow(matrix, cmap="Blues")
        top = matrix.max() if matrix.size else 0
        for (i, j), count in np.ndenumerate(matrix):
            ax.text(j, i, str(int(count)), ha="center", va="center", color="white" if count > top / 2 else "black")
        ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
        ax.set_yticks(range(len(labels)), labels)
        ax.set_xlabel("predicted")
        ax.set_ylabel("gold")
        ax.set_title(title)
        return to_svg(fig)


def reliability(tables: dict[str, pd.DataFrame], eces: dict[str, float]) -> str:
    """Accuracy against mean confidence per bin, one panel per target; the diagonal is perfect calibration."""
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, len(tables), figsize=(3.0 * len(tables), 3.1), squeeze=False, sharey=True)
        for ax, (target, table) in zip(axes[0], tables.items(), strict=True):
            ax.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=1)
            ax.bar(
                table["bin_low"],
                table["accuracy"],
                width=table["bin_high"] - table["bin_low"],
                align="edge",
                color="#4c78a8",
                edgecolor="white",
                alpha=0.85,
                label="accuracy",
            )
            ax.plot(table["confidence"], table["accuracy"], "o", color="#e45756", markersize=3, label="bin mean")
            ax.set_xlim(0, 1)
            ax.set_ylim(0, 1)
            ax.set_title(f"{target} (ECE {eces[target]:.3f})")
            ax.set_xlabel("confidence")
        axes[0][0].set_ylabel("accuracy")
        return to_svg(fig)


def learning_curve(table: pd.DataFrame, targets: list[str]) -> str:
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(5.2, 3.2))
        ax.plot(table["statements"], table["mean_stance_f1"], "o-", color="black", linewidth=2, label="mean")
        for target in targets:
            column = f"{target}_stance_f1"
            if column in table.columns:
                ax.plot(table["statements"], table[column], "o--", linewidth=1, markersize=3, label=target)
        ax.set_xlabel("training statements")
        ax.set_ylabel("stance-F1 on the test split")
        ax.set_ylim(0, 1)
        ax.legend(frameon=False, fontsize=8)
        return to_svg(fig)


def adaptation(table: pd.DataFrame) -> str:
    """Mean stance-F1 against labels added: labels chosen by `stance suggest` and at random (mean of repeats)."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(5.2, 3.2))
        start = table[table["strategy"] == "none"]
        for strategy, colour in (("suggest", "#e45756"), ("random", "#4c78a8")):
            part = pd.concat([start, table[table["strategy"] == strategy]])
            curve = part.groupby("labels_added")[["mean_stance_f1", "ci_low", "ci_high"]].mean()
            ax.plot(curve.index, curve["mean_stance_f1"], "o-", color=colour, label=strategy, linewidth=2)
            ax.fill_between(curve.index, curve["ci_low"], curve["ci_high"], color=colour, alpha=0.12, linewidth=0)
        ax.set_xlabel("labeled sentences added from the new outlets")
        ax.set_ylabel("mean stance-F1 on their other pages")
        ax.legend(frameon=False, fontsize=8)
        return to_svg(fig)
