"""A demo warehouse as an earlier release left it: a refused survey file whose reason quotes a
victim's comment, in the manifest and beside the quarantined file. The next `pcp refresh`
withholds it (with nothing new in landing, the migration alone makes it build and publish), so
the comment is gone from the manifest, the reason files and the published readiness mart. A
second refresh changes nothing and builds nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pytest

from orchestration.landing.old_reasons import WITHHELD
from orchestration.refresh import refresh
from tests.unit.test_old_reasons import CANARY, old_reason, write_old_reason_files

pytestmark = pytest.mark.slow
NAME = "victim-survey-domestic-abuse-2025-09.csv"
# Before the board of 2025-11-05 the demo is ready for, after its last survey delivery: the
# refusal stands on the board's last days, so readiness shows its reason.
REFUSED_AT = datetime(2025, 11, 1, 9, 0, tzinfo=UTC)


def as_an_earlier_release_left_it(settings) -> None:
    kept = write_old_reason_files(settings.quarantine_dir / "victim_survey", NAME)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        taken_in = con.execute("select max(taken_in_at) from ops.file_manifest").fetchone()[0]
        con.execute(
            """
            insert into ops.file_manifest (delivery_id, source, original_name, sha256,
                received_at, partition_keys, status, quarantine_path, reason, taken_in_at,
                reason_version)
            values ('old-refused', 'victim_survey', ?, ?, ?, [], 'refused', ?, ?, ?, 1)
            """,
            [NAME, "ab" * 32, REFUSED_AT, str(kept), old_reason(NAME), taken_in],
        )
        con.execute("update ops.file_manifest set reason_version = 1")
        con.execute("drop table if exists ops.migrations")
        # The last build saw this row already: only the migration can make a build due.
        con.execute(
            """
            update ops.warehouse_builds
            set deliveries = (select count(*) from ops.file_manifest)
            where started_at = (select max(started_at) from ops.warehouse_builds)
            """
        )


def manifest(settings) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(
            "select delivery_id, reason, reason_version from ops.file_manifest order by all"
        ).fetchall()


def reason_files(settings) -> dict[str, bytes]:
    return {
        p.name: p.read_bytes()
        for p in sorted(settings.quarantine_dir.rglob("*"))
        if p.name.endswith((".reason.txt", ".reason.json"))
    }


def readiness_rows_holding(settings, text: str) -> int:
    """Rows of the published readiness mart (DuckDB and Parquet) holding ``text``."""
    published = settings.published_dir
    with duckdb.connect(str(published / "marts.duckdb"), read_only=True) as con:
        in_duckdb = con.execute(
            "select count(*) from mart_board_readiness as r where contains(r::varchar, ?)", [text]
        ).fetchone()[0]
        in_parquet = con.execute(
            "select count(*) from read_parquet(?) as r where contains(r::varchar, ?)",
            [str(published / "parquet" / "mart_board_readiness.parquet"), text],
        ).fetchone()[0]
    return in_duckdb + in_parquet


def test_a_refresh_withholds_old_reasons_everywhere_once(demo_copy):
    settings, _ = demo_copy
    as_an_earlier_release_left_it(settings)

    first = refresh(settings)

    assert first.build_reason and "migration" in first.build_reason, first.build_reason
    assert first.ok, first
    assert not [row for row in manifest(settings) if row[1] and CANARY in row[1]]
    assert ("old-refused", f"file {NAME}, line 3: {WITHHELD}; the file is in quarantine", 2) in (
        manifest(settings)
    )
    assert not [name for name, text in reason_files(settings).items() if CANARY.encode() in text]
    assert readiness_rows_holding(settings, CANARY) == 0
    # Republished, from the new reason (searched up to its first quote: a row cast to text
    # escapes quotes).
    assert readiness_rows_holding(settings, WITHHELD.split("'")[0]) > 0

    rows, files = manifest(settings), reason_files(settings)
    second = refresh(settings)
    assert second.build_reason is None and second.ok
    assert manifest(settings) == rows and reason_files(settings) == files
