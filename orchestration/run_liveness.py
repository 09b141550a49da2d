"""Telling a live Dagster run from one whose process died, and marking the dead ones failed.

A run whose process is killed (kill -9, a crash, a power cut) stays STARTED in Dagster's run
storage for ever: it blocks the run queue (one run at a time, for DuckDB) and the UI says it is
still running. Dagster's run monitoring cannot tell for runs started by `pcp refresh` (they run
inside the pcp process, not under a run launcher) nor, on this instance's default launcher, for
any run. So every run records which process runs it (tags: host, pid and that process's start
time, which tells a reused pid from the original), and `pcp refresh`, the build sensor and
`make dev`'s sweeper mark failed every unfinished run whose process is gone.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import dagster as dg

HOST_TAG = "pcp/host"
PID_TAG = "pcp/pid"
PROCESS_START_TAG = "pcp/process_start"

UNFINISHED = [
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


def _process_start(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat), or
    None when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may contain spaces: split after it.
    return stat.rsplit(")", 1)[1].split()[19]


def process_tags(pid: int | None = None) -> dict[str, str]:
    """Tags naming this process (or ``pid``), for a run it executes."""
    pid = pid or os.getpid()
    return {
        HOST_TAG: socket.gethostname(),
        PID_TAG: str(pid),
        PROCESS_START_TAG: _process_start(pid) or "",
    }


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process, but alive
    return True


def process_alive(tags: dict[str, str]) -> bool | None:
    """Whether the process a run's tags name is still running: None when the run has no such
    tags or ran on another host (we cannot tell, so we leave it alone)."""
    if PID_TAG not in tags or tags.get(HOST_TAG) != socket.gethostname():
        return None
    pid = int(tags[PID_TAG])
    recorded = tags.get(PROCESS_START_TAG)
    if not recorded or _process_start(os.getpid()) is None:
        return _pid_exists(pid)  # no /proc (macOS): the pid alone
    return _process_start(pid) == recorded


def tag_current_run(instance: dg.DagsterInstance, run_id: str) -> None:
    """Record on a running run which process runs it (a run launched by the daemon learns its
    process only once it starts)."""
    run = instance.get_run_by_id(run_id)
    if run is not None and run.tags.get(PID_TAG) != str(os.getpid()):
        instance.add_run_tags(run_id, process_tags())


def fail_dead_runs(instance: dg.DagsterInstance) -> list[dg.DagsterRun]:
    """Mark failed every unfinished run whose process has died; returns them."""
    dead = [
        run
        for run in instance.get_runs(filters=dg.RunsFilter(statuses=UNFINISHED))
        if process_alive(dict(run.tags)) is False
    ]
    for run in dead:
        instance.report_run_failed(
            run,
            message=(
                f"The process that ran this run (pid {run.tags[PID_TAG]}) is gone: it was killed "
                "or crashed. Marked failed so the queue moves on; the next refresh finishes "
                "the work."
            ),
        )
    return dead
