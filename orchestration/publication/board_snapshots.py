"""Frozen board figures: the dashboard rows a delivery board was shown, kept unchanged.

dbt rebuilds the marts on every refresh, and a later revision of police.uk or a late partner
return changes past quarters. So once a board's date has come, its reporting quarter's
dashboard rows are copied into ``snapshots.board_dashboard`` under the board's name, once;
later refreshes never touch them, and the figures shown to a board can be reproduced.

A board is frozen only from a build whose checks passed (the publication of a full, successful
build calls this) and whose sources are complete for the board: every source has reached the
period the board needs from it (``marts.mart_board_source_status``). Until then each refresh
looks again. ``snapshots.board_snapshots`` says what each snapshot was frozen from (the build,
its run, when it was built) and ``snapshots.board_snapshot_sources`` how far each source had got.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from orchestration.database import table_exists
from orchestration.publication.build_state import Build

SNAPSHOT_TABLE = "snapshots.board_dashboard"
SNAPSHOTS_DDL = """
create schema if not exists snapshots;
create table if not exists snapshots.board_snapshots (
    snapshot_name      varchar primary key,
    board_date         date not null,
    reporting_quarter  varchar not null,
    frozen_at          timestamptz not null,
    build_id           varchar not null,
    build_run_id       varchar,
    built_at           timestamptz,
    dashboard_rows     integer not null
);
create table if not exists snapshots.board_snapshot_sources (
    snapshot_name      varchar not null,
    source             varchar not null,
    required_period_end date,
    latest_month       varchar,
    primary key (snapshot_name, source)
);
"""
SOURCE_STATUS = "marts.mart_board_source_status"


@dataclass(frozen=True)
class FrozenBoard:
    snapshot_name: str
    board_date: date
    reporting_quarter: str
    rows: int


def snapshot_name(board_date: date) -> str:
    return f"board-{board_date.isoformat()}"


def _ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SNAPSHOTS_DDL)
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


def _set_aside_unverified(con: duckdb.DuckDBPyConnection) -> None:
    """Snapshots frozen before provenance was recorded were taken by the first run of a
    refresh, before most sources were in (most rows missing or grey). They are moved, not
    deleted, to ``snapshots.board_dashboard_unverified`` so the board is frozen again from a
    complete build, and the old rows stay available for audit."""
    unverified = con.execute(
        f"""
        select count(*) from {SNAPSHOT_TABLE}
        where snapshot_name not in (select snapshot_name from snapshots.board_snapshots)
        """
    ).fetchall()[0][0]
    if not unverified:
        return
    con.execute("begin transaction")
    try:
        con.execute(
            f"""
            create table if not exists snapshots.board_dashboard_unverified as
            select * from {SNAPSHOT_TABLE} where false
            """
        )
        con.execute(
            f"""
            insert into snapshots.board_dashboard_unverified by name
            select * from {SNAPSHOT_TABLE}
            where snapshot_name not in (select snapshot_name from snapshots.board_snapshots)
            """
        )
        con.execute(
            f"""
            delete from {SNAPSHOT_TABLE}
            where snapshot_name not in (select snapshot_name from snapshots.board_snapshots)
            """
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def _add_new_columns(con: duckdb.DuckDBPyConnection) -> None:
    add_new_columns(con, SNAPSHOT_TABLE, "marts.mart_delivery_dashboard")


def add_new_columns(con: duckdb.DuckDBPyConnection, table: str, mart: str) -> None:
    """The mart may have gained columns since the first freeze: add them to its snapshot table
    (null for the boards frozen before), so older snapshots stay as they were."""
    have = {r[0] for r in con.execute(f"select column_name from (describe {table})").fetchall()}
    for name, kind in con.execute(
        f"select column_name, column_type from (describe {mart})"
    ).fetchall():
        if name not in have:
            quoted = '"' + name.replace('"', '""') + '"'
            con.execute(f"alter table {table} add column {quoted} {kind}")


def boards_ready_to_freeze(con: duckdb.DuckDBPyConnection, today: date) -> list[tuple[date, str]]:
    """Boards on or before ``today``, not frozen yet, whose quarter is on the dashboard and
    every one of whose sources is complete: (board date, reporting quarter)."""
    if not table_exists(con, "marts", "mart_board_source_status"):
        return []
    frozen = (
        "select board_date from snapshots.board_snapshots"
        if table_exists(con, "snapshots", "board_snapshots")
        else "select null::date as board_date where false"
    )
    return con.execute(
        f"""
        select boards.board_date, boards.reporting_quarter
        from reference.delivery_boards as boards
        where boards.board_date <= ?
            and boards.reporting_quarter in (
                select reporting_quarter from marts.mart_delivery_dashboard
            )
            and boards.board_date not in ({frozen})
            and boards.board_date in (
                select board_date from {SOURCE_STATUS} where board_is_complete
            )
        order by boards.board_date
        """,
        [today],
    ).fetchall()


def freeze_due_boards(
    con: duckdb.DuckDBPyConnection, today: date, build: Build
) -> list[FrozenBoard]:
    """Freeze every board ready to freeze on ``today`` from ``build`` (whose marts are in the
    warehouse now), each in one transaction with its provenance. Returns the boards frozen."""
    _ensure_tables(con)
    _set_aside_unverified(con)
    _add_new_columns(con)
    frozen = []
    for board_date, quarter in boards_ready_to_freeze(con, today):
        name = snapshot_name(board_date)
        con.execute("begin transaction")
        try:
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
                f"select count(*) from {SNAPSHOT_TABLE} where snapshot_name = ?", [name]
            ).fetchall()[0][0]
            con.execute(
                """
                insert into snapshots.board_snapshots (snapshot_name, board_date,
                    reporting_quarter, frozen_at, build_id, build_run_id, built_at,
                    dashboard_rows)
                values (?, ?, ?, current_timestamp, ?, ?, ?, ?)
                """,
                [name, board_date, quarter, build.build_id, build.run_id, build.built_at, rows],
            )
            con.execute(
                f"""
                insert into snapshots.board_snapshot_sources
                select ?, source, required_period_end, latest_month
                from {SOURCE_STATUS} where board_date = ?
                """,
                [name, board_date],
            )
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        frozen.append(FrozenBoard(name, board_date, quarter, rows))
    return frozen
