"""The pack as one self-contained HTML file: inline CSS, inline SVG charts, no network.

Every figure, rating, reason and significance word is a mart column, written with the one
display rule of ``display``; nothing is rated or tested here."""

from __future__ import annotations

from collections import Counter
from itertools import groupby
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from orchestration.pack import action_charts, charts, display
from orchestration.pack.comparisons import comparisons_view
from orchestration.pack.content import PackContent
from orchestration.reference import board_leads

TEMPLATES = Path(__file__).parent / "templates"
DIRECTIONS = {"↑": "up", "↓": "down", "↔": "no change"}
RAGS = ("red", "amber", "green", "grey")
# A reason longer than this would run a row past three lines: it goes to a numbered note
# under the table, and the row says which.
NOTE_AFTER = 110
SOURCE_NAMES = {
    "police_uk": "police.uk street crime and outcomes",
    "stats19": "DfT STATS19 road casualties",
    "victim_survey": "Victim survey",
    "csp": "Community Safety Partnership returns",
    "csew": "Crime Survey for England and Wales",
    "home_office_csp": "Home Office recorded crime (CSP)",
    "partner_return": "Partner returns",
}


# The mart's SPC columns in words (mart_metric_spc decides them; this only names them).
SPC_RULE_WORDS = {
    "beyond_limit": "a point beyond a process limit",
    "two_of_three": "two of three points near a process limit",
    "shift": "a run of points on one side of the centre line",
    "trend": "a run of points each rising or each falling",
}
SPC_CHART_WORDS = {
    "xmr": "XmR chart",
    "laney_p": "Laney p\u2032 chart (a percentage of varying denominators)",
    "laney_u": "Laney u\u2032 chart (a rate of a varying population)",
}


def spc_words(latest: dict) -> tuple[str, str]:
    """The variation and assurance verdicts of the chart's last month, as words."""
    month = f"{latest['month_start']:%b %Y}"
    if latest["variation"] == "suspect data":
        variation = f"Suspect data in {month}: check the source"
    elif latest["rule_fired"]:
        variation = (
            f"{latest['variation'].capitalize()}: {SPC_RULE_WORDS[latest['rule_fired']]} ({month})"
        )
    else:
        variation = f"Common cause: no signal in {month}"
    target = display.number(latest["target"]) if latest["target"] is not None else ""
    if latest["assurance"] == "hit and miss":
        assurance = f"Hit and miss: the target of {target} lies within the process limits"
    elif latest["assurance"]:
        assurance = f"{latest['assurance'].capitalize()} the target of {target}"
    else:
        assurance = "Not assessed: no numeric target"
    return variation, assurance


def spc_view(content: PackContent) -> list[dict]:
    """One entry per dashboard metric: its SPC chart and verdicts, or none (the pack lists
    those: fewer than 20 monthly figures, or restricted in the public edition)."""
    view = []
    for row in content.dashboard:
        chart_rows = content.spc.get(row["metric_id"])
        entry = {"metric_id": row["metric_id"], "metric_name": row["metric_name"]}
        if chart_rows:
            entry["variation"], entry["assurance"] = spc_words(chart_rows[-1])
            entry["chart_words"] = SPC_CHART_WORDS[chart_rows[-1]["chart_type"]]
            entry["svg"] = charts.spc(chart_rows, row["metric_name"])
        view.append(entry)
    return view


def figure_text(value, yes_no, count, unit) -> str:
    """'7.60 per 1,000 (8,639)': the value and the count beside it, each written as the
    mart's reasons write them (its period is printed on the line below)."""
    if yes_no:
        shown = yes_no
    elif value is None:
        return "-"
    elif unit == "rate_per_1000":
        shown = f"{display.number(value)} per 1,000"
    elif unit in ("percent", "proportion"):
        shown = f"{display.number(value)}%"
    else:
        shown = display.number(value)
    if count is not None and unit in ("rate_per_1000", "percent", "proportion"):
        shown += f" ({count:,.0f})"
    return shown


def significance_words(row: dict) -> str:
    """The mart's ``significance`` column, as it is (the same words in every format); a
    restricted metric's, withheld from the public edition, says so."""
    return row["significance"] if row["significance"] is not None else "restricted"


