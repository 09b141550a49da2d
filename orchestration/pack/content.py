"""What a pack holds, read from the published marts; the public pack with restricted figures
removed here, once, so no renderer can leak them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

RESTRICTED = "restricted"
# Dashboard columns that carry a restricted metric's figures (blanked in the public pack).
FIGURE_COLUMNS = (
    "baseline_value",
    "baseline_yes_no",
    "baseline_count",
    "baseline_denominator",
    "latest_value",
    "latest_yes_no",
    "latest_count",
    "latest_denominator",
    "abs_change",
    "pct_change",
    "direction",
    "rate_ratio",
    "rate_ratio_ci_lower",
    "rate_ratio_ci_upper",
    "z",
    "p",
    "rag_internal",
    "rag_internal_reason",
    "baseline_ci_lower",
    "baseline_ci_upper",
    "latest_ci_lower",
    "latest_ci_upper",
    "phi",
    "peer_mean",
    "force_position",
    "significance",
    "target_met",
    "test_used",
    "latest_exposure",
    "baseline_exposure",
    "latest_population",
    "baseline_population",
)
WORKBOOK_COLUMNS = (
    "reporting_quarter",
    "ref_number",
    "delivery_strategy",
    "metric_name",
    "target_expectation",
    "baseline_period",
    "baseline_value",
    "baseline_yes_no",
    "baseline_count",
    "latest_period",
    "latest_value",
    "latest_yes_no",
    "latest_count",
    "abs_change",
    "pct_change",
    "direction",
    "significance",
    "p",
    "rag",
    "rag_reason",
    "data_status",
    "restricted",
    "peer_mean",
    "force_position",
)


@dataclass
class PackContent:
    quarter: str
    public: bool
    dashboard: list[dict] = field(default_factory=list)
    trends: dict[str, list[tuple[date, float]]] = field(default_factory=dict)
    baseline_fy: tuple[date, date] | None = None
    csp_table: list[dict] = field(default_factory=list)
    long_term: list[dict] = field(default_factory=list)
    csew: dict[str, list[dict]] = field(default_factory=dict)
    readiness: list[dict] = field(default_factory=list)
    board_date: date | None = None


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def read_content(published: Path, quarter: str, public: bool) -> PackContent:
    with duckdb.connect(str(published), read_only=True) as con:
        content = PackContent(quarter, public)
        content.dashboard = _rows(
            con,
            "select * from mart_delivery_dashboard where reporting_quarter = ? "
            "order by display_order",
            [quarter],
        )
        if not content.dashboard:
            raise LookupError(f"no dashboard rows for {quarter} in {published}")
        quarter_end = content.dashboard[0]["reporting_quarter_end"]
        bounds = con.execute(
            "select min(fy_start), max(fy_end) from dim_month where fy_label = "
            "(select any_value(baseline_period) from mart_delivery_dashboard where "
            "baseline_period_type = 'FY' and reporting_quarter = ?)",
            [quarter],
        ).fetchone()
        # No baseline year in the warehouse yet (a short history): no shaded band.
        content.baseline_fy = bounds if bounds and bounds[0] else None
        # 36 months of each monthly metric, force-wide; quarterly sources by quarter.
        for metric_id, period_end, value in con.execute(
            """
            select f.metric_id, f.period_end, f.value
            from fct_metric_period f
            join dim_area a on a.area_code = f.area_code and a.area_type = 'force'
            where f.value is not null and f.period_end <= ?
              and f.period_end > ? - interval 36 month
              and f.period_type = case when f.source = 'home_office_csp' then 'quarter'
                                       else 'month' end
            order by f.metric_id, f.period_end
            """,
            [quarter_end, quarter_end],
        ).fetchall():
            content.trends.setdefault(metric_id, []).append((period_end, value))
        content.csp_table = _rows(
            con,
            """
            select csp_name, sum(crime_count) as crimes, sum(year_ago_crime_count) as year_ago,
                   sum(crime_count) - sum(year_ago_crime_count) as change,
                   case when sum(year_ago_crime_count) >= 10 then 100.0 * (sum(crime_count)
                        - sum(year_ago_crime_count)) / sum(year_ago_crime_count) end as change_pct
            from mart_csp_crime
            where period_type = 'quarter' and period_label = ?
              and crime_type <> 'Anti-social behaviour'
            group by csp_name order by csp_name
            """,
            [quarter],
        )
        content.long_term = _rows(
            con, "select * from mart_long_term_trend where is_complete order by fy_start"
        )
        for row in _rows(
            con,
            "select * from mart_csew_peers where period_end = (select max(period_end) from "
            "mart_csew_peers where period_end <= ?) order by metric_id, peer_rank",
            [quarter_end],
        ):
            content.csew.setdefault(row["metric_id"], []).append(row)
        if _has(con, "mart_board_readiness"):
            # Readiness is kept for every day up to the board: the pack shows the latest day
            # that has come (the board date once it has passed).
            latest = (
                "(select max(as_of) from mart_board_readiness "
                "where reporting_quarter = ? and as_of <= current_date)"
            )
            content.readiness = _rows(
                con,
                f"select * from mart_board_readiness where reporting_quarter = ? "
                f"and as_of = {latest} "
                "and status not in ('ready', 'restricted') order by owner, metric_id",
                [quarter, quarter],
            )
            content.board_date = con.execute(
                "select any_value(board_date) from mart_board_readiness "
                "where reporting_quarter = ?",
                [quarter],
            ).fetchone()[0]
    return redact(content) if public else content


def _has(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return (
        con.execute(
            "select count(*) from duckdb_tables() where table_name = ?", [table]
        ).fetchone()[0]
        > 0
    )


def redact(content: PackContent) -> PackContent:
    """The public pack: a restricted metric keeps its name and 'restricted', nothing else."""
    restricted = {row["metric_id"] for row in content.dashboard if row["restricted"]}
    for row in content.dashboard:
        if row["metric_id"] in restricted:
            for column in FIGURE_COLUMNS:
                row[column] = None
            row["rag"], row["rag_reason"] = "grey", "Restricted: not published."
            row["data_status"] = RESTRICTED
    for metric_id in restricted:
        content.trends.pop(metric_id, None)
        content.csew.pop(metric_id, None)
    content.readiness = [r for r in content.readiness if r["metric_id"] not in restricted]
    return content
