"""The memory of a process and everything it starts, sampled while it runs (for `make bench`).

``ru_maxrss`` from ``wait4`` is the peak of the largest single process, not of the tree: the
memory goal (peak RSS < 2 GB) counts every process at once (the refresh, a Dagster run's step,
dbt in it, DuckDB, a Great Expectations worker). So the bench reads ``/proc`` every fraction of
a second: the RSS of the process and all its descendants, summed, the largest of them, and the
disk DuckDB spills to (its temporary directory). Shared pages are counted once per process, so
the tree's sum errs high, never low.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Sample:
    at: float  # time.monotonic()
    tree_rss: int  # bytes, every process of the tree summed
    largest_rss: int  # bytes, the largest single process
    processes: int
    spill: int  # bytes on disk in the watched temporary directories


def _parents() -> dict[int, int]:
    """pid -> parent pid of every process we can see."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:  # gone since the listing
            continue
        # The command name is in parentheses and may hold spaces: the fields follow the last ")".
        fields = stat[stat.rindex(b")") + 2 :].split()
        parents[int(entry.name)] = int(fields[1])
    return parents


def tree(root: int) -> list[int]:
    """``root`` and every process descended from it."""
    children: dict[int, list[int]] = {}
    for pid, parent in _parents().items():
        children.setdefault(parent, []).append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


def rss(pid: int) -> int:
    """Resident bytes of one process (0 once it has gone)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def disk_bytes(folder: Path) -> int:
    """Bytes on disk (allocated blocks) of the files under ``folder``; 0 when absent."""
    total = 0
    for dirpath, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_blocks * 512
            except OSError:
                continue
    return total


@dataclass
class TreeSampler:
    """Samples ``pid``'s process tree (and ``spill_dirs``) every ``interval`` seconds in a
    background thread, from `start` until `stop`."""

    pid: int
    spill_dirs: tuple[Path, ...] = ()
    interval: float = 0.2
    samples: list[Sample] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def sample(self) -> Sample:
        sizes = [rss(pid) for pid in tree(self.pid)]
        spill = sum(disk_bytes(folder) for folder in self.spill_dirs)
        return Sample(time.monotonic(), sum(sizes), max(sizes, default=0), len(sizes), spill)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.samples.append(self.sample())
            self._stop.wait(self.interval)

    def start(self) -> TreeSampler:
        self._thread = threading.Thread(target=self._loop, name="rss sampler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    @property
    def latest(self) -> Sample | None:
        return self.samples[-1] if self.samples else None

    def within(self, start: float, end: float) -> list[Sample]:
        return [s for s in self.samples if start <= s.at <= end]


def peaks(samples: list[Sample]) -> dict[str, float | int]:
    """The largest tree, the largest single process and the most spilled, in GB."""
    return {
        "peak_rss_tree_gb": round(max((s.tree_rss for s in samples), default=0) / 1e9, 3),
        "peak_rss_largest_process_gb": round(
            max((s.largest_rss for s in samples), default=0) / 1e9, 3
        ),
        "max_processes": max((s.processes for s in samples), default=0),
        "peak_spill_gb": round(max((s.spill for s in samples), default=0) / 1e9, 3),
        "samples": len(samples),
    }