def lead_names() -> dict[str, str]:
    """Board lead key -> the person's name (seeds/board_leads.csv)."""
    return {lead["lead_key"]: lead["name"] for lead in board_leads()}


def dashboard_view(content: PackContent) -> tuple[list[dict], list[dict]]:
    """The dashboard rows as printed, and the notes holding reasons too long for a row."""
    rag_column, reason_column = content.rating_columns
    rows, notes = [], []
    for row in content.dashboard:
        view = dict(row)
        for side in ("baseline", "latest"):
            view[f"{side}_text"] = figure_text(
                row[f"{side}_value"],
                row[f"{side}_yes_no"],
                row[f"{side}_count"],
                row["unit"],
            )
        if row["data_status"] == "restricted" and content.public:
            view["baseline_text"] = view["latest_text"] = "restricted"
        view["rating"] = row[rag_column] or "grey"
        reason = row[reason_column] or ""
        # The board edition shows restricted ratings: each is marked, never silently public.
        view["restricted_mark"] = bool(row["restricted"]) and not content.public
        if len(reason) > NOTE_AFTER:
            notes.append({"number": len(notes) + 1, "metric": row["metric_name"], "text": reason})
            view["reason_text"], view["note"] = "", len(notes)
        else:
            view["reason_text"], view["note"] = reason, None
        view["direction_words"] = DIRECTIONS.get(row["direction"] or "", "not shown")
        view["significance_words"] = significance_words(row)
        points = content.trends.get(row["metric_id"])
        view["trend_svg"] = (
            charts.trend(points, content.baseline_fy, row["metric_name"])
            if points and len(points) > 1
            else '<span class="muted">no monthly series</span>'
        )
        rows.append(view)
    return rows, notes


def changes_since_last_board(content: PackContent) -> list[dict]:
    """Metrics whose rating differs from what the previous board saw (its snapshot)."""
    rag_column = content.rating_columns[0]
    changed = []
    for row in content.dashboard:
        before = content.previous.get(row["metric_id"])
        was = (before or {}).get(rag_column) or "not shown"
        now = row[rag_column] or "grey"
        if was != now:
            changed.append({"metric": row["metric_name"], "was": was, "now": now})
    return changed


def backtest_words(backtest: dict | None) -> str:
    """The back-test's figures (mart_projection_backtest, all metrics) as a sentence."""
    if not backtest or not backtest["projections_tested"]:
        return "No finished year has been projected yet: the intervals are not yet back-tested."
    return (
        f"Back-test: of {backtest['projections_tested']:,} projections made before a finished "
        f"year ended ({backtest['years_tested']:,} metric-years, {backtest['first_fy']} to "
        f"{backtest['last_fy']}), the year's final figure fell inside the 80% interval "
        f"{backtest['coverage_80']:.0%} of the time and inside the 95% interval "
        f"{backtest['coverage_95']:.0%}."
    )


def render_html(
    content: PackContent,
    pages: dict[str, int] | None = None,
    shown: dict[str, Any] | None = None,
) -> str:
    """The pack's HTML; ``pages`` (section id -> page) numbers the contents once printed.
    ``shown``: the pack's `shown_values`, when already worked out for this content (the pack is
    printed twice, the second time only to number its contents)."""
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"])
    )
    values = shown if shown is not None else shown_values(content)
    return environment.get_template("pack.html.j2").render(**values, pages=pages or {})


