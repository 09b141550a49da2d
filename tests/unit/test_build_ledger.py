"""The build ledger decides when a refresh must build and publish: whenever the newest build is
not published (a crash, a failure), deliveries or code changed since it started - never else."""

from __future__ import annotations

from datetime import UTC, date, datetime

import duckdb
import pytest

from orchestration.landing import manifest
from orchestration.publication import build_state
from orchestration.publication.build_state import (
    finish_build,
    latest_build,
    mark_published,
    reason_to_build,
    start_build,
)

TODAY = date(2026, 1, 15)


def deliver(con: duckdb.DuckDBPyConnection, name: str) -> None:
    manifest.ensure_manifest(con)
    delivery = manifest.Delivery(
        "police_uk_street", name, name.ljust(64, "0"), datetime.now(UTC), ("2025-01",), "r"
    )
    manifest.record_refused(con, delivery, "/quarantine/x", "a refusal is a delivery too")


@pytest.fixture
def con():
    with duckdb.connect() as connection:
        yield connection


def test_nothing_to_build_until_something_is_delivered(con):
    assert reason_to_build(con, TODAY) is None
    deliver(con, "a")
    assert reason_to_build(con, TODAY) == "the warehouse has never been built"


def test_a_build_that_did_not_finish_or_publish_is_done_again(con):
    deliver(con, "a")
    build = start_build(con, "run-1", "pcp refresh")
    assert "did not finish" in reason_to_build(con, TODAY)  # killed during dbt
    finish_build(con, build)
    assert "was not published" in reason_to_build(con, TODAY)  # killed during publication
    mark_published(con, build, [])
    assert reason_to_build(con, TODAY) is None
    assert latest_build(con).status == "published"


def test_a_failed_build_is_tried_again_and_says_why(con):
    deliver(con, "a")
    build = start_build(con, "run-1", "pcp refresh")
    finish_build(con, build, failure="dbt test not_null_x failed")
    assert reason_to_build(con, TODAY) == "the last build failed (dbt test not_null_x failed)"
    assert latest_build(con).built_at is None


def test_new_deliveries_or_changed_code_make_a_build_due(con, monkeypatch):
    deliver(con, "a")
    build = start_build(con, "run-1", "pcp refresh")
    finish_build(con, build)
    mark_published(con, build, [])
    deliver(con, "b")
    assert reason_to_build(con, TODAY) == "1 delivery record(s) since the last build"
    build = start_build(con, "run-2", "pcp refresh")
    finish_build(con, build)
    mark_published(con, build, [])
    assert reason_to_build(con, TODAY) is None
    monkeypatch.setattr(build_state, "project_fingerprint", lambda: "changed")
    assert "models or reference data changed" in reason_to_build(con, TODAY)


def test_a_ledger_from_before_build_scopes_is_read_and_then_records_them(con):
    """A warehouse an older release built has no `scope` column: `pcp status` and the sensor
    read its ledger as it is (read-only), and the next build adds the column."""
    con.execute(
        """
        create schema ops;
        create table ops.warehouse_builds (
            build_id varchar primary key, run_id varchar, trigger varchar,
            started_at timestamptz not null, deliveries bigint not null,
            last_taken_in_at timestamptz, code_fingerprint varchar not null,
            status varchar not null, built_at timestamptz, published_at timestamptz,
            failure varchar, boards_frozen varchar[]);
        insert into ops.warehouse_builds (build_id, started_at, deliveries, code_fingerprint,
            status) values ('old', current_timestamp - interval 1 day, 3, 'x', 'published');
        """
    )
    old = latest_build(con)
    assert (old.build_id, old.status, old.scope) == ("old", "published", None)
    deliver(con, "a")
    start_build(con, "run-2", "pcp refresh", scope="full build: asked for")
    assert latest_build(con).scope == "full build: asked for"
