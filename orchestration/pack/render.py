"""The pack as one self-contained HTML file: inline CSS, inline SVG charts, no network."""

from __future__ import annotations

from itertools import groupby
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from orchestration.pack import charts
from orchestration.pack.content import PackContent

TEMPLATES = Path(__file__).parent / "templates"
DIRECTIONS = {"↑": "up", "↓": "down", "↔": "no change"}


def figure_text(value, yes_no, count, period, unit) -> str:
    """'7.60 per 1,000 (8,639), R12 to 2025-06': the value, the count beside it, its period."""
    if yes_no:
        shown = yes_no
    elif value is None:
        return "-"
    elif unit == "rate_per_1000":
        shown = f"{value:,.2f} per 1,000" if value >= 0.1 else f"{value:.2g} per 1,000"
    elif unit == "percent":
        shown = f"{value:.1f}%"
    else:
        shown = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    if count is not None and unit in ("rate_per_1000", "percent"):
        shown += f" ({count:,.0f})"
    return f"{shown}, {period}" if period else shown


def significance_words(row: dict) -> str:
    if row["p"] is None:
        return "not tested"
    if row["rag"] == "grey":  # tested, but too few events or responses to judge
        return "not judged (small numbers)"
    if row["p"] < 0.05:
        return f"a real change (p = {row['p']:.2g})"
    return f"within expected variation (p = {row['p']:.2g})"


def render_html(content: PackContent) -> str:
    rows = []
    for row in content.dashboard:
        view = dict(row)
        for side in ("baseline", "latest"):
            view[f"{side}_text"] = figure_text(
                row[f"{side}_value"],
                row[f"{side}_yes_no"],
                row[f"{side}_count"],
                row[f"{side}_period"],
                row["unit"],
            )
        if row["data_status"] == "restricted" and content.public:
            view["baseline_text"] = view["latest_text"] = "restricted"
        if not content.public and row["restricted"]:
            # The board sees the judgement the public edition withholds, marked as restricted.
            view["rag"] = row["rag_internal"]
            view["rag_reason"] = f"(Restricted: not for publication.) {row['rag_internal_reason']}"
        view["direction_words"] = DIRECTIONS.get(row["direction"] or "", "not shown")
        view["significance_words"] = significance_words(row)
        points = content.trends.get(row["metric_id"])
        view["trend_svg"] = (
            charts.trend(points, content.baseline_fy, row["metric_name"])
            if points and len(points) > 1
            else '<span class="muted">no monthly series</span>'
        )
        rows.append(view)
    by_strategy = [(k, list(g)) for k, g in groupby(rows, key=lambda r: r["delivery_strategy"])]
    csp_table = [
        {**r, "crimes_text": f"{r['crimes']:,}",
         "year_ago_text": "-" if r["year_ago"] is None else f"{r['year_ago']:,}",
         "change_text": "-" if r["change"] is None else f"{r['change']:+,}",
         "change_pct_text": "-" if r["change_pct"] is None else f"{r['change_pct']:+.1f}%"}
        for r in content.csp_table
    ]  # fmt: skip
    names = {r["metric_id"]: r["metric_name"] for r in content.dashboard}
    # The peer mean is the dashboard mart's column (one rule, in dbt), never worked out here.
    peer_means = {r["metric_id"]: r["peer_mean"] for r in content.dashboard}
    csew = []
    for metric_id, group in content.csew.items():
        home = next((r for r in group if r["is_home_force"]), None)
        peer_mean = peer_means.get(metric_id)
        csew.append(
            {
                "name": names.get(metric_id, metric_id),
                "svg": charts.peers(group, names.get(metric_id, metric_id)),
                "peer_mean": "-" if peer_mean is None else f"{peer_mean:.1f}%",
                "position": f"{home['peer_rank']} of {home['group_size']}" if home else "-",
            }
        )
    baseline_label = content.dashboard[0]["baseline_period"] if content.dashboard else ""
    edition = (
        "Public edition: restricted figures are withheld"
        if content.public
        else ("Board edition: includes restricted figures, not for publication")
    )
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"])
    )
    return environment.get_template("pack.html.j2").render(
        title=f"Police and Crime Plan delivery dashboard, {content.quarter}",
        edition=edition,
        quarter=content.quarter,
        board_date=content.board_date,
        baseline_label=baseline_label if "/" in (baseline_label or "") else "2024/25",
        by_strategy=by_strategy,
        csp_table=csp_table,
        long_term_svg=charts.long_term(content.long_term) if content.long_term else "",
        csew=csew,
        readiness=content.readiness,
    )
