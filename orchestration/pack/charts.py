"""Charts drawn offline with matplotlib as inline SVG, each with a text alternative."""

from __future__ import annotations

import io
from datetime import date
from html import escape
from math import nan

import matplotlib

matplotlib.use("Agg")  # no screen: draw to memory
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import matplotlib.ticker as mticker

plt.rcParams["svg.fonttype"] = "none"  # text stays text: searchable, and small
plt.rcParams["svg.hashsalt"] = "pcp"  # the same chart gives the same bytes


def _svg(figure, title: str, description: str) -> str:
    buffer = io.StringIO()
    # No creation date in the SVG's metadata: with the hash salt, the same chart is the same
    # bytes whenever it is drawn (a pack printed twice, two builds of the same data).
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    accessible = f'<svg role="img" aria-label="{escape(title)}"'
    return svg.replace("<svg", accessible, 1).replace(
        ">", f"><title>{escape(title)}</title><desc>{escape(description)}</desc>", 1
    )


def trend(points: list[tuple[date, float]], baseline: tuple[date, date] | None, name: str) -> str:
    dates = [d for d, _ in points]
    values = [v for _, v in points]
    # Three text lines tall: a dashboard row stays within three lines.
    figure, axes = plt.subplots(figsize=(1.9, 0.42), dpi=96)
    if baseline:
        axes.axvspan(baseline[0], baseline[1], color="#e6e6e6", label="baseline year")
    axes.plot(dates, values, color="#1f3b73", linewidth=1.2)
    axes.set_xticks([])
    axes.tick_params(axis="y", labelsize=5, length=2, pad=1)
    axes.locator_params(axis="y", nbins=2)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    low, high = min(values), max(values)
    description = (
        f"{len(points)} points from {dates[0]:%b %Y} to {dates[-1]:%b %Y}; lowest "
        f"{low:,.4g}, highest {high:,.4g}, latest {values[-1]:,.4g}. The shaded band is the "
        "baseline financial year."
    )
    return _svg(figure, f"Trend: {name}", description)


def long_term(rows: list[dict]) -> str:
    labels = [r["fy_label"] for r in rows]
    values = [r["recorded_crime"] for r in rows]
    figure, axes = plt.subplots(figsize=(6.5, 2.4), dpi=96)
    axes.bar(labels, values, color="#1f3b73")
    axes.set_ylabel("recorded crime", fontsize=8)
    axes.tick_params(labelsize=7)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    description = "; ".join(
        f"{label}: {value:,}" for label, value in zip(labels, values, strict=True)
    )
    return _svg(figure, "Total recorded crime by financial year", description)


def peers(rows: list[dict], name: str) -> str:
    rows = sorted(rows, key=lambda r: r["estimate"])
    figure, axes = plt.subplots(figsize=(4.2, 0.3 + 0.22 * len(rows)), dpi=96)
    for i, row in enumerate(rows):
        colour = "#b5121b" if row["is_home_force"] else "#1f3b73"
        spread = [[row["estimate"] - row["ci_lower"]], [row["ci_upper"] - row["estimate"]]]
        axes.errorbar(row["estimate"], i, xerr=spread, fmt="o", color=colour, markersize=3)
    axes.set_yticks(range(len(rows)), [r["force_name"] for r in rows], fontsize=7)
    axes.tick_params(axis="x", labelsize=7)
    axes.set_xlabel("% (95% interval)", fontsize=7)
    description = "; ".join(
        f"{r['force_name']}: {r['estimate']:.1f}% ({r['ci_lower']:.1f}-{r['ci_upper']:.1f})"
        for r in rows
    )
    return _svg(figure, f"{name}: the force and its peer forces", description)


# Making Data Count's colours, each with its own marker shape so no signal is told by colour
# alone: concern an orange circle, improvement a blue square, suspect data a black cross.
SPC_MARKS = {
    "special cause concern": ("o", "#e46c0a", "special cause concern"),
    "special cause improvement": ("s", "#2f6eba", "special cause improvement"),
    "suspect data": ("X", "#000000", "suspect data (not part of the limits)"),
}


