"""Whose fault an error met while taking one file in is: the file's (it is refused, and the
other files carry on) or the warehouse's own (the run stops, and the file stays in landing).

A file is quarantined only for what is wrong with it. When the machine or the data dir fails
(the disk or quota is full, the file system is read-only or failing, memory ran out, the
database was invalidated or its transaction failed, the suite worker died) every other file
would fail the same way,
and a good file refused for our fault would have to be delivered again by hand: the run stops
instead, nothing is written, and the next run takes the file in once the fault is mended.
Everything else an unforeseen error in one file's reading, checking, validating or archiving can
be (a format's bug met by odd content, a library's error, a file swapped or made unreadable in
landing) is that file's refusal: one file never stops the others.
"""

from __future__ import annotations

import errno
import os

import duckdb

# The data dir's or the machine's faults, as the operating system names them.
_ENVIRONMENT_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.ENOMEM, errno.EMFILE, errno.ENFILE}
)
# DuckDB says why a write failed only in its message (its IOException carries no errno): the
# operating system's words for those faults. Only matched, never shown (a message may quote).
_ENVIRONMENT_WORDS = tuple(os.strerror(code) for code in sorted(_ENVIRONMENT_ERRNOS))
# Errors about the database or the process itself, whatever file was being read.
_DATABASE_FAULTS = (
    MemoryError,
    EOFError,  # the Great Expectations worker process died (its pipe closed)
    ConnectionError,  # ... or could not be written to (a broken pipe)
    duckdb.FatalException,  # the database is invalidated: nothing more can be written
    duckdb.OutOfMemoryException,
    duckdb.TransactionException,
    duckdb.InterruptException,
)


def is_our_fault(error: BaseException) -> bool:
    """True when ``error`` is the warehouse's (or the machine's) own failure, not the file's."""
    if isinstance(error, _DATABASE_FAULTS):
        return True
    if isinstance(error, OSError):
        return error.errno in _ENVIRONMENT_ERRNOS
    if isinstance(error, duckdb.IOException):
        return any(words in str(error) for words in _ENVIRONMENT_WORDS)
    return False
