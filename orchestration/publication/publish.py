"""Publishing the marts where analysts read them, atomically.

Analysts never open the file the pipeline writes (DuckDB lets one process write a file, and a
reader would block the refresh). After each successful build, every table of the ``marts`` and
``snapshots`` schemas is copied into a new DuckDB file beside the published one, which then
replaces it with one rename: an analyst holding the old file open keeps reading the old,
complete tables, and the next open sees the new ones. Parquet copies go into a new folder
and a ``parquet`` symlink is swapped to it the same way; the previous folder is kept for
readers in the middle of a read, older ones removed.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

PUBLISHED_SCHEMAS = ("marts", "snapshots")


@dataclass(frozen=True)
class Publication:
    database: Path
    parquet_dir: Path
    tables: tuple[str, ...]


def _tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    placeholders = ", ".join("?" for _ in PUBLISHED_SCHEMAS)
    return con.execute(
        f"""
        select schema_name, table_name from duckdb_tables()
        where database_name = current_database() and schema_name in ({placeholders})
        order by schema_name, table_name
        """,
        list(PUBLISHED_SCHEMAS),
    ).fetchall()


def publish(con: duckdb.DuckDBPyConnection, published_dir: Path) -> Publication:
    """Copy the marts (from the open warehouse connection) to ``published_dir``."""
    published_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    staging_db = published_dir / f".marts-{stamp}.duckdb"
    parquet_dir = published_dir / f"parquet-{stamp}"
    parquet_dir.mkdir()
    tables = _tables(con)
    con.execute(f"attach '{staging_db}' as publishing")
    try:
        for schema, table in tables:
            # The file is called marts.duckdb, so DuckDB names its catalog "marts": the marts go
            # in its default schema, where both `marts.mart_x` and plain `mart_x` find them.
            published_schema = "main" if schema == "marts" else schema
            con.execute(f"create schema if not exists publishing.{published_schema}")
            con.execute(
                f"create table publishing.{published_schema}.{table} "
                f"as select * from {schema}.{table}"
            )
            target = parquet_dir / (table if schema == "marts" else f"{schema}.{table}")
            con.execute(
                f"copy {schema}.{table} to '{target}.parquet' (format parquet, compression zstd)"
            )
    except BaseException:
        con.execute("detach publishing")
        staging_db.unlink(missing_ok=True)
        shutil.rmtree(parquet_dir, ignore_errors=True)
        raise
    con.execute("detach publishing")
    database = published_dir / "marts.duckdb"
    os.replace(staging_db, database)
    _swap_symlink(published_dir / "parquet", parquet_dir.name)
    _remove_old_parquet(published_dir, keep={parquet_dir.name})
    return Publication(database, published_dir / "parquet", tuple(f"{s}.{t}" for s, t in tables))


def _swap_symlink(link: Path, target_name: str) -> None:
    temporary = link.with_name(f".{link.name}-{uuid.uuid4().hex[:6]}")
    temporary.symlink_to(target_name)
    os.replace(temporary, link)


def _remove_old_parquet(published_dir: Path, keep: set[str]) -> None:
    """Keep the current folder and the one before it (a reader may be mid-way through it)."""
    folders = sorted(p for p in published_dir.glob("parquet-*") if p.is_dir())
    for folder in folders[:-2]:
        if folder.name not in keep:
            shutil.rmtree(folder, ignore_errors=True)
