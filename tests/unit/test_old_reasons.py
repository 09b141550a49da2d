"""Reasons an earlier release recorded (which could quote a cell: a survey comment, a secret a
crafted header made DuckDB evaluate) are withheld once: in the manifest and in the quarantine's
reason files, keeping the file's name and line, never the text. Twice changes nothing; rows
and files written since are left alone; having changed anything, it makes a build due.

Real DuckDB warehouse, real files on disk, as an earlier release left them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.landing import manifest
from orchestration.landing.archive import quarantine
from orchestration.landing.old_reasons import MIGRATION, WITHHELD, withhold_old_reasons
from orchestration.landing.refusal import REASON_VERSION, FileRefused
from orchestration.migrations import changed_since
from orchestration.settings import Settings

CANARY = "CANARY-0ld-r3ason-my-neighbour-hit-me"
OLD_NAME = "victim-survey-domestic-abuse-2024-02.csv"
ORPHAN = "victim-survey-opcc-services-2024-03.csv"


def old_reason(name: str) -> str:
    return f"file {name}, line 3, column 'comment': too long (found '{CANARY}'); expected <= 2000"


def write_old_reason_files(folder: Path, name: str) -> Path:
    """A quarantined file and its reason files as an earlier release wrote them."""
    folder.mkdir(parents=True, exist_ok=True)
    kept = folder / f"20240301T000000Z-{name}"
    kept.write_text(f"response_id,comment\nR-1,{CANARY}\n")
    kept.with_name(kept.name + ".reason.txt").write_text(old_reason(name) + "\n")
    recorded = {
        "file": name, "source": "victim_survey", "sha256": "ab" * 32,
        "refused_at": "20240301T000000Z", "reason": old_reason(name),
        "problem": "too long", "line": 3, "column": "comment", "expected": "<= 2000",
        "found": CANARY,
    }  # fmt: skip
    kept.with_name(kept.name + ".reason.json").write_text(json.dumps(recorded))
    return kept


def an_earlier_release(settings: Settings) -> Path:
    """A warehouse whose manifest has no reason_version (an accepted row, a refused row quoting
    a comment) and a quarantine whose reason files quote it (one without a manifest row)."""
    folder = settings.quarantine_dir / "victim_survey"
    kept = write_old_reason_files(folder, OLD_NAME)
    write_old_reason_files(folder, ORPHAN)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute(manifest.MANIFEST_DDL)  # the table as that release made it
        now = datetime(2024, 3, 1, tzinfo=UTC)
        con.execute(
            """
            insert into ops.file_manifest (delivery_id, source, original_name, sha256,
                received_at, partition_keys, status, quarantine_path, reason, taken_in_at)
            values ('old-refused', 'victim_survey', ?, ?, ?, [], 'refused', ?, ?, ?),
                   ('old-loaded', 'victim_survey', 'victim-survey-x-2024-01.csv', ?, ?,
                    ['2024-01'], 'loaded', null, null, ?)
            """,
            [OLD_NAME, "ab" * 32, now, str(kept), old_reason(OLD_NAME), now, "cd" * 32, now, now],
        )
    return kept


def manifest_rows(settings: Settings) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(
            "select delivery_id, reason, reason_version from ops.file_manifest order by all"
        ).fetchall()


def reason_files(settings: Settings) -> dict[str, bytes]:
    return {
        p.name: p.read_bytes()
        for p in sorted(settings.quarantine_dir.rglob("*"))
        if p.name.endswith((".reason.txt", ".reason.json"))
    }


def migrate(settings: Settings) -> int:
    with duckdb.connect(str(settings.warehouse_path)) as con:
        return withhold_old_reasons(con, settings.quarantine_dir)


def test_old_reasons_are_withheld_in_the_manifest_and_the_reason_files(settings):
    kept = an_earlier_release(settings)
    assert migrate(settings) == 3  # two reason files, one manifest row

    withheld = f"file {OLD_NAME}, line 3: {WITHHELD}; the file is in quarantine"  # name and line kept; the column (named as DuckDB read the header) is not
    assert manifest_rows(settings) == [
        ("old-loaded", None, REASON_VERSION),
        ("old-refused", withheld, REASON_VERSION),
    ]
    files = reason_files(settings)
    assert not [name for name, text in files.items() if CANARY.encode() in text]
    assert kept.with_name(kept.name + ".reason.txt").read_text() == withheld + "\n"
    recorded = json.loads(kept.with_name(kept.name + ".reason.json").read_text())
    assert recorded["reason"] == withheld and recorded["found"] is None
    assert (recorded["reason_version"], recorded["line"], recorded["file"]) == (2, 3, OLD_NAME)
    assert CANARY in kept.read_text()  # the quarantined file itself is kept as delivered


def test_withholding_twice_changes_nothing(settings):
    an_earlier_release(settings)
    migrate(settings)
    rows, files = manifest_rows(settings), reason_files(settings)
    with duckdb.connect(str(settings.warehouse_path)) as con:  # even were it run again
        con.execute("delete from ops.migrations where name = ?", [MIGRATION])
    assert migrate(settings) == 0
    assert migrate(settings) == 0
    assert manifest_rows(settings) == rows and reason_files(settings) == files


def test_reasons_written_since_are_left_as_they_are(settings):
    """A refusal recorded by this release is version 2, in the manifest and its reason files,
    so the migration never touches it (its reason is already bounded by refusal.py's rules)."""
    an_earlier_release(settings)
    migrate(settings)
    landing = settings.landing_for("victim_survey")
    landing.mkdir(parents=True)
    (landing / "bad.csv").write_text("x\n")
    refusal = FileRefused("bad.csv", "no header", "a header", row=1)
    target = quarantine(
        settings.quarantine_dir, "victim_survey", landing / "bad.csv", None, refusal
    )
    with duckdb.connect(str(settings.warehouse_path)) as con:
        manifest.ensure_manifest(con)
        delivery = manifest.Delivery(
            "victim_survey", "bad.csv", "ef" * 32, datetime.now(UTC), (), None
        )
        manifest.record_refused(con, delivery, str(target), str(refusal))
        con.execute("delete from ops.migrations where name = ?", [MIGRATION])
    assert (
        json.loads(target.with_name(target.name + ".reason.json").read_text())["reason_version"]
        == REASON_VERSION
    )
    assert migrate(settings) == 0
    assert (str(refusal), REASON_VERSION) in [row[1:] for row in manifest_rows(settings)]


def test_a_migration_that_changed_anything_makes_a_build_due(settings):
    an_earlier_release(settings)
    before = datetime.now(UTC)
    migrate(settings)
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        assert changed_since(con, before) == [MIGRATION]
        assert changed_since(con, datetime.now(UTC)) == []
