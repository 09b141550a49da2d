"""Frozen board figures: the dashboard rows a delivery board was shown, kept unchanged.

dbt rebuilds the marts on every refresh, and a later revision of police.uk or a late partner
return changes past quarters. So when a board's date has come, its reporting quarter's
dashboard rows are copied into ``snapshots.board_dashboard`` under the board's name, once;
later refreshes never touch them. The number shown to a board can be reproduced from there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

SNAPSHOT_TABLE = "snapshots.board_dashboard"


@dataclass(frozen=True)
class FrozenBoard:
    snapshot_name: str
    board_date: date
    reporting_quarter: str
    rows: int


def snapshot_name(board_date: date) -> str:
    return f"board-{board_date.isoformat()}"


def _ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists snapshots")
    con.execute(
        f"""
        create table if not exists {SNAPSHOT_TABLE} as
        select
            cast(null as varchar) as snapshot_name,
            cast(null as date) as board_date,
            cast(null as timestamptz) as frozen_at,
            dashboard.*
        from marts.mart_delivery_dashboard as dashboard
        where false
        """
    )


def _add_new_columns(con: duckdb.DuckDBPyConnection) -> None:
    """The dashboard may have gained columns since the first freeze: add them (null for the
    boards frozen before), so older snapshots stay as they were."""
    have = {
        r[0] for r in con.execute(f"select column_name from (describe {SNAPSHOT_TABLE})").fetchall()
    }
    for name, kind in con.execute(
        "select column_name, column_type from (describe marts.mart_delivery_dashboard)"
    ).fetchall():
        if name not in have:
            con.execute(f'alter table {SNAPSHOT_TABLE} add column "{name}" {kind}')


def freeze_due_boards(
    con: duckdb.DuckDBPyConnection, today: date, only: date | None = None
) -> list[FrozenBoard]:
    """Freeze every board on or before ``today`` (or just ``only``) not frozen yet whose
    reporting quarter is on the dashboard. Returns the boards frozen now."""
    _ensure_table(con)
    _add_new_columns(con)
    boards = con.execute(
        """
        select boards.board_date, boards.reporting_quarter
        from reference.delivery_boards as boards
        where boards.board_date <= ?
            and (? is null or boards.board_date = ?)
            and boards.reporting_quarter in (
                select reporting_quarter from marts.mart_delivery_dashboard
            )
            and not exists (
                select 1 from snapshots.board_dashboard as frozen
                where frozen.board_date = boards.board_date
            )
        order by boards.board_date
        """,
        [today, only, only],
    ).fetchall()
    frozen = []
    for board_date, quarter in boards:
        name = snapshot_name(board_date)
        con.execute(
            f"""
            insert into {SNAPSHOT_TABLE} by name
            select ? as snapshot_name, ? as board_date, current_timestamp as frozen_at,
                   dashboard.*
            from marts.mart_delivery_dashboard as dashboard
            where dashboard.reporting_quarter = ?
            """,
            [name, board_date, quarter],
        )
        rows = con.execute(
            f"select count(*) from {SNAPSHOT_TABLE} where board_date = ?", [board_date]
        ).fetchone()[0]
        frozen.append(FrozenBoard(name, board_date, quarter, rows))
    return frozen
