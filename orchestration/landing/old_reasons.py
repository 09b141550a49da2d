"""Withholding refusal reasons recorded by earlier releases, once, at the start of a refresh.

Releases before refusal.py's ``REASON_VERSION`` 2 quoted cells and header cells in refusal
reasons: a victim's survey comment, or text a crafted header made DuckDB evaluate (an
environment variable). Such a reason is kept in the manifest (``ops.file_manifest.reason``,
shown by `pcp status` and republished by ``mart_board_readiness``) and beside the quarantined
file (``.reason.txt``, ``.reason.json``). What it quoted cannot be told from what it says, so
every reason recorded under version 1 is replaced by one that quotes nothing: the file's name,
its line where it was recorded apart from the text (``.reason.json``), and that the file itself
is in quarantine, where a data engineer can read it. The column is not kept: those releases
named it as DuckDB read the header, and a crafted header cell DuckDB evaluated became a column
named by what it evaluated to (the secret itself).

Idempotent: a reason rewritten is marked version 2 (the manifest's ``reason_version``,
``reason_version`` in the ``.reason.json``) and never rewritten again; reason files are
rewritten before the manifest, so a refresh that dies between the two finishes the job next
time. Recorded in ``ops.migrations`` once done; having changed anything, it makes a build due,
so the published readiness mart loses the old reasons in the same refresh.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration import migrations
from orchestration.landing import manifest
from orchestration.landing.manifest import ensure_manifest
from orchestration.landing.refusal import REASON_VERSION, FileRefused

MIGRATION = "withhold-reasons-recorded-before-reason-version-2"
WITHHELD = "reason withheld: recorded by an earlier release that could quote the file's content"
IN_QUARANTINE = "the file is in quarantine"
NOT_KEPT = "the file was not kept in quarantine"


@dataclass(frozen=True)
class Withheld:
    """What is kept of an old reason: where, never what."""

    file_name: str
    line: int | None = None
    in_quarantine: bool = True

    def __str__(self) -> str:
        where = FileRefused(self.file_name, WITHHELD, "", self.line).where()
        return f"{where}: {WITHHELD}; {IN_QUARANTINE if self.in_quarantine else NOT_KEPT}"


def withhold_old_reasons(con: duckdb.DuckDBPyConnection, quarantine_dir: Path) -> int:
    """Replace every reason recorded under an older REASON_VERSION, in the quarantine's reason
    files and then the manifest; returns how many were replaced (0 once done)."""
    if migrations.is_applied(con, MIGRATION):
        return 0
    ensure_manifest(con)
    changed = _rewrite_reason_files(quarantine_dir)
    changed += _rewrite_manifest(con)
    migrations.record_applied(con, MIGRATION, changed)
    return changed


def _reason_files(quarantine_dir: Path) -> list[Path]:
    """Every ``.reason.txt`` in quarantine (each beside its ``.reason.json`` when one was
    written), never through a link."""
    if not quarantine_dir.is_dir():
        return []
    return sorted(
        p for p in quarantine_dir.rglob("*.reason.txt") if p.is_file() and not p.is_symlink()
    )


def _json_of(reason_txt: Path) -> Path:
    return reason_txt.with_name(reason_txt.name.removesuffix(".txt") + ".json")


def _recorded(reason_json: Path) -> dict | None:
    try:
        recorded = json.loads(reason_json.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # missing or unreadable: nothing of it is kept
    return recorded if isinstance(recorded, dict) else None


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _rewrite_reason_files(quarantine_dir: Path) -> int:
    changed = 0
    for reason_txt in _reason_files(quarantine_dir):
        reason_json = _json_of(reason_txt)
        recorded = _recorded(reason_json) or {}
        if recorded.get("reason_version", 1) >= REASON_VERSION:
            continue
        # The name as the reason file recorded it, else as the quarantined file is called.
        name = _str_or_none(recorded.get("file")) or reason_txt.name.removesuffix(".reason.txt")
        withheld = Withheld(name, _int_or_none(recorded.get("line")))
        kept = {
            key: recorded[key]
            for key in ("file", "source", "sha256", "refused_at", "file_name_bytes_hex")
            if key in recorded
        }
        rewritten = {
            **kept,
            "reason": str(withheld),
            "reason_version": REASON_VERSION,
            "problem": WITHHELD,
            "line": withheld.line,
            "column": None,
            "expected": None,
            "found": None,
        }
        reason_txt.write_text(str(withheld) + "\n", encoding="utf-8")
        reason_json.write_text(json.dumps(rewritten, indent=2) + "\n", encoding="utf-8")
        changed += 1
    return changed


def _rewrite_manifest(con: duckdb.DuckDBPyConnection) -> int:
    rows = manifest.reasons_older_than(con, REASON_VERSION)
    replaced: list[tuple[str, str]] = []
    for delivery_id, name, quarantine_path in rows:
        line = None
        if quarantine_path:  # where the reason file (rewritten above) kept the line
            line = _int_or_none(
                (_recorded(Path(quarantine_path + ".reason.json")) or {}).get("line")
            )
        withheld = Withheld(name, line, in_quarantine=bool(quarantine_path))
        replaced.append((delivery_id, str(withheld)))
    manifest.replace_reasons(con, replaced, REASON_VERSION)
    return len(replaced)
