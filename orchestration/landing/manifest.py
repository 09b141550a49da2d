"""The manifest: one row per delivered file, whatever became of it.

Accepted files keep every version (the newest for a partition is ``loaded``, older ones
``superseded``); refused files keep their reason. The table lives in the warehouse so that a
file's rows and its manifest row are written in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

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

    @property
    def delivery_id(self) -> str:
        return f"{self.sha256[:16]}-{self.received_at.strftime('%Y%m%dT%H%M%S%f')}"


def ensure_manifest(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(MANIFEST_DDL)


def is_known_accepted(con: duckdb.DuckDBPyConnection, source: str, sha256: str) -> bool:
    """True when these exact bytes were accepted before (under any name)."""
    rows = con.execute(
        "select 1 from ops.file_manifest where source = ? and sha256 = ? and status <> 'refused'",
        [source, sha256],
    ).fetchall()
    return bool(rows)


def has_loaded(con: duckdb.DuckDBPyConnection, delivery: Delivery) -> bool:
    """Whether any of the delivery's partitions already hold an accepted file's rows."""
    rows = con.execute(
        """
        select 1 from ops.file_manifest
        where source = ? and scope = ? and status = 'loaded' and list_has_any(partition_keys, ?)
        limit 1
        """,
        [delivery.source, delivery.scope, list(delivery.partition_keys)],
    ).fetchall()
    return bool(rows)


def record_accepted(
    con: duckdb.DuckDBPyConnection, delivery: Delivery, row_count: int, archive_path: str
) -> int:
    """Mark earlier versions of the same partitions superseded and add this one as loaded.

    Call inside the transaction that replaces the partitions' rows. Returns the new version.
    """
    keys = list(delivery.partition_keys)
    previous = con.execute(
        """
        select coalesce(max(version), 0) from ops.file_manifest
        where source = ? and scope = ? and status <> 'refused' and list_has_any(partition_keys, ?)
        """,
        [delivery.source, delivery.scope, keys],
    ).fetchall()[0][0]
    con.execute(
        """
        update ops.file_manifest set status = 'superseded'
        where source = ? and scope = ? and status = 'loaded' and list_has_any(partition_keys, ?)
        """,
        [delivery.source, delivery.scope, keys],
    )
    version = int(previous) + 1
    con.execute(
        """
        insert into ops.file_manifest (delivery_id, source, original_name, sha256, received_at,
            partition_keys, row_count, status, version, archive_path, quarantine_path, reason,
            run_id, scope)
        values (?, ?, ?, ?, ?, ?, ?, 'loaded', ?, ?, null, null, ?, ?)
        """,
        [
            delivery.delivery_id,
            delivery.source,
            delivery.original_name,
            delivery.sha256,
            delivery.received_at,
            keys,
            row_count,
            version,
            archive_path,
            delivery.run_id,
            delivery.scope,
        ],
    )
    return version


def record_refused(
    con: duckdb.DuckDBPyConnection, delivery: Delivery, quarantine_path: str, reason: str
) -> None:
    con.execute(
        """
        insert into ops.file_manifest (delivery_id, source, original_name, sha256, received_at,
            partition_keys, row_count, status, version, archive_path, quarantine_path, reason,
            run_id, scope)
        values (?, ?, ?, ?, ?, ?, null, 'refused', null, null, ?, ?, ?, ?)
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
        ],
    )
