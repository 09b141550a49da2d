"""Who may write a DuckDB file (the warehouse, the alert log): one process at a time, and
everyone else is told who and since when.

DuckDB lets one process write a file, and a writer shuts out readers in other processes; two
refreshes that meet get DuckDB's lock traceback from whichever opens the file second, at any
step. So a writer first takes this lock, for the whole of its work (a `pcp refresh`, a Dagster
run), and a second writer waits with a message or stops with one line naming the holder.

The lock is an advisory ``flock`` on ``<database>.lock`` beside the file
(``warehouse.duckdb.lock``): the kernel lets go of it when the holding process dies, however it
dies, so a killed refresh never leaves the warehouse locked. The file's content says who holds
it (for messages only: the flock is the truth). Within one process the lock is re-entrant:
`pcp refresh` holds it and the Dagster runs it executes in-process take it again without
waiting for themselves.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

POLL_SECONDS = 0.5
# What a person calls each file, for messages ("The warehouse is busy: ...").
_NAMES = {"warehouse.duckdb": "warehouse", "alerts.duckdb": "alert log"}


@dataclass(frozen=True)
class Holder:
    """Who holds the lock, as the holder wrote it."""

    purpose: str  # e.g. "pcp refresh", "Dagster run 1a2b3c4d (build_warehouse)"
    pid: int
    host: str
    since: datetime

    def describe(self, now: datetime | None = None) -> str:
        now = now or datetime.now(UTC)
        held = max(0, int((now - self.since).total_seconds()))
        ago = f"{held // 60} min {held % 60} s" if held >= 60 else f"{held} s"
        local = self.since.astimezone().strftime("%H:%M:%S")
        where = "" if self.host == socket.gethostname() else f" on {self.host}"
        return f"{self.purpose} (pid {self.pid}{where}) since {local} ({ago} ago)"


class DatabaseBusy(Exception):
    """Another process holds the file and did not let go in time."""

    def __init__(
        self, database: Path, holder: Holder | None, waited: float, detail: str = ""
    ) -> None:
        self.database = database
        self.holder = holder
        self.waited = waited
        name = _NAMES.get(database.name, database.name)
        who = holder.describe() if holder else detail or "another process"
        waited_text = f" after waiting {waited:.0f} s" if waited >= 1 else ""
        super().__init__(f"The {name} is busy: {who} is using it{waited_text}.")


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


def read_holder(database: Path) -> Holder | None:
    """The holder as last written; None when nobody has written one or the file is unreadable."""
    try:
        record = json.loads(lock_path(database).read_text(encoding="utf-8") or "null")
        return Holder(
            record["purpose"],
            int(record["pid"]),
            record["host"],
            datetime.fromisoformat(record["since"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


@dataclass
class _Held:
    fd: int
    depth: int


_held: dict[Path, _Held] = {}
_guard = threading.Lock()


def held_here(database: Path) -> bool:
    """Whether this process holds the file's writer lock now."""
    return lock_path(database).resolve() in _held


def current_holder(database: Path) -> Holder | None:
    """Who holds the lock now (None when nobody does): the file's text is trusted only while
    its flock is actually held, since a holder that died leaves its text behind."""
    path = lock_path(database)
    if held_here(database):
        return read_holder(database)
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return read_holder(database)
    finally:
        os.close(fd)
    return None


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextmanager
def hold(
    database: Path,
    purpose: str,
    *,
    wait: float = 0.0,
    on_wait: Callable[[Holder | None], None] | None = None,
) -> Iterator[None]:
    """Hold the writer lock of ``database`` for the ``with`` block.

    Waits up to ``wait`` seconds for another holder to let go, calling ``on_wait`` once with the
    holder when it has to wait; raises `DatabaseBusy` when the time is up.
    """
    path = lock_path(database).resolve()
    with _guard:
        mine = _held.get(path)
        if mine is not None:
            mine.depth += 1
    if mine is not None:
        try:
            yield
        finally:
            with _guard:
                mine.depth -= 1
        return

    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    started = time.monotonic()
    try:
        # A moment's grace first: `current_holder` probes with a brief shared lock.
        while not _try_lock(fd) and time.monotonic() - started < min(wait, 0.2):
            time.sleep(0.02)
        if not _try_lock(fd):
            if on_wait is not None:
                on_wait(read_holder(database))
            while not _try_lock(fd):
                if time.monotonic() - started >= wait:
                    raise DatabaseBusy(database, read_holder(database), time.monotonic() - started)
                time.sleep(POLL_SECONDS)
    except BaseException:
        os.close(fd)
        raise
    record = {
        "purpose": purpose,
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": datetime.now(UTC).isoformat(),
    }
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(record).encode(), 0)
    with _guard:
        _held[path] = _Held(fd, 1)
    try:
        yield
    finally:
        with _guard:
            del _held[path]
        # Leave the holder text in place: it is only read while the flock is held by someone,
        # and truncating here would race with the next holder's write.
        os.close(fd)  # closing the descriptor releases the flock
