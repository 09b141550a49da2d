"""The manifest: one row per delivered file, whatever became of it.

Accepted files keep every version (the newest for a partition is ``loaded``, older ones
``superseded``); refused files keep their reason. The table lives in the warehouse so that a
file's rows and its manifest row are written in the same transaction.

This module is the only one that reads or writes ``ops.file_manifest``: intake, refresh,
`pcp status`, the sensors and the build ledger call the named functions below, so the table's
shape and the meaning of its statuses are known in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

from orchestration.database import table_exists
from orchestration.landing.files import LandedFile, UnusableEntry
from orchestration.landing.names import escaped, name_identity
from orchestration.landing.refusal import REASON_VERSION

MANIFEST_DDL = """
create schema if not exists ops;
create table if not exists ops.file_manifest (
    delivery_id      varchar primary key,
    source           varchar not null,
    original_name    varchar not null,
    sha256           varchar not null,
    received_at      timestamptz not null,
    partition_keys   varchar[] not null,
    row_count        bigint,
    status           varchar not null,   -- loaded | superseded | refused
    version          integer,            -- 1, 2, ... per source and partition, accepted files only
    archive_path     varchar,
    quarantine_path  varchar,
    reason           varchar,
    run_id           varchar
);
-- Files replace each other only within a scope (a force, a survey): two forces' files for the
-- same month are both current. Added after the first release, hence the migration.
alter table ops.file_manifest add column if not exists scope varchar default '';
-- received_at is when the file was delivered into landing (its modification time); taken_in_at
-- when intake looked at it. Rows written before the distinction was made had only one time.
alter table ops.file_manifest add column if not exists taken_in_at timestamptz;
update ops.file_manifest set taken_in_at = received_at where taken_in_at is null;
"""


@dataclass(frozen=True)
class Delivery:
    source: str
    original_name: str
    sha256: str
    received_at: datetime
    partition_keys: tuple[str, ...]
    run_id: str | None
    scope: str = ""
    taken_in_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def delivery_id(self) -> str:
        # An entry never read (a link, a FIFO) has no content hash: its name's stands in.
        identity = self.sha256 or name_identity(self.original_name)
        return f"{identity[:16]}-{self.taken_in_at.strftime('%Y%m%dT%H%M%S%f')}"

    @classmethod
    def of(
        cls,
        dataset: str,
        landed: LandedFile,
        run_id: str | None,
        partition_keys: tuple[str, ...] = (),
        scope: str = "",
    ) -> Delivery:
        """The delivery of a landed file, dated by when it arrived in landing."""
        return cls(
            dataset, landed.name, landed.sha256, landed.received_at, partition_keys, run_id, scope
        )

    @classmethod
    def of_entry(cls, folder: str, entry: UnusableEntry, run_id: str | None) -> Delivery:
        """The delivery of an unusable entry of a landing folder: its name escaped (it may not
        be text), its content hash only when it was read (empty for anything not a file)."""
        return cls(folder, escaped(entry.name), entry.sha256 or "", entry.received_at, (), run_id)


def ensure_manifest(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(MANIFEST_DDL)
    # reason_version: the rules a row's reason was written under (refusal.py REASON_VERSION).
    # Rows written before the column existed are version 1 (their reasons may quote the file,
    # and are withheld by landing/old_reasons.py); every row written since gets the current one.
    has_version = con.execute(
        """
        select count(*) from duckdb_columns() where database_name = current_database()
          and schema_name = 'ops' and table_name = 'file_manifest'
          and column_name = 'reason_version'
        """
    ).fetchall()[0][0]
    if not has_version:
        con.execute("alter table ops.file_manifest add column reason_version integer default 1")
        con.execute(
            "alter table ops.file_manifest alter column reason_version "
            f"set default {int(REASON_VERSION)}"
        )


def is_known_accepted(con: duckdb.DuckDBPyConnection, source: str, sha256: str) -> bool:
    """True when these exact bytes were accepted before (under any name)."""
    rows = con.execute(
        "select 1 from ops.file_manifest where source = ? and sha256 = ? and status <> 'refused'",
        [source, sha256],
    ).fetchall()
    return bool(rows)


def accepted_sha256s(con: duckdb.DuckDBPyConnection, source: str | None = None) -> set[str]:
    """Every sha256 accepted before for the source (None: any source): ``is_known_accepted``
    for many files. Empty when nothing has been taken in yet (works read-only)."""
    if not exists(con):
        return set()
    rows = con.execute(
        """
        select distinct sha256 from ops.file_manifest
        where status <> 'refused' and (source = $source or $source is null)
        """,
        {"source": source},
    ).fetchall()
    return {row[0] for row in rows}


# Deliveries as rows (i = position in the list), for statements about many at once.
_DELIVERIES = """
    (select unnest($i) as i, unnest($scope) as scope, unnest($keys) as keys) as d
