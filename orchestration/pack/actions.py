"""The pack's delivery actions (seed 002 paras 13-17 and 35), read from the action marts.

What the board saw once its board is frozen (snapshots.board_action_progress, _register and
_milestones), today's marts otherwise. Every sentence and figure is a mart column: the summary
sentences are worded in dbt (mart_action_progress.summary_*), nothing is counted here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb

# The executive summary, in seed 002's order (paras 13a-d, 14, 16).
SUMMARY_COLUMNS = (
    "summary_completed_to_date",
    "summary_completed_in_quarter",
    "summary_in_progress",
    "summary_completed_ahead",
    "summary_changes_agreed",
    "summary_new_actions",
    "summary_milestones",
)


@dataclass
class ActionsContent:
    board_date: date
    frozen: bool
    total: dict
    by_strategy: list[dict] = field(default_factory=list)
    register: list[dict] = field(default_factory=list)
    new_actions: list[dict] = field(default_factory=list)
    completed: list[dict] = field(default_factory=list)
    horizon: list[dict] = field(default_factory=list)
    # the whole-plan actions by milestone (mart_action_milestones)
    milestones: list[dict] = field(default_factory=list)
    # metric_id -> the actions meant to move it (as at the board)
    by_metric: dict[str, list[dict]] = field(default_factory=dict)

    @property
    def summary(self) -> list[str]:
        # A board frozen before a sentence existed has none for it (null): it is left out.
        return [self.total[c] for c in SUMMARY_COLUMNS if self.total.get(c) is not None]


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return con.execute(
        "select count(*) > 0 from duckdb_tables() where schema_name = ? and table_name = ?",
        [schema, table],
    ).fetchone()[0]


def read_actions(
    con: duckdb.DuckDBPyConnection, quarter: str, snapshot: dict | None
) -> ActionsContent | None:
    """The quarter's board's actions; None when the tracker has nothing for that board."""
    if not _exists(con, "main", "mart_action_progress"):
        return None
    progress, register, milestones, where, params = (
        "main.mart_action_progress",
        "main.mart_action_register",
        "main.mart_action_milestones",
        "reporting_quarter = ?",
        [quarter],
    )
    if snapshot and _exists(con, "snapshots", "board_action_progress"):
        frozen = con.execute(
            "select count(*) > 0 from snapshots.board_action_progress where snapshot_name = ?",
            [snapshot["snapshot_name"]],
        ).fetchone()[0]
        if frozen:
            progress, register, milestones = (
                "snapshots.board_action_progress",
                "snapshots.board_action_register",
                "snapshots.board_action_milestones",
            )
            where, params = "snapshot_name = ?", [snapshot["snapshot_name"]]
    rows = _rows(
        con,
        f"select * from {progress} where {where} and board_date = (select max(board_date) "
        f"from {progress} where {where}) order by is_total, delivery_strategy",
        params + params,
    )
    if not rows:
        return None
    board = rows[0]["board_date"]
    actions = _rows(
        con,
        f"select * from {register} where {where} and board_date = ? order by reference",
        [*params, board],
    )
    schema, table = milestones.split(".")
    reached = (
        _rows(
            con,
            f"select * from {milestones} where {where} and board_date = ? "
            "order by reference, milestone_due, milestone",
            [*params, board],
        )
        if _exists(con, schema, table)
        else []
    )
    content = ActionsContent(
        board_date=board,
        frozen=progress.startswith("snapshots."),
        total=next(r for r in rows if r["is_total"]),
        by_strategy=[r for r in rows if not r["is_total"]],
        register=actions,
        new_actions=[a for a in actions if a["added_by_board"] == board],
        completed=[
            a for a in actions if a["completed_in_quarter"] or a["completed_ahead_in_quarter"]
        ],
        horizon=[a for a in actions if a["is_due_next_quarter"]],
        milestones=reached,
    )
    for action in actions:
        for metric_id in action["metric_ids"] or []:
            content.by_metric.setdefault(metric_id, []).append(action)
    return content
