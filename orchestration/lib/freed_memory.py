"""Give memory a large frame used back to the operating system once it is freed.

A Great Expectations validation holds its batch's rows as a pandas frame (about 64 MB of CSV
becomes several hundred MB of objects and arrays). Freed, most of that stays in the process:
glibc keeps freed blocks for reuse, and after a large block is freed it raises its threshold
for serving allocations from fresh mappings, so the next frame's arrays come from the heap too
and the heap never shrinks. Both intake processes (the one that builds the frame and the
worker that validates it) then sit several hundred MB above what they use, which at national
volume took the refresh's process tree past the memory goal (peak RSS < 2 GB).
``malloc_trim(0)`` hands every whole free page back; it takes milliseconds.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from functools import cache


@cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        libc.malloc_trim  # noqa: B018 (glibc only: musl and macOS have no malloc_trim)
    except (OSError, AttributeError, TypeError):
        return None
    return libc


def release_freed_memory() -> bool:
    """Collect garbage and give the freed heap back; whether the C library could."""
    gc.collect()
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True


# Python's cyclic collector by default looks at its youngest objects every 700 allocations
# net of frees, and at everything alive every 100 such looks once enough has survived. A `pcp`
# process imports Dagster, dbt, DuckDB and often Great Expectations and pandas: ~1.5M objects
# that live as long as the process, allocated in bursts that kept the collector walking them.
# In one month's refresh it ran ~1,900 times for 1.6-1.7 s of the main process (and 0.5 s of
# the suite worker's), finding next to nothing. Looked at every 10,000 allocations, with the
# older generations 20 times rarer, it runs ~130 times for ~0.2-0.8 s. The cycles the pipeline
# does make big (GX holding a frame) are still collected at once by `release_freed_memory`.
COLLECTOR_THRESHOLDS = (10_000, 20, 20)


def collect_cycles_less_often() -> None:
    """Set this process's collector to `COLLECTOR_THRESHOLDS` (its entry point calls it)."""
    gc.set_threshold(*COLLECTOR_THRESHOLDS)
