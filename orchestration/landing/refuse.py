"""Refusing one delivery: the file (or entry) out of landing into quarantine with its reason,
and a refused row in the manifest. Intake (a file its source cannot take) and the landing
survey (an entry no source can take) both refuse through here, so a refusal is kept and
recorded the same way whoever refuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.landing import manifest
from orchestration.landing.archive import quarantine, quarantine_entry
from orchestration.landing.files import is_regular
from orchestration.landing.refusal import FileRefused


@dataclass(frozen=True)
class Refused:
    reason: str  # as recorded: the refusal, saying where the file is (or that it stayed)
    quarantine_path: str  # '' when it could not be moved, or held no bytes to keep


def refuse(
    con: duckdb.DuckDBPyConnection,
    quarantine_dir: Path,
    delivery: manifest.Delivery,
    path: Path,
    sha256: str | None,
    refusal: FileRefused,
    regular: bool = True,
) -> Refused | None:
    """Quarantine what is at ``path`` and record its refusal; None when it went away since it
    was surveyed (nothing to refuse). A regular file is moved with its reason beside it; any
    other entry (or a file swapped for a link since) is never opened (``quarantine_entry``).
    When it cannot be moved it is refused all the same: it stays in landing, and says why."""
    try:
        if regular and is_regular(path):
            kept = quarantine(quarantine_dir, delivery.source, path, sha256, refusal)
        else:
            kept, refusal = quarantine_entry(quarantine_dir, delivery.source, path, refusal)
        target = str(kept)
    except FileNotFoundError:
        return None
    except OSError as error:
        target = ""
        refusal = FileRefused(
            file_name=refusal.file_name,
            problem=f"{refusal.problem} (left in landing: it could not be moved to quarantine, "
            f"{type(error).__name__})",
            expected=refusal.expected,
            row=refusal.row,
            column=refusal.column,
            found=refusal.found,
            found_described=refusal.found_described,
        )
    manifest.record_refused(con, delivery, target, str(refusal))
    return Refused(str(refusal), target)
