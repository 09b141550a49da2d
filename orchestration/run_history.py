"""Dagster's run history (runs, their events, sensor and schedule ticks) in the same SQLite files
as Dagster's own storages, kept with one open connection per file instead of one per query.

Dagster's SQLite storages build a new SQLAlchemy engine, without a pool, for every query: about
10 ms each on this machine, twice for every event (its run's file and the index). A one-month
refresh stores ~210 events and a full build thousands. These subclasses keep one pooled engine
per database file (thread-safe: SQLAlchemy's pool hands each thread its own connection; the
event log also keeps Dagster's own lock around each use) and set ``synchronous=NORMAL`` on each
connection. The files are in WAL mode (Dagster creates them so): there NORMAL loses no committed
transaction when a process crashes or is killed, only, at worst, the last ones on a power cut or
an OS crash, and never corrupts the file. Run history is a record of what ran, not the
warehouse: that trade is the one SQLite recommends for WAL.

The files, their places and their schema are Dagster's, unchanged: an instance written by an
older release (plain ``dagster.yaml``) keeps its history, and the other way round. What is
overridden is pinned by tests/unit/test_run_history.py, which fails if Dagster renames it.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as db
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SqliteEventLogStorage,
)
from dagster._core.storage.runs.sqlite.sqlite_run_storage import SqliteRunStorage
from dagster._core.storage.schedules.sqlite.sqlite_schedule_storage import SqliteScheduleStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData
from sqlalchemy.engine import Connection, Engine

# Engines kept open by one event log: the index, the runs being written and a few being read.
# The UI reads every run's file in turn for some views; older engines are closed, not leaked.
OPEN_RUN_FILES = 16


def _durable_enough(dbapi_connection: Any, _record: Any) -> None:
    # WAL mode (set by Dagster when it creates each file) + NORMAL: a commit is in the WAL file
    # when it returns, so a crashed process loses nothing; fsync waits for checkpoints.
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


class _Engines:
    """One pooled SQLAlchemy engine per SQLite file, at most ``keep`` of them (least recently
    used closed first). A forked child drops its parent's engines unclosed: SQLite connections
    must not cross a fork."""

    def __init__(self, keep: int) -> None:
        self._keep = keep
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def get(self, conn_string: str) -> Engine:
        with self._lock:
            if self._pid != os.getpid():
                for engine in self._engines.values():
                    engine.dispose(close=False)
                self._engines.clear()
                self._pid = os.getpid()
            engine = self._engines.get(conn_string)
            if engine is None:
                engine = db.create_engine(
                    conn_string,
                    poolclass=db.pool.QueuePool,
                    connect_args={
                        "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
                        # The pool hands a connection to one thread at a time.
                        "check_same_thread": False,
                    },
                )
                db.event.listen(engine, "connect", _durable_enough)
                self._engines[conn_string] = engine
                while len(self._engines) > self._keep:
                    _, oldest = self._engines.popitem(last=False)
                    oldest.dispose()
            self._engines.move_to_end(conn_string)
            return engine

    def close(self) -> None:
        with self._lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()


class RunHistoryEventLog(SqliteEventLogStorage):
    """Dagster's SQLite event log (one file per run, plus index.db), through kept engines."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self._engines = _Engines(keep=OPEN_RUN_FILES)
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def from_config_value(  # ty: ignore[invalid-method-override]
        cls, inst_data: ConfigurableClassData | None, config_value: Any
    ) -> RunHistoryEventLog:
        return cls(inst_data=inst_data, **config_value)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        # As Dagster's own, but with a kept engine: the lock still serialises this storage's
        # users (the webserver's and daemon's threads, the event log watcher).
        with self._db_lock:
            engine = self._engines.get(self.conn_string_for_shard(shard))
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def has_table(self, table_name: str) -> bool:
        # Asked at every asset check and tagged asset event; Dagster's opens an engine to ask.
        # Not under the lock: it is asked by code that holds it.
        engine = self._engines.get(self.conn_string_for_shard(INDEX_SHARD_NAME))
        with engine.connect() as conn:
            return bool(engine.dialect.has_table(conn, table_name))

    def wipe(self) -> None:
        # Wiping deletes the run files: close them first, or kept connections would write to
        # deleted files.
        self._engines.close()
        super().wipe()

    def dispose(self) -> None:
        super().dispose()
        self._engines.close()


class _OneKeptEngine:
    """What the run and the schedule storage share: one file each, through one kept engine."""

    _conn_string: str

    def __init__(self, conn_string: str, inst_data: ConfigurableClassData | None = None) -> None:
        self._engines = _Engines(keep=1)
        super().__init__(conn_string, inst_data=inst_data)

    @classmethod
    def from_config_value(  # ty: ignore[invalid-method-override]
        cls, inst_data: ConfigurableClassData | None, config_value: Any
    ) -> Any:
        return cls.from_local(inst_data=inst_data, **config_value)

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        with self._engines.get(self._conn_string).connect() as conn, conn.begin():
            yield conn

    def dispose(self) -> None:
        super().dispose()
        self._engines.close()


class RunHistoryRuns(_OneKeptEngine, SqliteRunStorage):
    """Dagster's SQLite run storage (history/runs.db), through one kept engine."""


class RunHistorySchedules(_OneKeptEngine, SqliteScheduleStorage):
    """Dagster's SQLite schedule and sensor storage (schedules/schedules.db), through one kept
    engine: the daemon of `make dev` writes a tick there every few seconds."""
