"""Great Expectations in a second process, started first thing, so that importing it (about
four seconds on this machine, more than the rest of a month's intake) happens on the other core
while the main process loads Dagster and plans the refresh.

`pcp refresh` opens one with `suites_in_a_second_process()` when landing holds files; every
suite run in the process then hands its rows there and waits for the outcome. Without one
(sensor runs under `make dev`, tests, the bench) suites run in-process as before. The worker
holds nothing but GX: it never opens the warehouse, and it ends when the main process closes it
or dies (its end of the pipe closes).

Rows go over as a Parquet file in a private folder under the data directory, written by DuckDB
from the staged rows, not as a pickled DataFrame: pickling a frame's Python strings cost the
main process more than the validation (10 s of a first refresh's 60 s of intake), where DuckDB
writes the same rows in a twentieth of the time and the worker builds the frame from them.
"""

from __future__ import annotations

import atexit
import gc
import itertools
import multiprocessing
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import duckdb

_worker: SuiteWorker | None = None


def _serve(connection: Connection) -> None:
    from orchestration.lib.freed_memory import collect_cycles_less_often, release_freed_memory

    collect_cycles_less_often()  # before GX's import, as `pcp` does (cli.run)
    from orchestration.quality.expectation_suites import (
        COLLECT_FROM_ROWS,
        run_suite_here,
        warm_up,
    )

    warm_up()
    # Everything loaded so far (GX, pandas, their modules and caches: ~1M objects) lives as
    # long as the worker. Frozen, the collections after each large frame (release_freed_memory)
    # and Python's own no longer walk it: each took ~0.25 s, 3-4 s of a first refresh.
    gc.freeze()
    while True:
        try:
            request = connection.recv()
        except EOFError:  # the main process is gone
            _leave()
        if request is None:
            _leave()
        ticket, (suite_name, frame, parameters, rules) = request
        try:
            if isinstance(frame, ParquetRows):
                frame = frame.read()
            outcome = run_suite_here(suite_name, frame, parameters, rules, release=False)
        except Exception as error:  # sent back and raised there, with its traceback text
            outcome = error
        # The frame goes before the answer: a large one's memory is handed back while the
        # main process reads the outcome, not held until the next request.
        large = len(frame) >= COLLECT_FROM_ROWS if hasattr(frame, "__len__") else False
        del frame
        if large:
            release_freed_memory()
        connection.send((ticket, outcome))


def _leave() -> None:
    """End the worker at once. A spawned process otherwise ends through the interpreter's full
    teardown, which with Great Expectations and pandas loaded took 0.6 s that the refresh
    waited for (`SuiteWorker.close` joins it) before its build. What that teardown did that
    matters is done here: the exit handlers run (~1 ms), among them multiprocessing's, which
    releases the semaphores the validations' libraries created (skipped, the resource tracker
    warned of "leaked semaphore objects" at the end of every refresh), and the output is
    flushed. The worker holds no other file but the rows the main process gave it, and the
    main process removes those."""
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with suppress(Exception):
            stream.flush()
    os._exit(0)


SCRATCH_PREFIX = ".suite-rows-"


def _remove_abandoned_scratch(parent: Path | None) -> None:
    """The rows folders of refreshes whose process is gone (killed before it could remove its
    own): named for their process, so a live refresh's folder is never touched."""
    parent = Path(parent or tempfile.gettempdir())
    for folder in parent.glob(f"{SCRATCH_PREFIX}*"):
        pid = folder.name.removeprefix(SCRATCH_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)) and not folder.is_symlink():
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


class ParquetRows:
    """Rows handed to the worker as a Parquet file (see the module's docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> Any:
        return _reader().execute("select * from read_parquet(?)", [str(self.path)]).df()


_reader_connection: duckdb.DuckDBPyConnection | None = None


def _reader() -> duckdb.DuckDBPyConnection:
    """The worker's one in-memory DuckDB (opening one costs ~50 ms: a refresh hands over
    hundreds of small files' rows)."""
    global _reader_connection
    if _reader_connection is None:
        _reader_connection = duckdb.connect()
    return _reader_connection


