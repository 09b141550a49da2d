"""The ledger of warehouse builds: what each build started from, and how far it got.

A refresh is intake, then one build (dbt), then one publication. A process can die anywhere in
that, so the warehouse records each build as it goes: ``building`` when dbt starts (with the
state of the deliveries and of the code it builds from), ``built`` when dbt and its tests
passed, ``published`` when the marts reached ``published/``, or ``failed``. The next refresh or
sensor tick reads the newest row and finishes the job: it builds and publishes again whenever
the newest build is not ``published``, or deliveries, the code or (by a one-off migration)
recorded data changed since it started, even when no file is new. Nothing else decides
whether a build is due.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

import duckdb

from orchestration.database import table_exists
from orchestration.dbt_manifest import project_fingerprint
from orchestration.landing import manifest
from orchestration.migrations import changed_since

BUILDS_DDL = """
create schema if not exists ops;
create table if not exists ops.warehouse_builds (
    build_id          varchar primary key,
    run_id            varchar,
    trigger           varchar,
    started_at        timestamptz not null,
    -- what the build started from: the deliveries so far and the dbt project's content
    deliveries        bigint not null,
    last_taken_in_at  timestamptz,
    code_fingerprint  varchar not null,
    status            varchar not null,   -- building | built | published | failed
    built_at          timestamptz,
    published_at      timestamptz,
    failure           varchar,
    boards_frozen     varchar[]
);
-- what the build rebuilt: everything, or what new deliveries fed (build_scope.py); added after
-- the first release, so added to ledgers that release made
alter table ops.warehouse_builds add column if not exists scope varchar;
"""


@dataclass(frozen=True)
class Watermark:
    """How far the deliveries had got: any new delivery, refused or not, moves it."""

    deliveries: int
    last_taken_in_at: datetime | None


@dataclass(frozen=True)
class Build:
    build_id: str
    run_id: str | None
    trigger: str | None
    started_at: datetime
    watermark: Watermark
    code_fingerprint: str
    status: str
    built_at: datetime | None
    published_at: datetime | None
    failure: str | None
    scope: str | None = None  # what it rebuilt (build_scope.py); None before it was recorded


def ensure_builds(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(BUILDS_DDL)


def current_watermark(con: duckdb.DuckDBPyConnection) -> Watermark:
    return Watermark(*manifest.deliveries_so_far(con))


def latest_build(con: duckdb.DuckDBPyConnection) -> Build | None:
    """The newest build (works on a read-only connection: a sensor asks)."""
    if not table_exists(con, "ops", "warehouse_builds"):
        return None
    # A ledger an older release made, read before any build added its `scope` column.
    recorded = con.execute(
        """
        select 1 from information_schema.columns
        where table_schema = 'ops' and table_name = 'warehouse_builds' and column_name = 'scope'
        """
    ).fetchall()
    scope = "scope" if recorded else "cast(null as varchar)"
    rows = con.execute(
        f"""
        select build_id, run_id, trigger, started_at, deliveries, last_taken_in_at,
               code_fingerprint, status, built_at, published_at, failure, {scope}
        from ops.warehouse_builds order by started_at desc limit 1
        """
    ).fetchall()
    if not rows:
        return None
    (build_id, run_id, trigger, started, count, last, code, status, built, published, failure) = (
        rows[0][:11]
    )
    return Build(
        build_id,
        run_id,
        trigger,
        started,
        Watermark(count, last),
        code,
        status,
        built,
        published,
        failure,
        rows[0][11],
    )


def reference_data_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the warehouse's reference tables (dbt seeds) hold the current seed files: the
    newest build whose dbt run finished did so from the current code, seeds included. A build
    may then leave the seeds (and the tests that test only them) out: nothing they check can
    have changed."""
    if not table_exists(con, "ops", "warehouse_builds"):
        return False
    rows = con.execute(
        """
        select code_fingerprint from ops.warehouse_builds
        where status in ('built', 'published') order by started_at desc limit 1
        """
    ).fetchall()
    return bool(rows) and rows[0][0] == project_fingerprint()


def reason_to_build(con: duckdb.DuckDBPyConnection, today: date) -> str | None:
    """Why the warehouse must be built and published now, or None when the published marts are
    the build of the current deliveries and code and no board is waiting to be frozen."""
    from orchestration.publication.board_snapshots import boards_ready_to_freeze

    watermark = current_watermark(con)
    build = latest_build(con)
    if build is None:
        return "the warehouse has never been built" if watermark.deliveries else None
    if build.status == "building":
        return f"the build started at {build.started_at:%Y-%m-%d %H:%M} did not finish"
    if build.status == "failed":
        return f"the last build failed ({build.failure or 'see its run'})"
    if build.status == "built":
        return f"the build of {build.built_at:%Y-%m-%d %H:%M} was not published"
    if watermark != build.watermark:
        new = watermark.deliveries - build.watermark.deliveries
        return f"{new} delivery record(s) since the last build"
    if project_fingerprint() != build.code_fingerprint:
        return "the warehouse's models or reference data changed since the last build"
    if migrated := changed_since(con, build.started_at):
        return f"the one-off migration {migrated[-1]} changed recorded data since the last build"
    if due := boards_ready_to_freeze(con, today):
        return f"the board of {due[0][0]:%Y-%m-%d} is due to be frozen"
    return None


def start_build(
    con: duckdb.DuckDBPyConnection, run_id: str | None, trigger: str, *, scope: str = "full build"
) -> str:
    ensure_builds(con)
    watermark = current_watermark(con)
    build_id = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    con.execute(
        """
        insert into ops.warehouse_builds (build_id, run_id, trigger, started_at, deliveries,
            last_taken_in_at, code_fingerprint, status, scope)
        values (?, ?, ?, current_timestamp, ?, ?, ?, 'building', ?)
        """,
        [
            build_id,
            run_id,
            trigger,
            watermark.deliveries,
            watermark.last_taken_in_at,
            project_fingerprint(),
            scope,
        ],
    )
    return build_id


def finish_build(
    con: duckdb.DuckDBPyConnection, build_id: str, *, failure: str | None = None
) -> None:
    con.execute(
        """
        update ops.warehouse_builds
        set status = ?, built_at = case when cast(? as varchar) is null then current_timestamp end,
            failure = ?
        where build_id = ?
        """,
        ["failed" if failure else "built", failure, failure, build_id],
    )


def mark_published(con: duckdb.DuckDBPyConnection, build_id: str, boards_frozen: list[str]) -> None:
    con.execute(
        """
        update ops.warehouse_builds
        set status = 'published', published_at = current_timestamp, boards_frozen = ?
        where build_id = ?
        """,
        [boards_frozen, build_id],
    )
