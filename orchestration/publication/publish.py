"""Publishing the marts where analysts read them, atomically.

Analysts never open the file the pipeline writes (DuckDB lets one process write a file, and a
reader would block the refresh). After each successful build, every table of the ``marts`` and
``snapshots`` schemas is copied into a new DuckDB file beside the published one, which then
replaces it with one rename: an analyst holding the old file open keeps reading the old,
complete tables, and the next open sees the new ones. Parquet copies go into a new folder
and a ``parquet`` symlink is swapped to it the same way; the previous folder is kept for
readers in the middle of a read, older ones removed.

A publication that dies part-way leaves a half-written ``.marts-*.duckdb`` or ``parquet-*``
beside the published ones, never in their place; the next publication removes them first (it
runs under the warehouse's writer lock, so nothing else can be writing them).
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.pause_points import pause_point

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


def _sql_string(path: Path) -> str:
    """A path as a SQL string literal (ATTACH and COPY take no bound parameters for paths)."""
    return "'" + str(path).replace("'", "''") + "'"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def remove_unfinished(published_dir: Path) -> list[Path]:
    """Remove what an interrupted publication left: staging databases, their WAL files,
    temporary symlinks and Parquet folders that are neither current nor the one before."""
    if not published_dir.is_dir():
        return []
    removed = [
        *published_dir.glob(".marts-*.duckdb"),
        *published_dir.glob(".marts-*.duckdb.wal"),
        *published_dir.glob(".parquet-*"),
    ]
    for path in removed:
        path.unlink(missing_ok=True)
    link = published_dir / "parquet"
    current = os.readlink(link) if link.is_symlink() else None
    folders = sorted(p for p in published_dir.glob("parquet-*") if p.is_dir())
    # Folders are named by time: any newer than the current one was never swapped in.
    keep = {current} if current else set()
    if current in {f.name for f in folders}:
        older = [f.name for f in folders if f.name < current]
        keep |= set(older[-1:])
    for folder in folders:
        if folder.name not in keep:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def publish(con: duckdb.DuckDBPyConnection, published_dir: Path) -> Publication:
    """Copy the marts (from the open warehouse connection) to ``published_dir``."""
    published_dir.mkdir(parents=True, exist_ok=True)
    remove_unfinished(published_dir)
    # Microseconds, so folder names sort in publication order (cleaning relies on it).
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f") + "-" + uuid.uuid4().hex[:6]
    staging_db = published_dir / f".marts-{stamp}.duckdb"
    parquet_dir = published_dir / f"parquet-{stamp}"
    parquet_dir.mkdir()
    tables = _tables(con)
    con.execute(f"attach {_sql_string(staging_db)} as publishing")
    try:
        for schema, table in tables:
            # The file is called marts.duckdb, so DuckDB names its catalog "marts": the marts go
            # in its default schema, where both `marts.mart_x` and plain `mart_x` find them.
            published_schema = "main" if schema == "marts" else schema
            source = f"{_quoted(schema)}.{_quoted(table)}"
            # Rows in a fixed order (every column, left to right): a table built by parallel
            # threads holds its rows in whatever order they finished, and two builds of the same
            # data must publish the same bytes.
            published = f"publishing.{_quoted(published_schema)}.{_quoted(table)}"
            con.execute(f"create schema if not exists publishing.{_quoted(published_schema)}")
            con.execute(f"create table {published} as select * from {source} order by all")
            target = parquet_dir / (table if schema == "marts" else f"{schema}.{table}")
            target_sql = _sql_string(target.with_name(target.name + ".parquet"))
            # From the copy just written, in its order (DuckDB keeps insertion order): sorted
            # once, not again for the Parquet file.
            con.execute(
                f"copy (select * from {published}) to {target_sql} "
                "(format parquet, compression zstd)"
            )
            pause_point("publication.copying")
    except BaseException:
        con.execute("detach publishing")
        staging_db.unlink(missing_ok=True)
        shutil.rmtree(parquet_dir, ignore_errors=True)
        raise
    con.execute("detach publishing")
    database = published_dir / "marts.duckdb"
    os.replace(staging_db, database)
    _swap_symlink(published_dir / "parquet", parquet_dir.name)
    remove_unfinished(published_dir)
    return Publication(database, published_dir / "parquet", tuple(f"{s}.{t}" for s, t in tables))


def _swap_symlink(link: Path, target_name: str) -> None:
    if link.is_dir() and not link.is_symlink():
        # A real folder where the link belongs (a data dir copied without its symlinks): set it
        # aside under a name older than any publication's, so it is cleared like an old one.
        link.rename(link.with_name(f"parquet-00000000T000000000000-{uuid.uuid4().hex[:6]}"))
    temporary = link.with_name(f".{link.name}-{uuid.uuid4().hex[:6]}")
    temporary.symlink_to(target_name)
    os.replace(temporary, link)
