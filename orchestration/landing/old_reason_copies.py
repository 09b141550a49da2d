"""Removing, on request, the copies of old refusal reasons that old_reasons.py does not rewrite.

Releases before refusal.py's ``REASON_VERSION`` 2 could quote a file's content in a refusal
reason (a survey comment, a secret a crafted header made DuckDB evaluate). ``old_reasons.py``
withholds those reasons in the manifest and the quarantine's reason files at the first refresh
of this release. Copies of them were also written where a reason is history, not state:

- Dagster's run history under ``dagster/``: each run's event log (``history/runs/<run>.db``,
  mirrored in ``index.db``: the intake's "Refused <file>: <reason>" lines), its compute logs
  (``storage/<run>/``) and the sensors' ticks in ``schedules/schedules.db`` ("... will be
  refused: <reason>", under `make dev`);
- the alert emails of ``outbox/`` (when no channel was configured), which quote the reasons of
  the refusals they report.

``pcp forget-old-reasons`` removes them: every Dagster run created before the migration ran
(its ``applied_at`` in ``ops.migrations``: no run of this release is older), with its events and
compute logs, the sensors' ticks from before then, and the ``.eml`` files of ``outbox/`` written
before then. SQLite keeps deleted rows in free pages until they are reused, so each Dagster
database left is then vacuumed (rewritten whole) and its write-ahead log emptied, and a run's
own event file is deleted. Nothing of the warehouse, the archive or the quarantine is touched;
what it cannot reach is said in README ("Who may read what").
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import dagster as dg

from orchestration.database import connect, table_exists
from orchestration.landing.old_reasons import MIGRATION
from orchestration.settings import Settings
from orchestration.writer_lock import hold

SQLITE_SIDE_FILES = ("", "-wal", "-shm", "-journal")


class NotYetWithheld(Exception):
    """No refresh of this release has withheld the old reasons yet: nothing can be told apart."""


@dataclass
class Forgotten:
    """What ``forget_old_reasons`` removed, and what it could not."""

    before: datetime
    runs: int = 0
    emails: int = 0
    tick_sources: int = 0
    vacuumed: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def reasons_withheld_at(settings: Settings) -> datetime:
    """When this release withheld the old reasons (the first refresh of it ran the migration)."""
    if not settings.warehouse_path.exists():
        raise NotYetWithheld("there is no warehouse yet: nothing was recorded")
    with connect(settings.warehouse_path, read_only=True) as con:
        found = (
            con.execute(
                "select applied_at from ops.migrations where name = ?", [MIGRATION]
            ).fetchall()
            if table_exists(con, "ops", "migrations")
            else []
        )
    if not found:
        raise NotYetWithheld(
            "no refresh of this release has run yet: run `pcp refresh` first (it withholds the "
            "old reasons in the manifest and the quarantine, and records when)"
        )
    return found[0][0]


def forget_old_reasons(settings: Settings, wait: float = 0.0) -> Forgotten:
    """Remove the runs, ticks and outbox emails from before the old reasons were withheld (see
    the module's docstring), holding the warehouse's writer lock so no refresh runs meanwhile."""
    with hold(settings.warehouse_path, "pcp forget-old-reasons", wait=wait):
        before = reasons_withheld_at(settings)
        forgotten = Forgotten(before)
        run_files = _forget_runs_and_ticks(settings, forgotten)
        for run_file in run_files:
            for side in SQLITE_SIDE_FILES:
                Path(f"{run_file}{side}").unlink(missing_ok=True)
        for database in _dagster_databases(settings.dagster_home):
            _vacuum(database, forgotten)
        forgotten.emails = _forget_emails(settings.outbox_dir, before)
    return forgotten


def _forget_runs_and_ticks(settings: Settings, forgotten: Forgotten) -> list[Path]:
    """Delete the old runs (records, events, compute logs) and ticks; returns each deleted
    run's own event file, to remove once the instance has let go of it."""
    run_files: list[Path] = []
    if not (settings.dagster_home / "dagster.yaml").exists():
        return run_files
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        old = instance.get_run_records(filters=dg.RunsFilter(created_before=forgotten.before))
        events = instance.event_log_storage
        for record in old:
            run_id = record.dagster_run.run_id
            instance.delete_run(run_id)
            instance.compute_log_manager.delete_logs(prefix=[run_id])
            if hasattr(events, "path_for_shard"):  # SQLite: one file per run
                run_files.append(Path(events.path_for_shard(run_id)))
            forgotten.runs += 1
        for state in instance.all_instigator_state():
            instance.purge_ticks(
                state.instigator_origin_id, state.selector_id, before=forgotten.before.timestamp()
            )
            forgotten.tick_sources += 1
    return run_files


def _dagster_databases(dagster_home: Path) -> Iterator[Path]:
    """Dagster's SQLite files under its home, never through a link."""
    if not dagster_home.is_dir():
        return
    for path in sorted(dagster_home.rglob("*.db")):
        if path.is_file() and not path.is_symlink():
            yield path


def _vacuum(database: Path, forgotten: Forgotten) -> None:
    """Rewrite a SQLite file whole, so no deleted row stays in a free page, and empty its
    write-ahead log (which may still hold the deleted rows' pages)."""
    con = sqlite3.connect(database, timeout=30, isolation_level=None)  # vacuum: no transaction
    try:
        con.execute("vacuum")
        con.execute("pragma wal_checkpoint(truncate)")
        forgotten.vacuumed.append(database)
    except sqlite3.Error as error:  # busy: a `make dev` holds it
        forgotten.problems.append(f"{database} could not be vacuumed ({error}): run it again")
    finally:
        con.close()


def _forget_emails(outbox: Path, before: datetime) -> int:
    """Delete the outbox's emails written before ``before``; returns how many."""
    if not outbox.is_dir():
        return 0
    deleted = 0
    for path in sorted(outbox.glob("*.eml")):
        info = path.lstat()
        if path.is_file() and not path.is_symlink() and info.st_mtime < before.timestamp():
            os.unlink(path)
            deleted += 1
    return deleted
