"""Saying what a long command is doing while it does it.

`pcp refresh` takes seconds to minutes (a first refresh of ten years takes two). On a terminal
each phase shows as a live line with its elapsed time, replaced by its result when it ends; in a
log (not a terminal) each phase is one line when it ends, with the time of day; `--quiet`
prints nothing but problems, for cron.

Dagster runs report their steps through `progress_logger` (a Dagster logger, configured by the
refresh in each run's config), so the steps of a run show as phases without the assets knowing
who is watching.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TextIO

import dagster as dg

TICK_SECONDS = 0.25


class Phase:
    def __init__(self, progress: Progress, label: str) -> None:
        self.progress = progress
        self.label = label
        self.detail = ""
        self.started = time.monotonic()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def update(self, detail: str) -> None:
        """A new detail for the live line (e.g. '120 of 223 dbt nodes')."""
        self.detail = detail


class Progress:
    """Phases of a command, as a person at a terminal or a log reader wants to see them."""

    def __init__(
        self, out: TextIO | None = None, *, quiet: bool = False, live: bool | None = None
    ) -> None:
        self.out = out or sys.stdout
        self.quiet = quiet
        self.live = (self.out.isatty() if live is None else live) and not quiet
        self.current: Phase | None = None
        self.step_labels: dict[str, str] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    # -- output ------------------------------------------------------------------------------

    def _write(self, text: str) -> None:
        with self._lock:
            self.out.write(text)
            self.out.flush()

    def _live_line(self, phase: Phase) -> str:
        detail = f"  {phase.detail}" if phase.detail else ""
        return f"\r\033[K  … {phase.label}{detail}  {phase.elapsed:.1f}s"

    def _tick(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            phase = self.current
            if phase is not None:
                self._write(self._live_line(phase))

    def note(self, text: str) -> None:
        """A line that is not a phase (what was planned, what was skipped)."""
        if self.quiet:
            return
        self._write(("\r\033[K" if self.live else "") + text + "\n")

    # -- phases ------------------------------------------------------------------------------

    def start(self, label: str) -> Phase:
        self.finish()
        phase = Phase(self, label)
        self.current = phase
        if self.live:
            self._write(self._live_line(phase))
            if self._ticker is None:
                self._stop.clear()
                self._ticker = threading.Thread(target=self._tick, daemon=True)
                self._ticker.start()
        return phase

    def finish(self, ok: bool = True, result: str = "") -> None:
        phase, self.current = self.current, None
        if phase is None:
            return
        mark = "✓" if ok else "✗"
        tail = f"  {result}" if result else (f"  {phase.detail}" if phase.detail else "")
        if self.live:
            self._write(f"\r\033[K  {mark} {phase.label}{tail}  {phase.elapsed:.1f}s\n")
        elif not self.quiet or not ok:
            stamp = datetime.now().strftime("%H:%M:%S")
            state = "done" if ok else "FAILED"
            self._write(f"{stamp} {phase.label}{tail}: {state} in {phase.elapsed:.1f}s\n")

    @contextmanager
    def phase(self, label: str) -> Iterator[Phase]:
        phase = self.start(label)
        try:
            yield phase
        except BaseException:
            if self.current is phase:
                self.finish(ok=False)
            raise
        if self.current is phase:
            self.finish()

    def close(self) -> None:
        self.finish()
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
            self._ticker = None

    # -- Dagster steps -----------------------------------------------------------------------

    def on_step(self, event_type: str, step_key: str) -> None:
        label = self.step_labels.get(step_key, step_key)
        if event_type == "STEP_START":
            self.start(label)
        elif event_type == "STEP_SUCCESS":
            self.finish()
        elif event_type == "STEP_FAILURE":
            self.finish(ok=False)

    def on_step_detail(self, step_key: str, detail: str) -> None:
        if self.current is not None and self.step_labels.get(step_key) == self.current.label:
            self.current.update(detail)


_active: Progress | None = None


@contextmanager
def reporting(progress: Progress) -> Iterator[Progress]:
    """Make ``progress`` the reporter that Dagster runs in this process report their steps to."""
    global _active
    previous, _active = _active, progress
    try:
        yield progress
    finally:
        progress.close()
        _active = previous


# A message an asset logs to update the live line of its step (e.g. dbt's node count).
DETAIL_PREFIX = "progress: "


class _StepHandler(logging.Handler):
    """Steps become phases; what a step warns of (a file loaded with data-quality warnings)
    and why a step failed become plain lines under them, instead of Dagster's log format."""

    def emit(self, record: logging.LogRecord) -> None:
        progress = _active
        meta = getattr(record, "dagster_meta", None) or {}
        if progress is None:
            return
        event = meta.get("dagster_event")
        if event is not None and event.step_key:
            progress.on_step(event.event_type_value, event.step_key)
            error = getattr(event.event_specific_data, "error", None)
            if event.event_type_value == "STEP_FAILURE" and error is not None:
                while error.cause is not None:  # the user's error, not Dagster's wrapper
                    error = error.cause
                progress.note(f"    {error.message.strip().splitlines()[0][:300]}")
            return
        message = meta.get("orig_message") or ""
        if not isinstance(message, str) or event is not None:
            return
        if meta.get("step_key") and message.startswith(DETAIL_PREFIX):
            progress.on_step_detail(meta["step_key"], message[len(DETAIL_PREFIX) :])
        elif record.levelno >= logging.WARNING:
            progress.note(f"    ! {message}")


@dg.logger(
    description="Shows a run's steps as phases on the console of the pcp command running it."
)
def progress_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.Logger("pcp_progress", level=logging.DEBUG)
    logger.addHandler(_StepHandler())
    return logger
