"""Taking delivered files into the warehouse, the same way for every source.

For each file, oldest delivery first: the same bytes accepted before change nothing; otherwise
the source's format checks the file's structure, and either its partitions' rows are replaced
and the manifest updated in one transaction (then the file is archived), or the file goes to
quarantine with its reason and the partitions keep their last good rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import duckdb

from orchestration.database import connect
from orchestration.landing import manifest
from orchestration.landing.archive import archive_copy, quarantine
from orchestration.landing.files import LandedFile
from orchestration.landing.refusal import FileRefused
from orchestration.settings import Settings


class SourceFormat(Protocol):
    """What intake needs to know about one source's files."""

    source: str

    def ensure_tables(self, con: duckdb.DuckDBPyConnection) -> None: ...

    def partitions_of(self, file_name: str, settings: Settings) -> tuple[str, ...]:
        """The partition keys a file holds, from its name. Raises FileRefused."""
        ...

    def stage(self, con: duckdb.DuckDBPyConnection, path: Path, file_name: str) -> int:
        """Check structure, leave rows staged in the connection, return the row count."""
        ...

    def replace(self, con: duckdb.DuckDBPyConnection, file_name: str, sha256: str) -> None:
        """Swap the staged rows in for the file's partitions (inside a transaction)."""
        ...


@dataclass(frozen=True)
class LoadedFile:
    name: str
    partitions: tuple[str, ...]
    rows: int
    version: int


@dataclass(frozen=True)
class RefusedFile:
    name: str
    partitions: tuple[str, ...]
    reason: str
    quarantine_path: str


@dataclass
class IntakeResult:
    loaded: list[LoadedFile] = field(default_factory=list)
    refused: list[RefusedFile] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)

    @property
    def partitions_loaded(self) -> list[str]:
        return sorted({p for f in self.loaded for p in f.partitions})

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows for f in self.loaded)


def _refuse(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    delivery: manifest.Delivery,
    landed: LandedFile,
    refusal: FileRefused,
) -> RefusedFile:
    target = quarantine(settings.quarantine_dir, landed.source, landed.path, landed.sha256, refusal)
    manifest.record_refused(con, delivery, str(target), str(refusal))
    return RefusedFile(landed.name, delivery.partition_keys, str(refusal), str(target))


def refuse_unplaceable(
    settings: Settings, fmt: SourceFormat, files: list[LandedFile], run_id: str | None
) -> tuple[list[LandedFile], list[RefusedFile]]:
    """Quarantine files whose name places them in no partition; return the placeable ones."""
    placeable: list[LandedFile] = []
    refused: list[RefusedFile] = []
    for landed in files:
        try:
            fmt.partitions_of(landed.name, settings)
            placeable.append(landed)
        except FileRefused as refusal:
            with connect(settings.warehouse_path) as con:
                manifest.ensure_manifest(con)
                delivery = manifest.Delivery(
                    fmt.source, landed.name, landed.sha256, datetime.now(UTC), (), run_id
                )
                refused.append(_refuse(con, settings, delivery, landed, refusal))
    return placeable, refused


def discard_duplicates(
    settings: Settings, source: str, files: list[LandedFile]
) -> tuple[list[LandedFile], list[LandedFile]]:
    """Split files into (new or changed, byte-identical to an accepted file).

    Duplicates are removed from landing: their bytes are already in the archive, and nothing in
    the warehouse changes. Sensors and `pcp refresh` call this so they only request partitions
    that really changed.
    """
    if not files or not settings.warehouse_path.exists():
        return files, []
    with connect(settings.warehouse_path) as con:
        manifest.ensure_manifest(con)
        known = {
            row[0]
            for row in con.execute(
                "select sha256 from ops.file_manifest where source = ? and status <> 'refused'",
                [source],
            ).fetchall()
        }
    fresh = [f for f in files if f.sha256 not in known]
    duplicates = [f for f in files if f.sha256 in known]
    for landed in duplicates:
        landed.path.unlink(missing_ok=True)
    return fresh, duplicates


def take_in(
    settings: Settings, fmt: SourceFormat, files: list[LandedFile], run_id: str | None
) -> IntakeResult:
    result = IntakeResult()
    with connect(settings.warehouse_path) as con:
        manifest.ensure_manifest(con)
        fmt.ensure_tables(con)
        for landed in files:
            now = datetime.now(UTC)
            try:
                partitions = fmt.partitions_of(landed.name, settings)
            except FileRefused as refusal:
                delivery = manifest.Delivery(
                    fmt.source, landed.name, landed.sha256, now, (), run_id
                )
                result.refused.append(_refuse(con, settings, delivery, landed, refusal))
                continue
            delivery = manifest.Delivery(
                fmt.source, landed.name, landed.sha256, now, partitions, run_id
            )
            if manifest.is_known_accepted(con, fmt.source, landed.sha256):
                # Same bytes as a file already accepted: nothing to change. The archive has them.
                landed.path.unlink()
                result.duplicates.append(landed.name)
                continue
            try:
                rows = fmt.stage(con, landed.path, landed.name)
            except FileRefused as refusal:
                result.refused.append(_refuse(con, settings, delivery, landed, refusal))
                continue
            archived = archive_copy(settings.archive_dir, fmt.source, landed.path, landed.sha256)
            con.execute("begin transaction")
            try:
                fmt.replace(con, landed.name, landed.sha256)
                version = manifest.record_accepted(con, delivery, rows, str(archived))
                con.execute("commit")
            except Exception:
                con.execute("rollback")
                raise
            landed.path.unlink()
            result.loaded.append(LoadedFile(landed.name, partitions, rows, version))
    return result
