"""Connections to the DuckDB warehouse.

DuckDB allows one writing process per file, and a writer shuts out readers in other processes.
Every connection here is short-lived and closed by its ``with`` block, so the next step (dbt, a
check, ``pcp status``) can open the file.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

LOCK_WAIT_SECONDS = 10.0
# DuckDB's default memory limit is 80% of RAM; the warehouse shares a machine, so cap it and
# let DuckDB spill to disk beyond (PCP_DUCKDB_MEMORY_LIMIT, e.g. "4GB", to change it).
MEMORY_LIMIT = os.environ.get("PCP_DUCKDB_MEMORY_LIMIT", "1GB")


def _open(path: Path, read_only: bool, wait: float) -> duckdb.DuckDBPyConnection:
    """Open the file, waiting briefly while another process holds it (a sensor's quick read,
    `pcp status`): the holder lets go within moments, and a run should not fail for that."""
    deadline = time.monotonic() + wait
    delay = 0.05
    while True:
        try:
            return duckdb.connect(
                str(path), read_only=read_only, config={"memory_limit": MEMORY_LIMIT}
            )
        except duckdb.IOException as error:
            if "lock" not in str(error).lower() or time.monotonic() + delay > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


@contextmanager
def connect(
    path: Path, *, read_only: bool = False, wait: float = LOCK_WAIT_SECONDS
) -> Iterator[duckdb.DuckDBPyConnection]:
    if read_only and not path.exists():
        raise FileNotFoundError(
            f"No warehouse at {path}: run 'pcp refresh' (or 'make run') to build it first."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _open(path, read_only, wait)
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
