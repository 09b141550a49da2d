"""Connections to the DuckDB warehouse (and the other DuckDB files the system keeps).

DuckDB allows one writing process per file, and a writer shuts out readers in other processes.
Every connection here is short-lived and closed by its ``with`` block, so the next step (dbt, a
check, ``pcp status``) can open the file. A write connection first takes the file's writer lock
(`writer_lock`), so two writers queue instead of failing; whoever cannot get in within ``wait``
seconds gets `DatabaseBusy`, a one-line message naming the holder, never DuckDB's traceback.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import duckdb

from orchestration.writer_lock import DatabaseBusy, Holder, current_holder, hold

LOCK_WAIT_SECONDS = 10.0
# DuckDB's default memory limit is 80% of RAM; the warehouse shares a machine, and the memory
# goal (peak RSS < 2 GB) counts every process of a refresh, so cap it and let DuckDB spill to
# disk beyond (PCP_DUCKDB_MEMORY_LIMIT, e.g. "4GB", to change it).
DEFAULT_MEMORY_LIMIT = "1GB"


def duckdb_config(env: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The configuration every process opens the warehouse with: `connect` here, and dbt
    (profiles.yml's ``config_options`` say the same). One configuration, because dbt runs inside
    the Dagster step, and DuckDB refuses a second connection in a process to a file it has open
    with a different one ("Can't open a connection to same database file with a different
    configuration")."""
    return {"memory_limit": env.get("PCP_DUCKDB_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT)}


# DuckDB says who holds its own lock: "Conflicting lock is held in /usr/bin/python3 (PID 1234)".
_DUCKDB_HOLDER = re.compile(r"held in (?P<program>\S+) \(PID (?P<pid>\d+)\)")


def _busy(path: Path, error: duckdb.IOException, waited: float) -> DatabaseBusy:
    holder: Holder | None = current_holder(path)
    detail = ""
    if holder is None and (found := _DUCKDB_HOLDER.search(str(error))):
        # Not a pcp writer: an analyst's session, a DuckDB shell, dbt run by hand.
        detail = f"{Path(found['program']).name} (pid {found['pid']}, not a pcp command)"
    return DatabaseBusy(path, holder, waited, detail)


def _open(path: Path, read_only: bool, wait: float) -> duckdb.DuckDBPyConnection:
    """Open the file, waiting briefly while another process holds it (a sensor's quick read,
    `pcp status`): the holder lets go within moments, and a run should not fail for that."""
    started = time.monotonic()
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=duckdb_config())
        except duckdb.IOException as error:
            if "lock" not in str(error).lower():
                raise
            if time.monotonic() + delay - started > wait:
                raise _busy(path, error, time.monotonic() - started) from None
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
    if read_only:
        con = _open(path, read_only, wait)
        try:
            yield con
        finally:
            con.close()
        return
    with hold(path, f"pcp (pid {os.getpid()})", wait=wait):
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
