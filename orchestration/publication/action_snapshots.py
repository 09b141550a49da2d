"""Frozen action tracker figures: the progress and register rows a delivery board was shown.

Like the dashboard (board_snapshots.py), a board's rows of ``marts.mart_action_progress`` and
``marts.mart_action_register`` (and ``marts.mart_action_milestones``) are copied once into
``snapshots.board_action_progress``, ``snapshots.board_action_register`` (and
``snapshots.board_action_milestones``) under the board's snapshot name, and later refreshes never
touch them. They are frozen for a board whose dashboard is frozen (snapshots.board_snapshots)
and whose tracker rows are in the marts; a tracker file that arrives after the dashboard froze
is frozen at the next publication, still once.
"""

from __future__ import annotations

import duckdb

from orchestration.database import table_exists
from orchestration.publication.board_snapshots import add_new_columns

# snapshot table -> the mart it freezes
ACTION_SNAPSHOTS = {
    "snapshots.board_action_progress": "marts.mart_action_progress",
    "snapshots.board_action_register": "marts.mart_action_register",
    "snapshots.board_action_milestones": "marts.mart_action_milestones",
}


def freeze_board_actions(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Freeze the action marts' rows of every frozen board not frozen yet; the names frozen."""
    if not table_exists(con, "snapshots", "board_snapshots"):
        return []
    if not all(table_exists(con, *mart.split(".")) for mart in ACTION_SNAPSHOTS.values()):
        return []
    for table, mart in ACTION_SNAPSHOTS.items():
        con.execute(
            f"create table if not exists {table} as select cast(null as varchar) as "
            f"snapshot_name, current_timestamp as frozen_at, mart.* from {mart} as mart "
            "where false"
        )
        add_new_columns(con, table, mart)
    # Each snapshot table takes a board's rows once. A table added by a later release (the
    # milestones) takes the boards frozen before it at its first publication: their tracker
    # files are the ones the board had, so the rows are what it would have been shown.
    boards = con.execute(
        """
        select snapshot_name, board_date from snapshots.board_snapshots
        where board_date in (select board_date from marts.mart_action_progress)
        order by board_date
        """
    ).fetchall()
    frozen = []
    for name, board_date in boards:
        missing = [
            (table, mart)
            for table, mart in ACTION_SNAPSHOTS.items()
            if not con.execute(
                f"select count(*) > 0 from {table} where snapshot_name = ?", [name]
            ).fetchone()[0]
        ]
        if not missing:
            continue
        con.execute("begin transaction")
        try:
            for table, mart in missing:
                con.execute(
                    f"insert into {table} by name select ? as snapshot_name, current_timestamp "
                    f"as frozen_at, mart.* from {mart} as mart where mart.board_date = ?",
                    [name, board_date],
                )
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        if ("snapshots.board_action_progress", "marts.mart_action_progress") in missing:
            frozen.append(name)
    return frozen
