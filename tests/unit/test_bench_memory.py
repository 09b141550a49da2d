"""The bench's memory sampler (`orchestration/bench_memory.py`) counts every process of a tree,
not only the one it started: the memory goal (peak RSS < 2 GB) is for a refresh's processes
together."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

from orchestration.bench_memory import TreeSampler, disk_bytes, peaks, tree

MB = 1_000_000
# A child that holds ``size`` MB (touched, so resident) for a minute or until killed. (Not
# until its stdin closes: a shell gives its background jobs /dev/null.)
HOLDER = (
    "import os, time; block = bytearray({size} * 1_000_000); "
    "block[::4096] = b'x' * len(block[::4096]); os.write(1, b'ready\\n'); time.sleep(60)"
)


def test_the_tree_is_summed_and_the_largest_process_kept_apart():
    # A shell whose two children each hold 150 MB: the tree holds 300 MB and more, no single
    # process more than ~150 MB plus an interpreter.
    script = (
        f'{sys.executable} -c "{HOLDER.format(size=150)}" & '
        f'{sys.executable} -c "{HOLDER.format(size=150)}" & wait'
    )
    shell = subprocess.Popen(["sh", "-c", script], stdout=subprocess.PIPE, text=True)
    started = tree(shell.pid)
    try:
        assert shell.stdout.readline().strip() == "ready"
        assert shell.stdout.readline().strip() == "ready"
        started = tree(shell.pid)
        assert len(started) == 3
        sampler = TreeSampler(shell.pid, interval=0.05).start()
        time.sleep(0.3)
        sampler.stop()
    finally:
        for pid in reversed(started):  # the holders, then the shell: only what this test began
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        shell.wait(timeout=30)
    found = peaks(sampler.samples)
    assert found["samples"] >= 2
    assert found["max_processes"] == 3
    assert found["peak_rss_tree_gb"] >= 0.3
    assert 0.15 <= found["peak_rss_largest_process_gb"] < 0.25
    assert found["peak_rss_tree_gb"] > found["peak_rss_largest_process_gb"] * 1.5


def test_spill_is_what_the_files_take_on_disk(tmp_path):
    assert disk_bytes(tmp_path / "absent") == 0
    (tmp_path / "spill").mkdir()
    (tmp_path / "spill" / "a.block").write_bytes(b"\1" * 3 * MB)
    with (tmp_path / "spill" / "sparse.block").open("wb") as handle:
        handle.truncate(50 * MB)  # a hole: no blocks on disk
    assert 3 * MB <= disk_bytes(tmp_path / "spill") < 3.5 * MB
