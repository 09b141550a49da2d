"""The pack's funnel-plot section, laid out from mart rows: one chart and table per metric for
a comparison with one group (peer forces, all CSPs, NPAs), one table per metric of the home
units for a comparison with a group per home unit (CSP families). Every figure, verdict and
rank is a mart column; this only groups, orders and names them."""

from __future__ import annotations

from itertools import groupby

from orchestration.pack import charts, display
from orchestration.pack.content import PackContent

COMPARISON_TITLES = {
    "peer_forces": "The force against its peer forces",
    "all_csps": "Each Community Safety Partnership against all CSPs of England and Wales",
    "csp_family": "Each Community Safety Partnership against its family of similar CSPs",
    "npas": "Neighbourhood policing areas against the force",
}
COMPARISON_ORDER = ("peer_forces", "all_csps", "csp_family", "npas")
VERDICT_WORDS = {
    "above_99_8": "above the 99.8% limit",
    "above_95": "above the 95% limit",
    "within": "within the limits",
    "below_95": "below the 95% limit",
    "below_99_8": "below the 99.8% limit",
}
ADJUSTMENT_WORDS = {
    "none": "not over-dispersed: limits from chance alone",
    "additive": "over-dispersed: limits widened by the between-unit variance (random effects)",
    "multiplicative": "over-dispersed: limits widened by the over-dispersion factor",
}
# A group this small is printed whole; a larger one shows its home units only.
WHOLE_GROUP_UP_TO = 15


def value_words(row: dict) -> str:
    return "per 1,000 residents" if row["measure_kind"] == "rate" else "%"


def table_row(row: dict) -> dict:
    """A unit's printed cells: the mart's columns written with the pack's one number rule."""
    return {
        **row,
        "count_text": f"{row['numerator']:,}",
        "denominator_text": f"{row['denominator']:,.0f}",
        "value_text": display.number(row["value"]),
        "verdict_words": VERDICT_WORDS[row["verdict"]],
        "rank_text": f"{row['rank_in_group']} of {row['units_in_group']}",
        "rank_interval_text": f"{row['rank_best']}-{row['rank_worst']}",
    }


def comparisons_view(content: PackContent, draw: bool = True) -> list[dict]:
    """Each comparison present, in a fixed order, with its blocks (a chart and table per
    group and metric, or a table of home units per metric); ``draw`` False leaves the charts
    out (the workbook prints the tables only)."""
    limits = {
        key: list(rows)
        for key, rows in groupby(
            content.funnel_limits, key=lambda r: (r["comparison"], r["group_code"], r["metric_id"])
        )
    }
    by_comparison: dict[str, list[dict]] = {}
    for row in content.comparisons:
        words = "residents" if row["measure_kind"] == "rate" else "cases"
        by_comparison.setdefault(row["comparison"], []).append(
            {**table_row(row), "denominator_words": words}
        )
    view = []
    for comparison in sorted(by_comparison, key=lambda c: (*COMPARISON_ORDER, c).index(c)):
        rows = by_comparison[comparison]
        groups = {r["group_code"] for r in rows}
        blocks = []
        if len(groups) == 1:
            for (group, metric_id), units in groupby(
                rows, key=lambda r: (r["group_code"], r["metric_id"])
            ):
                units = list(units)
                first = units[0]
                shown = units if len(units) <= WHOLE_GROUP_UP_TO else [
                    u for u in units if u["is_home"]
                ]  # fmt: skip
                curve = limits.get((comparison, group, metric_id), [])
                blocks.append(
                    {
                        "metric_id": metric_id,
                        "metric_name": first["metric_name"],
                        "group_name": first["group_name"],
                        "units_in_group": first["units_in_group"],
                        "target_text": display.number(first["target_value"]),
                        "value_words": value_words(first),
                        "adjustment_words": ADJUSTMENT_WORDS[first["overdispersion_adjustment"]],
                        "whole": len(shown) == len(units),
                        "rows": shown,
                        "svg": charts.funnel(
                            units, curve, f"Funnel plot: {first['metric_name']}",
                            value_words(first),
                        ) if curve and draw else "",
                    }
                )  # fmt: skip
        else:
            home = sorted(
                (r for r in rows if r["is_home"] and r["unit_code"] == r["group_code"]),
                key=lambda r: (r["metric_id"], r["unit_name"]),
            )
            for metric_id, units in groupby(home, key=lambda r: r["metric_id"]):
                units = list(units)
                blocks.append(
                    {
                        "metric_id": metric_id,
                        "metric_name": units[0]["metric_name"],
                        "value_words": value_words(units[0]),
                        "rows": units,
                    }
                )
        view.append(
            {
                "comparison": comparison,
                "title": COMPARISON_TITLES.get(comparison, comparison),
                "per_group": len(groups) == 1,
                "period_label": rows[0]["period_label"],
                "blocks": blocks,
            }
        )
    return view
