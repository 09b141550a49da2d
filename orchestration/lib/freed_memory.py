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
