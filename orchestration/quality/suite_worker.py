"""Great Expectations in a second process, started first thing, so that importing it (about
four seconds on this machine, more than the rest of a month's intake) happens on the other core
while the main process loads Dagster and plans the refresh.

`pcp refresh` opens one with `suites_in_a_second_process()` when landing holds files; every
`run_suite` in the process then sends its frame there and waits for the outcome. Without one
(sensor runs under `make dev`, tests, the bench) suites run in-process as before. The worker
holds nothing but GX: it never opens the warehouse, and it ends when the main process closes it
or dies (its end of the pipe closes).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from multiprocessing.connection import Connection
from typing import Any

_worker: SuiteWorker | None = None


def _serve(connection: Connection) -> None:
    from orchestration.quality.expectation_suites import run_suite_here, warm_up

    warm_up()
    while True:
        try:
            request = connection.recv()
        except EOFError:  # the main process is gone
            return
        if request is None:
            return
        try:
            connection.send(run_suite_here(*request))
        except Exception as error:  # sent back and raised there, with its traceback text
            connection.send(error)


class SuiteWorker:
    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child,), daemon=True)
        self.process.start()
        child.close()

    def run(self, suite_name: str, frame: Any, parameters: dict[str, Any], rules: str) -> Any:
        self.connection.send((suite_name, frame, parameters, rules))
        result = self.connection.recv()
        if isinstance(result, Exception):
            raise result
        return result

    def close(self) -> None:
        if self.connection.closed:  # retired early (`retire`), then closed by its context
            return
        with suppress(OSError):
            self.connection.send(None)
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()  # reaped: gone when close returns
        self.connection.close()


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
def suites_in_a_second_process() -> Iterator[SuiteWorker]:
    global _worker
    worker = SuiteWorker()
    previous, _worker = _worker, worker
    try:
        yield worker
    finally:
        _worker = previous
        worker.close()
