"""Action snapshots: each board's rows are frozen once per snapshot table, a table a later
release adds (the milestones) takes the boards frozen before it, and a mart that gains a
column does not break the freeze of the boards after."""

from __future__ import annotations

from datetime import date

import duckdb

from orchestration.publication.action_snapshots import freeze_board_actions


def warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema marts; create schema snapshots")
    con.execute(
        "create table snapshots.board_snapshots as select * from (values "
        "('board-2025-07-30', date '2025-07-30')) t(snapshot_name, board_date)"
    )
    con.execute(
        "create table marts.mart_action_progress as select date '2025-07-30' as board_date, "
        "127 as actions_total"
    )
    con.execute(
        "create table marts.mart_action_register as select date '2025-07-30' as board_date, "
        "'1.1.1' as reference"
    )
    con.execute(
        "create table marts.mart_action_milestones as select date '2025-07-30' as board_date, "
        "'1.3.2' as reference, 'Year 1' as milestone"
    )
    return con


def frozen(con, table: str) -> list[tuple]:
    return con.execute(
        f"select snapshot_name, * exclude (snapshot_name, frozen_at) from {table}"
    ).fetchall()


def test_a_board_is_frozen_once_in_every_action_table():
    con = warehouse()
    assert freeze_board_actions(con) == ["board-2025-07-30"]
    con.execute("update marts.mart_action_progress set actions_total = 130")
    assert freeze_board_actions(con) == []
    assert frozen(con, "snapshots.board_action_progress") == [
        ("board-2025-07-30", date(2025, 7, 30), 127)
    ]  # fmt: skip
    assert len(frozen(con, "snapshots.board_action_milestones")) == 1


def test_a_snapshot_table_added_later_takes_the_boards_frozen_before_it():
    con = warehouse()
    con.execute("alter table marts.mart_action_milestones rename to held")
    con.execute("create table marts.mart_action_milestones as select * from marts.held where false")
    freeze_board_actions(con)  # frozen before there were milestones
    assert frozen(con, "snapshots.board_action_milestones") == []
    con.execute("insert into marts.mart_action_milestones select * from marts.held")
    con.execute("update marts.mart_action_progress set actions_total = 130")
    assert freeze_board_actions(con) == []  # the progress was frozen already: untouched
    assert [r[-1] for r in frozen(con, "snapshots.board_action_milestones")] == ["Year 1"]
    assert frozen(con, "snapshots.board_action_progress")[0][-1] == 127


def test_a_mart_that_gained_a_column_still_freezes_the_next_board():
    con = warehouse()
    freeze_board_actions(con)
    con.execute("alter table marts.mart_action_progress add column milestones_reported bigint")
    con.execute("insert into snapshots.board_snapshots values ('board-2025-11-05', '2025-11-05')")
    con.execute("insert into marts.mart_action_progress values ('2025-11-05', 127, 17)")
    assert freeze_board_actions(con) == ["board-2025-11-05"]
    rows = con.execute(
        "select snapshot_name, milestones_reported from snapshots.board_action_progress "
        "order by snapshot_name"
    ).fetchall()
    assert rows == [("board-2025-07-30", None), ("board-2025-11-05", 17)]
