"""The writer lock: one writer per DuckDB file; the others wait, or stop with one line naming
the holder; a holder that dies lets go at once; within a process the lock is re-entrant."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.database import connect
from orchestration.writer_lock import DatabaseBusy, current_holder, held_here, hold

HOLD_IN_CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from orchestration.writer_lock import hold
    with hold(Path(sys.argv[1]), "pcp refresh"):
        Path(sys.argv[2]).write_text("held")
        time.sleep(600)
    """
)


def hold_in_child(database: Path, tmp_path: Path) -> subprocess.Popen:
    marker = tmp_path / "held"
    child = subprocess.Popen([sys.executable, "-c", HOLD_IN_CHILD, str(database), str(marker)])
    deadline = time.monotonic() + 30
    while not marker.exists():
        assert time.monotonic() < deadline, "the child never took the lock"
        assert child.poll() is None, "the child died"
        time.sleep(0.05)
    return child


def test_a_second_writer_is_told_who_holds_the_warehouse_and_since_when(tmp_path):
    database = tmp_path / "warehouse.duckdb"
    child = hold_in_child(database, tmp_path)
    try:
        holder = current_holder(database)
        assert holder is not None and holder.pid == child.pid and holder.purpose == "pcp refresh"
        waited_for = []
        started = time.monotonic()
        with (
            pytest.raises(DatabaseBusy) as busy,
            hold(database, "test", wait=1.0, on_wait=waited_for.append),
        ):
            pass
        assert time.monotonic() - started >= 1.0
        assert [h.pid for h in waited_for] == [child.pid]
        message = str(busy.value)
        assert message.startswith(f"The warehouse is busy: pcp refresh (pid {child.pid}) since ")
        assert "ago) is using it after waiting 1 s." in message
        assert "\n" not in message
        # A write connection meets the same lock, not DuckDB's traceback.
        with pytest.raises(DatabaseBusy, match="pcp refresh"), connect(database, wait=0.2):
            pass
    finally:
        child.kill()
        child.wait()


def test_a_killed_holder_lets_go_at_once(tmp_path):
    database = tmp_path / "warehouse.duckdb"
    child = hold_in_child(database, tmp_path)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert current_holder(database) is None  # its text is still in the file, but not trusted
    with hold(database, "after the crash", wait=0):
        assert held_here(database)
        assert current_holder(database).purpose == "after the crash"
    assert not held_here(database)


def test_the_lock_is_reentrant_within_a_process(tmp_path):
    database = tmp_path / "warehouse.duckdb"
    with hold(database, "pcp refresh", wait=0):
        with hold(database, "a run inside the refresh", wait=0), connect(database) as con:
            con.execute("create table t as select 1 as x")  # a step of that run
        assert held_here(database)
        assert current_holder(database).purpose == "pcp refresh"
    assert not held_here(database)


def test_a_file_held_by_duckdb_outside_pcp_is_named_not_traced(tmp_path):
    database = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(database)).close()
    script = f"import duckdb, time; c = duckdb.connect({str(database)!r}); print('open', flush=True); time.sleep(600)"
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "open"
        with pytest.raises(DatabaseBusy) as busy, connect(database, read_only=True, wait=0.3):
            pass
        assert f"(pid {child.pid}, not a pcp command) is using it" in str(busy.value)
    finally:
        child.kill()
        child.wait()
