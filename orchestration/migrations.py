"""The ledger of one-off data migrations a release runs on what older releases wrote.

A migration runs at the start of `pcp refresh`, under the warehouse's writer lock, and is
recorded here once done, so later refreshes skip it. One that changed anything the marts are
built from makes a build due (publication/build_state.py), so what it removed from the
warehouse also leaves the published copy at once, not only with the next delivery.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from orchestration.database import table_exists

MIGRATIONS_DDL = """
create schema if not exists ops;
create table if not exists ops.migrations (
    name        varchar primary key,
    applied_at  timestamptz not null,
    changed     bigint not null    -- how many records it changed
);
"""


def is_applied(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    if not table_exists(con, "ops", "migrations"):
        return False
    return bool(con.execute("select 1 from ops.migrations where name = ?", [name]).fetchall())


def record_applied(con: duckdb.DuckDBPyConnection, name: str, changed: int) -> None:
    con.execute(MIGRATIONS_DDL)
    con.execute(
        "insert or replace into ops.migrations values (?, current_timestamp, ?)", [name, changed]
    )


def changed_since(con: duckdb.DuckDBPyConnection, when: datetime) -> list[str]:
    """The migrations that changed something after ``when`` (a build's start), oldest first.
    Works on a read-only connection."""
    if not table_exists(con, "ops", "migrations"):
        return []
    rows = con.execute(
        "select name from ops.migrations where changed > 0 and applied_at > ? order by applied_at",
        [when],
    ).fetchall()
    return [row[0] for row in rows]
