"""What a pack holds, read from the published marts; the public pack with restricted figures
removed here, once, so no renderer can leak them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from orchestration.pack.actions import ActionsContent, read_actions

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
    "p_binomial",
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
    # Where the figures come from: the frozen snapshot of a board already held (what it
    # saw), or None for today's marts (`pcp pack --live`, or no board held yet).
    snapshot: dict | None = None
    # With --live, the board already held (if any) whose snapshot is not shown.
    held_board: dict | None = None
    # Data vintage for the cover: the latest month each source had reached, and when the
    # figures were built.
    vintage: list[dict] = field(default_factory=list)
    built_at: datetime | None = None
    # The previous board's frozen rows (metric_id -> row) and its date, for "what changed".
    previous: dict[str, dict] = field(default_factory=dict)
    previous_board: date | None = None
    # The metric catalogue as the marts hold it (dim_metric), for the workbook's definitions.
    definitions: list[dict] = field(default_factory=list)
    # The year-end projection of each dashboard metric (mart_metric_projection), made as of
    # the latest month of the quarter's financial year up to the quarter end, and the
    # back-test of all finished years (mart_projection_backtest, all metrics together).
    projection: list[dict] = field(default_factory=list)
    projection_backtest: dict | None = None
    # SPC charts (mart_metric_spc): metric_id -> its months to the quarter end, oldest first.
    spc: dict[str, list[dict]] = field(default_factory=dict)
    # The delivery action tracker for the quarter's board (None before the tracker has one).
    actions: ActionsContent | None = None
    # Funnel-plot comparisons of the 12 months to the quarter end (mart_peer_comparison and
    # mart_area_comparison rows, every comparison present) and their limit curves
    # (mart_funnel_limits), each as the marts hold them.
    comparisons: list[dict] = field(default_factory=list)
    funnel_limits: list[dict] = field(default_factory=list)

    @property
    def rating_columns(self) -> tuple[str, str]:
        """The board sees every metric's rating (restricted ones too, marked as such); the
        public edition the published rating. Both are mart columns: nothing is re-rated."""
        return ("rag", "rag_reason") if self.public else ("rag_internal", "rag_internal_reason")


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def read_content(published: Path, quarter: str, public: bool, live: bool = False) -> PackContent:
    """The quarter's pack. Once its board has been held the pack shows what that board saw
    (its frozen snapshot) unless ``live`` asks for today's figures."""
    with duckdb.connect(str(published), read_only=True) as con:
        content = PackContent(quarter, public)
        held = _board_snapshot(con, quarter)
        content.snapshot, content.held_board = (held, None) if not live else (None, held)
        if content.snapshot:
            content.dashboard = _rows(
                con,
                "select * from snapshots.board_dashboard where snapshot_name = ? "
                "order by display_order",
                [content.snapshot["snapshot_name"]],
            )
            content.vintage = _rows(
                con,
                "select source, latest_month, required_period_end "
                "from snapshots.board_snapshot_sources where snapshot_name = ? order by source",
                [content.snapshot["snapshot_name"]],
            )
            content.built_at = content.snapshot["built_at"]
        else:
            content.dashboard = _rows(
                con,
                "select * from mart_delivery_dashboard where reporting_quarter = ? "
                "order by display_order",
                [quarter],
            )
            if _has(con, "mart_board_source_status"):
                content.vintage = _rows(
                    con,
                    "select source, latest_month, required_period_end "
                    "from mart_board_source_status where reporting_quarter = ? "
                    "and board_date = (select max(board_date) from mart_board_source_status "
                    "where reporting_quarter = ?) order by source",
                    [quarter, quarter],
                )
            # The published file is written whole and swapped in at the end of a refresh:
            # its time is when these figures were built.
            content.built_at = datetime.fromtimestamp(published.stat().st_mtime, UTC)
        if not content.dashboard:
            raise LookupError(f"no dashboard rows for {quarter} in {published}")
        content.previous_board, content.previous = _previous_board(
            con, content.dashboard[0]["reporting_quarter_end"]
        )
        content.definitions = _rows(con, "select * from dim_metric order by display_order")
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
        if _has(con, "mart_metric_spc"):
            # The chart as the marts hold it now, to the quarter's end: its verdicts are those
            # of the last month shown.
            for row in _rows(
                con,
                "select * from mart_metric_spc where month_start <= ? "
                "order by metric_id, month_start",
                [quarter_end],
            ):
                content.spc.setdefault(row["metric_id"], []).append(row)
        content.csp_table = _rows(
            con,
            """
            select csp_name, crime_count as crimes, year_ago_crime_count as year_ago,
                   change_count as change, change_pct
            from mart_csp_crime_totals
            where period_type = 'quarter' and period_label = ?
            order by csp_name
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
        if _has(con, "mart_metric_projection"):
            content.projection, content.projection_backtest = _projection(
                con, quarter, quarter_end, {row["metric_id"] for row in content.dashboard}
            )
        content.actions = read_actions(con, quarter, content.snapshot)
        content.comparisons, content.funnel_limits = _comparisons(con, quarter_end)
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


def _projection(
    con: duckdb.DuckDBPyConnection, quarter: str, quarter_end: date, shown: set[str]
) -> tuple[list[dict], dict | None]:
    """Each dashboard metric's latest projection of the quarter's financial year made by the
    quarter end (a source that lags is projected from the last month it reached), and the
    back-test's row for all metrics."""
    rows = _rows(
        con,
        """
        select * from mart_metric_projection
        where fy_label = (select any_value(fy_label) from dim_month where fq_label = ?)
          and as_of_period_end <= ?
        qualify as_of_period_end = max(as_of_period_end) over (partition by metric_id)
        order by display_order, metric_id
        """,
        [quarter, quarter_end],
    )
    backtest = None
    if _has(con, "mart_projection_backtest"):
        found = _rows(con, "select * from mart_projection_backtest where is_overall")
        backtest = found[0] if found else None
    return [row for row in rows if row["metric_id"] in shown], backtest


def _comparisons(
    con: duckdb.DuckDBPyConnection, quarter_end: date
) -> tuple[list[dict], list[dict]]:
    """The funnel comparisons of the 12 months to the quarter end: every comparison the marts
    hold (peer forces, all CSPs, CSP families, NPAs), so a new one appears when it arrives."""
    marts = [m for m in ("mart_peer_comparison", "mart_area_comparison") if _has(con, m)]
    if not marts or not _has(con, "mart_funnel_limits"):
        return [], []
    where = "where period_type = '12_months' and period_end = ?"
    units = _rows(
        con,
        "select * from ("
        + " union all by name ".join(f"select * from {m}" for m in marts)
        + f") {where} order by comparison, group_code, metric_id, rank_in_group",
        [quarter_end],
    )
    limits = _rows(
        con,
        f"select * from mart_funnel_limits {where} "
        "order by comparison, group_code, metric_id, point_number",
        [quarter_end],
    )
    return units, limits


def _board_snapshot(con: duckdb.DuckDBPyConnection, quarter: str) -> dict | None:
    """The last frozen board of the quarter (snapshots.board_snapshots), if one was held."""
    if not _has(con, "board_snapshots", "snapshots"):
        return None
    rows = _rows(
        con,
        "select snapshot_name, board_date, frozen_at, built_at from snapshots.board_snapshots "
        "where reporting_quarter = ? order by board_date desc limit 1",
        [quarter],
    )
    return rows[0] if rows else None


def _previous_board(
    con: duckdb.DuckDBPyConnection, quarter_end: date
) -> tuple[date | None, dict[str, dict]]:
    """What the last board before this quarter saw: its date and its rows by metric."""
    if not _has(con, "board_snapshots", "snapshots"):
        return None, {}
    found = con.execute(
        "select snapshot_name, board_date from snapshots.board_snapshots as boards "
        "where (select any_value(reporting_quarter_end) from snapshots.board_dashboard as rows "
        "where rows.snapshot_name = boards.snapshot_name) < ? "
        "order by board_date desc limit 1",
        [quarter_end],
    ).fetchall()
    if not found:
        return None, {}
    name, board_date = found[0]
    rows = _rows(con, "select * from snapshots.board_dashboard where snapshot_name = ?", [name])
    return board_date, {row["metric_id"]: row for row in rows}


def _has(con: duckdb.DuckDBPyConnection, table: str, schema: str = "main") -> bool:
    return (
        con.execute(
            "select count(*) from duckdb_tables() where table_name = ? and schema_name = ?",
            [table, schema],
        ).fetchall()[0][0]
        > 0
    )


def redact(content: PackContent) -> PackContent:
    """The public pack: a restricted metric keeps its name, the mart's public rating (grey)
    and reason, and 'restricted'; nothing else."""
    restricted = {row["metric_id"] for row in content.dashboard if row["restricted"]}
    for row in [*content.dashboard, *content.previous.values()]:
        if row["metric_id"] in restricted or row["restricted"]:
            for column in FIGURE_COLUMNS:
                row[column] = None
            row["data_status"] = RESTRICTED
    for metric_id in restricted:
        content.trends.pop(metric_id, None)
        content.csew.pop(metric_id, None)
        content.spc.pop(metric_id, None)
    content.readiness = [r for r in content.readiness if r["metric_id"] not in restricted]
    content.comparisons = [r for r in content.comparisons if r["metric_id"] not in restricted]
    content.funnel_limits = [r for r in content.funnel_limits if r["metric_id"] not in restricted]
    content.projection = [
        r for r in content.projection if r["metric_id"] not in restricted and not r["restricted"]
    ]
    return content