def shown_values(content: PackContent) -> dict[str, Any]:
    """What the pack's template shows of ``content``, every chart drawn: all of the page but
    its contents' page numbers. Drawing the charts (the funnel plots, SPC, peers) is most of
    a render's time, 3.7 s of a 13.6 s pack."""
    rows, notes = dashboard_view(content)
    by_strategy = [(k, list(g)) for k, g in groupby(rows, key=lambda r: r["delivery_strategy"])]
    counts = Counter(r["rating"] for r in rows)
    csp_table = [
        {**r, "crimes_text": f"{r['crimes']:,}",
         "year_ago_text": "-" if r["year_ago"] is None else f"{r['year_ago']:,}",
         "change_text": "-" if r["change"] is None else f"{r['change']:+,}",
         "change_pct_text": "-" if r["change_pct"] is None else f"{r['change_pct']:+.1f}%"}
        for r in content.csp_table
    ]  # fmt: skip
    npa_periods = npa_view(content)
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
                "peer_mean": "-" if peer_mean is None else f"{display.number(peer_mean)}%",
                "position": f"{home['peer_rank']} of {home['group_size']}" if home else "-",
            }
        )
    leads = lead_names()
    readiness = [{**r, "owner_name": leads.get(r["owner"], r["owner"])} for r in content.readiness]
    baseline_label = content.dashboard[0]["baseline_period"] if content.dashboard else ""
    # The outcome metrics' follow-up, as the mart states it (absent from older snapshots).
    follow_up = next(
        (
            r["outcome_follow_up_months"]
            for r in content.dashboard
            if r.get("outcome_follow_up_months")
        ),
        None,
    )
    edition = (
        "Public edition: restricted figures are withheld"
        if content.public
        else "Board edition: includes restricted figures, not for publication"
    )
    return dict(
        title=f"Police and Crime Plan delivery dashboard, {content.quarter}",
        edition=edition,
        public=content.public,
        follow_up=follow_up,
        quarter=content.quarter,
        board_date=content.board_date,
        snapshot=content.snapshot,
        held_board=content.held_board,
        built_at=content.built_at,
        vintage=[
            {**v, "source_name": SOURCE_NAMES.get(v["source"], v["source"])}
            for v in content.vintage
        ],
        rag_counts=[(rag, counts.get(rag, 0)) for rag in RAGS],
        metric_count=len(rows),
        previous_board=content.previous_board,
        changes=changes_since_last_board(content) if content.previous_board else [],
        baseline_label=baseline_label if "/" in (baseline_label or "") else "2024/25",
        by_strategy=by_strategy,
        notes=notes,
        csp_table=csp_table,
        npa_periods=npa_periods,
        npa_approximate=any(r["mapping_is_approximation"] for r in content.npa_table),
        npa_unrated={
            r["npa_name"]: r["rate_note"]
            for r in content.npa_table
            if r["member_type"] == "npa" and not r["rate_comparable"]
        },
        long_term_svg=charts.long_term(content.long_term) if content.long_term else "",
        csew=csew,
        readiness=readiness,
        projection=content.projection,
        backtest=backtest_words(content.projection_backtest),
        spc=spc_view(content),
        comparisons=comparisons_view(content),
        **actions_view(content, rows),
    )


def npa_text(row: dict) -> dict:
    """One NPA row's cells as printed (HTML and PDF alike): counts with thousands separators,
    the change signed, the percentage blank where the mart leaves it blank (small numbers)."""
    return {
        "crimes": f"{row['crime_count']:,}",
        "year_ago": "-"
        if row["year_ago_crime_count"] is None
        else f"{row['year_ago_crime_count']:,}",
        "change": "-" if row["change_count"] is None else f"{row['change_count']:+,}",
        "change_pct": "-" if row["pct_change"] is None else f"{row['pct_change']:+.1f}%",
        "significance": row["significance"],
    }


def npa_view(content: PackContent) -> list[dict]:
    """mart_npa_crime's rows grouped by period (the quarter, then its last month)."""
    return [
        {
            "period_type": period_type,
            "label": rows[0]["period_label"],
            "year_ago_label": rows[0]["year_ago_period_label"],
            "rows": [{**row, **npa_text(row)} for row in rows],
        }
        for period_type, group in groupby(content.npa_table, key=lambda r: r["period_type"])
        for rows in [list(group)]
    ]


def actions_view(content: PackContent, rows: list[dict]) -> dict:
    """The delivery actions' chart and, per dashboard metric (with its rating as printed),
    the actions meant to move it."""
    if content.actions is None:
        return {"actions": None, "actions_chart": "", "metric_actions": []}
    return {
        "actions": content.actions,
        "actions_chart": action_charts.progress_by_strategy(content.actions.by_strategy),
        "metric_actions": [
            {
                "metric_name": row["metric_name"],
                "rating": row["rating"],
                "actions": content.actions.by_metric.get(row["metric_id"], []),
            }
            for row in rows
        ],
    }