"""


def _delivery_params(deliveries: Sequence[Delivery]) -> dict[str, object]:
    return {
        "i": list(range(len(deliveries))),
        "scope": [d.scope for d in deliveries],
        "keys": [list(d.partition_keys) for d in deliveries],
    }


def has_loaded(con: duckdb.DuckDBPyConnection, deliveries: Sequence[Delivery]) -> list[bool]:
    """For each delivery of one source, whether any of its partitions already hold an accepted
    file's rows (one query, however many)."""
    if not deliveries:
        return []
    (source,) = {d.source for d in deliveries}
    rows = con.execute(
        f"""
        select distinct d.i from {_DELIVERIES}
        join ops.file_manifest m on m.scope = d.scope and list_has_any(m.partition_keys, d.keys)
        where m.source = $source and m.status = 'loaded'
        """,
        {**_delivery_params(deliveries), "source": source},
    ).fetchall()
    loaded = {row[0] for row in rows}
    return [i in loaded for i in range(len(deliveries))]


def record_accepted(
    con: duckdb.DuckDBPyConnection, accepted: Sequence[tuple[Delivery, int, str]]
) -> list[int]:
    """Record (delivery, row count, archive path) of one source, one file or many, as loaded,
    marking the earlier versions of their partitions superseded; no two may share a partition
    within a scope. Call inside the transaction that replaces the partitions' rows. Returns
    the new versions."""
    if not accepted:
        return []
    deliveries = [delivery for delivery, _, _ in accepted]
    (source,) = {d.source for d in deliveries}
    params = {**_delivery_params(deliveries), "source": source}
    previous = dict(
        con.execute(
            f"""
            select d.i, coalesce(max(m.version), 0) from {_DELIVERIES}
            left join ops.file_manifest m
              on m.source = $source and m.scope = d.scope and m.status <> 'refused'
             and list_has_any(m.partition_keys, d.keys)
            group by d.i
            """,
            params,
        ).fetchall()
    )
    con.execute(
        f"""
        update ops.file_manifest m set status = 'superseded'
        where m.source = $source and m.status = 'loaded' and exists (
            select 1 from {_DELIVERIES}
            where d.scope = m.scope and list_has_any(m.partition_keys, d.keys))
        """,
        params,
    )
    versions = [int(previous[i]) + 1 for i in range(len(deliveries))]
    columns = {
        "delivery_id": [d.delivery_id for d in deliveries],
        "source": [d.source for d in deliveries],
        "original_name": [d.original_name for d in deliveries],
        "sha256": [d.sha256 for d in deliveries],
        "received_at": [d.received_at for d in deliveries],
        "partition_keys": [list(d.partition_keys) for d in deliveries],
        "row_count": [rows for _, rows, _ in accepted],
        "version": versions,
        "archive_path": [path for _, _, path in accepted],
        "run_id": [d.run_id for d in deliveries],
        "scope": [d.scope for d in deliveries],
        "taken_in_at": [d.taken_in_at for d in deliveries],
    }
    con.execute(
        f"""
        insert into ops.file_manifest ({", ".join(columns)}, status)
        select {", ".join(f"unnest(${name})::{_TYPES[name]}" for name in columns)}, 'loaded'
        """,
        columns,
    )
    return versions


_TYPES = {
    "delivery_id": "varchar",
    "source": "varchar",
    "original_name": "varchar",
    "sha256": "varchar",
    "received_at": "timestamptz",
    "partition_keys": "varchar[]",
    "row_count": "bigint",
    "version": "integer",
    "archive_path": "varchar",
    "run_id": "varchar",
    "scope": "varchar",
    "taken_in_at": "timestamptz",
}


def record_refused(
    con: duckdb.DuckDBPyConnection, delivery: Delivery, quarantine_path: str, reason: str
) -> None:
    con.execute(
        """
        insert into ops.file_manifest (delivery_id, source, original_name, sha256, received_at,
            partition_keys, row_count, status, version, archive_path, quarantine_path, reason,
            run_id, scope, taken_in_at)
        values (?, ?, ?, ?, ?, ?, null, 'refused', null, null, ?, ?, ?, ?, ?)
        """,
        [
            delivery.delivery_id,
            delivery.source,
            delivery.original_name,
            delivery.sha256,
            delivery.received_at,
            list(delivery.partition_keys),
            quarantine_path,
            reason,
            delivery.run_id,
            delivery.scope,
            delivery.taken_in_at,
        ],
    )


# Reading the manifest. Each works on a read-only connection and on a warehouse where nothing
# has been taken in yet (no table: nothing recorded).