def spc(rows: list[dict], name: str) -> str:
    """A small SPC chart from mart_metric_spc rows: the months, the centre line, the process
    limits (dashed) and each month's signal marked as the mart says."""
    dates = [r["month_start"] for r in rows]
    values = [r["value"] for r in rows]
    figure, axes = plt.subplots(figsize=(4.6, 1.25), dpi=96)
    axes.plot(dates, values, color="#7f7f7f", linewidth=0.9, marker="o", markersize=1.8)
    axes.plot(dates, [r["centre"] for r in rows], color="#1a1a1a", linewidth=0.8)
    for limit in ("upper_limit", "lower_limit"):
        # A suspect month has no limits of its own: a gap in the line.
        line = [nan if r[limit] is None else r[limit] for r in rows]
        axes.plot(dates, line, color="#1f3b73", linewidth=0.8, linestyle="--")
    marked = []
    for variation, (marker, colour, words) in SPC_MARKS.items():
        points = [(r["month_start"], r["value"]) for r in rows if r["variation"] == variation]
        if points:
            axes.scatter(
                [d for d, _ in points], [v for _, v in points], marker=marker, s=14,
                color=colour, zorder=3, label=words,
            )  # fmt: skip
            marked.append(f"{len(points)} month(s) of {words}")
    axes.tick_params(labelsize=6.5, length=2, pad=1)
    axes.locator_params(axis="y", nbins=3)
    axes.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=2, maxticks=4))
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%b %y"))
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    last = [r for r in rows if r["upper_limit"] is not None][-1]
    description = (
        f"{len(rows)} months from {dates[0]:%b %Y} to {dates[-1]:%b %Y}; centre "
        f"{last['centre']:,.4g}, process limits {last['lower_limit']:,.4g} to "
        f"{last['upper_limit']:,.4g} (dashed); "
        + ("; ".join(marked) if marked else "no special cause")
        + "."
    )
    return _svg(figure, f"SPC chart: {name}", description)


class PlainLogFormatter(mticker.LogFormatter):
    """A log axis's labels as plain numbers ("200,000"), on the ticks matplotlib would label.
    Its default writes powers of ten ("2 x 10^5") through its maths-text parser, which a board
    reads less easily and which was half the time of drawing a pack's funnel plots."""

    def __call__(self, x, pos=None):
        if not super().__call__(x, pos):
            return ""
        return f"{x:,.0f}" if x >= 1 else f"{x:g}"


def funnel(units: list[dict], limits: list[dict], title: str, value_words: str) -> str:
    """A funnel plot from the marts: each unit's value against its denominator (log scale),
    the group's target, and its 95% (dashed) and 99.8% (solid) limits after the group's
    over-dispersion adjustment (mart_funnel_limits); home units in red and named."""
    figure, axes = plt.subplots(figsize=(6.4, 2.5), dpi=96)
    x = [r["denominator"] for r in limits]
    axes.plot(x, [r["target_value"] for r in limits], color="#1a1a1a", linewidth=0.9)
    for column, style in (("95_adjusted", "--"), ("99_8_adjusted", "-")):
        for side in ("lower", "upper"):
            axes.plot(
                x, [r[f"{side}_{column}"] for r in limits], color="#1f3b73", linewidth=0.8,
                linestyle=style,
            )  # fmt: skip
    others = [r for r in units if not r["is_home"]]
    home = [r for r in units if r["is_home"]]
    axes.scatter(
        [r["denominator"] for r in others], [r["value"] for r in others], s=6,
        color="#9e9e9e", zorder=2,
    )  # fmt: skip
    axes.scatter(
        [r["denominator"] for r in home], [r["value"] for r in home], s=16, marker="D",
        color="#b5121b", zorder=3,
    )  # fmt: skip
    # Named when few enough to read; among hundreds of units the table names them.
    for row in home if len(units) <= 15 else []:
        axes.annotate(
            row["unit_name"], (row["denominator"], row["value"]), fontsize=5.5,
            xytext=(3, 2), textcoords="offset points", color="#b5121b",
        )  # fmt: skip
    axes.set_xscale("log")
    axes.xaxis.set_major_formatter(PlainLogFormatter())
    axes.xaxis.set_minor_formatter(PlainLogFormatter(labelOnlyBase=False))
    axes.set_xlabel(units[0]["denominator_words"], fontsize=7)
    axes.set_ylabel(value_words, fontsize=7)
    # Both: a log axis labels some minor ticks too (a range under a decade), at the same size.
    axes.tick_params(which="both", labelsize=6.5, length=2, pad=1)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    outside = sum(1 for r in units if r["verdict"] != "within")
    description = (
        f"{len(units)} units; target {units[0]['target_value']:,.4g}; {outside} outside the "
        "95% limits; home units: "
        + "; ".join(f"{r['unit_name']} {r['value']:,.4g} ({r['verdict_words']})" for r in home)
        + "."
    )
    return _svg(figure, title, description)
