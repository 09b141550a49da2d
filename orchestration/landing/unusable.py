"""Refusing what a landing folder holds that no source can take: files no source recognises by
name, and entries that are not regular files or whose names are not plain text.

Both are refused for the folder as a whole (the manifest's ``source`` is the landing folder's
name), before any intake run: each gets a refused manifest row and its reason in quarantine,
so `pcp status` lists them. A regular file is moved into quarantine, under a bounded name when
its own is long or not plain text. An entry that is not a regular file is never opened or
followed (landing/archive.py ``quarantine_entry``): a directory is moved whole, unread; a
symbolic link (to anything, even inside landing), FIFO, socket or device holds no delivered
bytes and is removed from landing, keeping only its reason. Nothing about what a link points
at is recorded or shown: not its target, not its content. Each entry is refused on its own: an
error with one never stops the others.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from orchestration.database import connect
from orchestration.landing import manifest
from orchestration.landing.files import LandedFile, UnusableEntry
from orchestration.landing.names import shown
from orchestration.landing.refusal import FileRefused
from orchestration.landing.refuse import refuse
from orchestration.settings import Settings


def refuse_unusable(
    settings: Settings,
    folder: str,
    entries: Sequence[UnusableEntry],
    names: str = "",
    run_id: str | None = None,
) -> list[tuple[str, str]]:
    """Quarantine and record each unusable entry of ``landing/<folder>/``; ``names`` says what
    the folder's files are called, for an entry refused for its name. Returns (name as shown,
    reason) of each."""
    refused: list[tuple[str, str]] = []
    if not entries:
        return refused
    with connect(settings.warehouse_path) as con:
        manifest.ensure_manifest(con)
        for entry in entries:
            expected = entry.expected
            if names and entry.problem.startswith("the file name"):
                expected += f": {names}"
            refusal = FileRefused(file_name=entry.name, problem=entry.problem, expected=expected)
            kept = _keep(con, settings, folder, entry, refusal, run_id)
            if kept is not None:
                refused.append((shown(entry.name), kept))
    return refused


def _keep(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    folder: str,
    entry: UnusableEntry,
    refusal: FileRefused,
    run_id: str | None,
) -> str | None:
    """Quarantine one entry and record its refusal; the reason, or None when it went away."""
    delivery = manifest.Delivery.of_entry(folder, entry, run_id)
    refused = refuse(
        con, settings.quarantine_dir, delivery, entry.path, entry.sha256, refusal, entry.regular
    )
    return refused.reason if refused is not None else None


def refuse_unrecognised(
    settings: Settings,
    folder: str,
    files: Sequence[LandedFile],
    expected: str,
    run_id: str | None = None,
) -> list[tuple[str, str]]:
    """Quarantine and record each file of ``landing/<folder>/`` that no source claims by name,
    saying which names the folder takes. Returns (name as shown, reason) of each."""
    entries = [
        UnusableEntry(
            folder, landed.path,
            f"no source of this warehouse takes this file in landing/{folder}/",
            expected, landed.modified_at, landed.sha256, regular=True,
        )
        for landed in files
    ]  # fmt: skip
    return refuse_unusable(settings, folder, entries, run_id=run_id)