def exists(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether anything has ever been taken in (the table is made by the first intake)."""
    return table_exists(con, "ops", "file_manifest")


@dataclass(frozen=True)
class RunDelivery:
    """A file a run took in or refused, as `pcp refresh` reports it."""

    source: str
    original_name: str
    status: str
    row_count: int | None
    reason: str | None
    partition_keys: tuple[str, ...]


def deliveries_of_runs(con: duckdb.DuckDBPyConnection, run_ids: Sequence[str]) -> list[RunDelivery]:
    """What the given runs recorded, by source and file name."""
    if not run_ids or not exists(con):
        return []
    rows = con.execute(
        """
        select source, original_name, status, row_count, reason, partition_keys
        from ops.file_manifest where run_id in ? order by source, original_name
        """,
        [list(run_ids)],
    ).fetchall()
    return [RunDelivery(*row[:5], tuple(row[5])) for row in rows]


def deliveries_so_far(con: duckdb.DuckDBPyConnection) -> tuple[int, datetime | None]:
    """How many deliveries have been recorded and when the newest was taken in: the build
    ledger's watermark (a build is due when it moves) and the build sensor's quiet period."""
    if not exists(con):
        return 0, None
    count, last = con.execute(
        "select count(*), max(taken_in_at) from ops.file_manifest"
    ).fetchall()[0]
    return int(count), last


def deliveries_around(
    con: duckdb.DuckDBPyConnection, taken_in_by: datetime | None
) -> tuple[int, list[str]]:
    """How many deliveries were taken in by ``taken_in_by`` (a build's watermark), and the
    datasets delivered after it, refused files included (they change readiness): what a
    build since that watermark must rebuild from."""
    if not exists(con):
        return 0, []
    (before,) = con.execute(
        "select count(*) from ops.file_manifest where taken_in_at <= ?", [taken_in_by]
    ).fetchall()[0]
    since = con.execute(
        """
        select distinct source from ops.file_manifest
        where ? is null or taken_in_at is null or taken_in_at > ? order by source
        """,
        [taken_in_by, taken_in_by],
    ).fetchall()
    return int(before), [row[0] for row in since]


@dataclass(frozen=True)
class LoadedSummary:
    partitions: list[str]
    files: int
    last_taken_in: datetime | None


def loaded_summary(con: duckdb.DuckDBPyConnection, source: str) -> LoadedSummary:
    """The partitions a dataset's current files hold, how many files, and the last intake."""
    if not exists(con):
        return LoadedSummary([], 0, None)
    partitions, files, last = con.execute(
        """
        select list_sort(list_distinct(flatten(list(partition_keys)))), count(*),
               max(taken_in_at)
        from ops.file_manifest where source = ? and status = 'loaded'
        """,
        [source],
    ).fetchall()[0]
    return LoadedSummary(list(partitions or []), files, last)


@dataclass(frozen=True)
class Refusal:
    """A refused delivery as recorded: its name (as delivered), when, why, where it is kept."""

    source: str
    original_name: str
    taken_in_at: datetime
    reason: str
    quarantine_path: str
    partition_keys: tuple[str, ...]
    scope: str


_REFUSALS = """
    select source, original_name, taken_in_at, reason, quarantine_path, partition_keys, scope
    from ops.file_manifest where status = 'refused'
"""


def _refusals(rows: list[tuple]) -> list[Refusal]:
    return [Refusal(*row[:5], tuple(row[5] or ()), row[6] or "") for row in rows]


def refusals_of(con: duckdb.DuckDBPyConnection, source: str) -> list[Refusal]:
    """A source's refused deliveries, newest first."""
    if not exists(con):
        return []
    rows = con.execute(f"{_REFUSALS} and source = ? order by taken_in_at desc", [source])
    return _refusals(rows.fetchall())


def refusals_outside(con: duckdb.DuckDBPyConnection, sources: Sequence[str]) -> list[Refusal]:
    """Refused deliveries recorded under any other name (a landing folder's), by name and
    newest first."""
    if not exists(con):
        return []
    rows = con.execute(
        f"{_REFUSALS} and not list_contains(?, source) order by source, taken_in_at desc",
        [sorted(sources)],
    )
    return _refusals(rows.fetchall())


def loaded_for(
    con: duckdb.DuckDBPyConnection, source: str, scope: str, keys: Sequence[str]
) -> list[tuple[str, int, datetime]]:
    """(name, version, taken in) of the current files holding any of the partitions, oldest
    intake first."""
    return con.execute(
        """
        select original_name, version, taken_in_at from ops.file_manifest
        where source = ? and scope = ? and status = 'loaded' and list_has_any(partition_keys, ?)
        order by taken_in_at
        """,
        [source, scope, list(keys)],
    ).fetchall()


def reasons_older_than(
    con: duckdb.DuckDBPyConnection, reason_version: int
) -> list[tuple[str, str, str | None]]:
    """(delivery id, name, quarantine path) of each reason written under older rules."""
    return con.execute(
        """
        select delivery_id, original_name, quarantine_path from ops.file_manifest
        where reason is not null and reason_version < ?
        """,
        [reason_version],
    ).fetchall()


def replace_reasons(
    con: duckdb.DuckDBPyConnection, replaced: Sequence[tuple[str, str]], reason_version: int
) -> None:
    """Set each (delivery id, reason) and mark every row older than ``reason_version`` as
    written under it, in one transaction."""
    con.execute("begin transaction")
    try:
        for delivery_id, reason in replaced:
            con.execute(
                "update ops.file_manifest set reason = ?, reason_version = ? where delivery_id = ?",
                [reason, reason_version, delivery_id],
            )
        # Rows without a reason (accepted files) quote nothing: marked, so none is looked at again.
        con.execute(
            "update ops.file_manifest set reason_version = ? where reason_version < ?",
            [reason_version, reason_version],
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
