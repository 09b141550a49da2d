"""Connections to the DuckDB warehouse.

DuckDB allows one writing process per file, and a writer shuts out readers in other processes.
Every connection here is short-lived and closed by its ``with`` block, so the next step (dbt, a
check, ``pcp status``) can open the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb


@contextmanager
def connect(path: Path, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    if read_only and not path.exists():
        raise FileNotFoundError(
            f"No warehouse at {path}: run 'pcp refresh' (or 'make run') to build it first."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        yield con
    finally:
        con.close()


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    rows = con.execute(
        "select 1 from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return bool(rows)