class SuiteWorker:
    def __init__(self, scratch_parent: Path | None = None) -> None:
        _remove_abandoned_scratch(scratch_parent)
        # Owner-only (mkdtemp makes it 0700): the rows may be restricted.
        self.scratch = Path(
            tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-", dir=scratch_parent)
        )
        self._names = itertools.count()
        self._tickets = itertools.count()
        self._results: dict[int, Any] = {}
        self._files: dict[int, Path] = {}
        self._arrived = threading.Condition()
        context = multiprocessing.get_context("spawn")
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child,), daemon=True)
        self.process.start()
        child.close()
        self._receiver = threading.Thread(target=self._receive, daemon=True)
        self._receiver.start()

    def run(self, suite_name: str, frame: Any, parameters: dict[str, Any], rules: str) -> Any:
        return self.result(self._send(suite_name, frame, parameters, rules))

    def run_query(
        self,
        suite_name: str,
        con: duckdb.DuckDBPyConnection,
        query: str,
        params: Sequence[Any],
        parameters: dict[str, Any],
        rules: str,
    ) -> Any:
        """Validate the rows ``query`` selects: written to Parquet here, read there."""
        return self.result(self.submit(suite_name, con, query, params, parameters, rules))

    def submit(
        self,
        suite_name: str,
        con: duckdb.DuckDBPyConnection,
        query: str,
        params: Sequence[Any],
        parameters: dict[str, Any],
        rules: str,
    ) -> int:
        """Start validating the rows ``query`` selects and return at once: a ticket for
        ``result``. The worker validates while this process goes on (staging, loading)."""
        path = self.scratch / f"rows-{next(self._names)}.parquet"
        # The path is this worker's own (no file content in it); DuckDB's COPY takes no
        # parameter for it, so it goes in as a literal, its quotes doubled (a data directory
        # may be called "o'brien").
        literal = str(path).replace("'", "''")
        con.execute(
            f"copy ({query}) to '{literal}' (format parquet, compression uncompressed)",
            list(params),
        )
        ticket = self._send(suite_name, ParquetRows(path), parameters, rules)
        self._files[ticket] = path
        return ticket

    def result(self, ticket: int) -> Any:
        """The outcome of a submitted validation (its error raised here), waiting for it."""
        with self._arrived:
            while ticket not in self._results:
                if not self._receiver.is_alive():
                    raise RuntimeError("the suite worker stopped before it answered")
                self._arrived.wait(timeout=1)
            result = self._results.pop(ticket)
        path = self._files.pop(ticket, None)
        if path is not None:
            path.unlink(missing_ok=True)
        if isinstance(result, Exception):
            raise result
        return result

    def _send(self, suite_name: str, frame: Any, parameters: dict[str, Any], rules: str) -> int:
        ticket = next(self._tickets)
        self.connection.send((ticket, (suite_name, frame, parameters, rules)))
        return ticket

    def _receive(self) -> None:
        """Collect the worker's answers as they come (a thread): the worker never waits for
        this process to read, however many validations are in flight."""
        while True:
            try:
                ticket, result = self.connection.recv()
            except (EOFError, OSError):
                break
            with self._arrived:
                self._results[ticket] = result
                self._arrived.notify_all()
        with self._arrived:
            self._arrived.notify_all()

    def close(self) -> None:
        if self.connection.closed:  # retired early (`retire`), then closed by its context
            return
        with suppress(OSError):
            self.connection.send(None)
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()  # reaped: gone when close returns
        self._receiver.join(timeout=10)
        self.connection.close()
        shutil.rmtree(self.scratch, ignore_errors=True)


def current() -> SuiteWorker | None:
    return _worker


def retire() -> None:
    """End the current worker before its context does: once intake is over nothing is left to
    validate, and its memory (GX and the last frames, ~0.5 GB) would sit beside the build's
    (dbt and DuckDB) for the rest of the refresh. A suite run after this runs in-process."""
    global _worker
    if _worker is not None:
        _worker.close()
        _worker = None


@contextmanager
def suites_in_a_second_process(scratch_parent: Path | None = None) -> Iterator[SuiteWorker]:
    """The worker for this process's suite runs; the rows it is handed go in a private folder
    under ``scratch_parent`` (the data directory), removed when it closes."""
    global _worker
    worker = SuiteWorker(scratch_parent)
    previous, _worker = _worker, worker
    try:
        yield worker
    finally:
        _worker = previous
        worker.close()
