"""Taking delivered files into the warehouse, the same way for every source.

For each file, oldest delivery first: the same bytes accepted before change nothing; otherwise
the source's format checks the file's structure, and either its partitions' rows are replaced
and the manifest updated in one transaction (then the file is archived), or the file goes to
quarantine with its reason and the partitions keep their last good rows.

Formats that can (``BatchFormat``) take many files at a time: one read and one check of a batch
of files, one insert of the good files' rows and their manifest rows in one transaction. A file
that fails any check in the batch is then looked at alone, exactly as it would have been
without batches, so its refusal names the same line and column. One file or many, what passed
is loaded by one step (``_load``: archive, replace, manifest rows, one transaction): a single
file is a batch of one. Formats without batches are taken in pools (``_take_pooled``): each
file staged once, its staged tables set aside while the next are staged (set_aside.py), the
pool's passing files loaded in one transaction.

Write-audit-publish: when intake is given an ``audit`` (the dataset's Great Expectations suite,
as the Dagster intake asset gives it), the staged rows are validated before the transaction
that replaces their partitions. A file whose rows break an error-level expectation is refused
like a file with a structural problem: quarantined with its reason, a refused manifest row, and
nothing written, so its partitions keep their previous rows in raw and in everything built from
raw. A batch is validated once; when it breaks an error-level expectation, each of its files is
validated alone to find the ones to refuse, and the others load. Without an ``audit`` (the
benchmark of the structural intake) nothing is validated.

One file's failure never stops the others: an error no check foresaw while a file is read,
validated or archived (a format's or the suite's bug met by odd content, the file swapped for a
link since it was staged) is that file's refusal; a file gone meanwhile is skipped. The
warehouse's own faults (landing/faults.py: a full disk, a dead suite worker, a suite that fails
even on no rows, the transaction that writes the rows) stop the run instead, the file left in
landing: no good file is quarantined for them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import duckdb

from orchestration.database import connect
from orchestration.landing import manifest
from orchestration.landing.archive import archive_copy
from orchestration.landing.faults import is_our_fault
from orchestration.landing.files import NOT_REGULAR, REGULAR_EXPECTED, LandedFile, is_regular
from orchestration.landing.refusal import FileNotReady, FileRefused
from orchestration.landing.refuse import refuse
from orchestration.landing.set_aside import SetAside, temp_tables
from orchestration.landing.staged import StagedRows
from orchestration.pause_points import pause_point
from orchestration.settings import Settings

if TYPE_CHECKING:
    from orchestration.quality.expectation_suites import SuiteOutcome


class SourceFormat(Protocol):
    """What intake needs to know about one dataset's files."""

    dataset: str  # the manifest's name for it, e.g. "police_uk_street"
    landing_folder: str  # landing/<folder>/, which several datasets may share
    table: str  # the raw table it loads, e.g. "raw.police_uk_street"

    def claims(self, file_name: str) -> bool:
        """True for the files of this dataset (by name)."""
        ...

    def describe_files(self) -> str:
        """What this dataset's files are called, for a person who dropped the wrong one."""
        ...

    def ensure_tables(self, con: duckdb.DuckDBPyConnection) -> None: ...

    def partitions_of(self, landed: LandedFile) -> tuple[str, ...]:
        """The partition keys a file holds. Raises FileRefused, or FileNotReady to wait."""
        ...

    def stage(self, con: duckdb.DuckDBPyConnection, path: Path, file_name: str) -> int:
        """Check structure, leave rows staged in the connection, return the row count."""
        ...

    def replace(
        self, con: duckdb.DuckDBPyConnection, file_name: str, sha256: str, replacing: bool
    ) -> None:
        """Swap the staged rows in for the file's partitions (inside a transaction).

        ``replacing`` is False when the manifest says no file has loaded these partitions yet,
        so there is nothing to delete first.
        """
        ...

    def scope_of(self, file_name: str) -> str:
        """Within what a newer file replaces an older one for the same partitions: a force,
        a survey; '' when any newer file of the dataset replaces the older."""
        ...

    def staged_rows(self, file_name: str) -> StagedRows:
        """The rows ``stage`` left in the connection, as ``replace`` will write them to raw."""
        ...


@runtime_checkable
class BatchFormat(SourceFormat, Protocol):
    """A format that can also stage and replace many files at once (optional)."""

    def stage_batch(
        self, con: duckdb.DuckDBPyConnection, files: Sequence[tuple[Path, str]]
    ) -> dict[str, int]:
        """Stage (path, file name) files together, leaving their rows in the connection.

        Returns {file name: rows} of the files that pass every check ``stage`` makes. The
        others are not staged: intake passes each to ``stage`` alone, which names its problem.
        """
        ...

    def replace_batch(
        self, con: duckdb.DuckDBPyConnection, files: Sequence[tuple[str, str, bool]]
    ) -> None:
        """Swap the staged rows of (file name, sha256, replacing) files in for their partitions,
        inside a transaction; ``replacing`` as for ``replace``. No two of the files share a
        partition within a scope."""
        ...

    def staged_batch_rows(self, file_names: Sequence[str]) -> StagedRows:
        """The rows ``stage_batch`` left of the named files, as ``replace_batch`` will write
        them to raw, with ``source_file`` (the file name) beside each row's ``source_line``."""
        ...


class Audit(Protocol):
    """Validates staged rows before they load: given the connection, where the rows are and
    the partition keys they are for, returns the outcome. An outcome with ``errors`` refuses
    the file; warnings are reported and the rows load. ``rules`` runs only the rules that
    judge each row ("row") or those that judge the rows as a whole ("frame"), so many files'
    rows can be judged at once and each file still gets its own verdict."""

    has_frame_rules: bool

    def __call__(
        self,
        con: duckdb.DuckDBPyConnection,
        rows: StagedRows,
        partitions: Sequence[str],
        rules: str = "all",
    ) -> SuiteOutcome: ...


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


@dataclass(frozen=True)
class AuditedFile:
    """What the audit found in one file's staged rows, and whether they loaded."""

    name: str
    partitions: tuple[str, ...]
    outcome: SuiteOutcome
    loaded: bool


@dataclass
class IntakeResult:
    loaded: list[LoadedFile] = field(default_factory=list)
    refused: list[RefusedFile] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    waiting: list[tuple[str, str]] = field(default_factory=list)  # name, why
    audited: list[AuditedFile] = field(default_factory=list)  # empty when run without an audit

    @property
    def partitions_loaded(self) -> list[str]:
        return sorted({p for f in self.loaded for p in f.partitions})

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows for f in self.loaded)


@dataclass
class PendingWork:
    """What a landing folder holds for one dataset, before any run."""

    files: list[LandedFile] = field(default_factory=list)
    partitions: dict[str, tuple[str, ...]] = field(default_factory=dict)  # file name -> keys
    refused: list[RefusedFile] = field(default_factory=list)
    duplicates: list[LandedFile] = field(default_factory=list)
    waiting: list[tuple[str, str]] = field(default_factory=list)

    @property
    def partition_keys(self) -> list[str]:
        return sorted({key for keys in self.partitions.values() for key in keys})


def _refuse(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    delivery: manifest.Delivery,
    landed: LandedFile,
    refusal: FileRefused,
    result: IntakeResult | PendingWork,
) -> None:
    """Refuse one file (landing/refuse.py) and list it in ``result``; a file gone since it was
    surveyed is skipped."""
    refused = refuse(con, settings.quarantine_dir, delivery, landed.path, landed.sha256, refusal)
    if refused is not None:
        result.refused.append(
            RefusedFile(
                landed.name, delivery.partition_keys, refused.reason, refused.quarantine_path
            )
        )


# What could not be done with a file when an error no check foresaw stopped it.
NOT_READ = "the file could not be read as its source's format"
NOT_VALIDATED = "its rows could not be validated against its dataset's expectations"
NOT_ARCHIVED = "the file could not be kept in the archive"


def unexpected_failure(file_name: str, error: Exception, problem: str = NOT_READ) -> FileRefused:
    """An error no check foresaw, while reading one file, as that file's refusal: one odd file
    never stops the others. Only the error's kind is said: its message may quote the file."""
    return FileRefused(
        file_name=file_name,
        problem=f"{problem} ({type(error).__name__})",
        expected="a file in the layout its publisher releases (see README 'Sources')",
    )


def _as_refusal(
    error: Exception, landed: LandedFile, problem: str = NOT_READ
) -> FileRefused | None:
    """What an error met while taking one file in becomes: the file's refusal, or None when
    the file went away meanwhile (nothing to take in or refuse). The warehouse's own faults
    (disk full, database invalidated: landing/faults.py) are raised again: they stop the run,
    the file stays in landing, and no good file is quarantined for them."""
    if is_our_fault(error):
        raise error
    if isinstance(error, FileRefused):
        return error
    if not os.path.lexists(landed.path):
        return None
    return _swapped(landed) or unexpected_failure(landed.name, error, problem)


def _swapped(landed: LandedFile) -> FileRefused | None:
    """A refusal when what is at the file's path is no longer a regular file (swapped for a
    link or a pipe since landing was surveyed): it is then never opened. None when it is
    still a regular file, or gone (nothing to refuse)."""
    if is_regular(landed.path) or not os.path.lexists(landed.path):
        return None
    return FileRefused(
        file_name=landed.name,
        problem=f"{NOT_REGULAR} (it changed in landing)",
        expected=REGULAR_EXPECTED,
    )


def survey_landing(
    settings: Settings, fmt: SourceFormat, files: list[LandedFile], run_id: str | None
) -> PendingWork:
    """Sort a dataset's landed files into new work, duplicates, refusals and waiting files.

    Duplicates (bytes already accepted) are removed from landing: the archive has them. Files
    whose partitions cannot be told are refused now; nothing would ever pick them up.
    """
    work = PendingWork()
    mine = [f for f in files if fmt.claims(f.name)]
    if not mine:
        return work
    with connect(settings.warehouse_path) as con:
        manifest.ensure_manifest(con)
        fmt.ensure_tables(con)
        for landed in mine:
            if manifest.is_known_accepted(con, fmt.dataset, landed.sha256):
                landed.path.unlink(missing_ok=True)
                work.duplicates.append(landed)
                continue
            try:
                work.partitions[landed.name] = fmt.partitions_of(landed)
                work.files.append(landed)
            except FileNotReady as waiting:
                work.waiting.append((landed.name, str(waiting)))
            except Exception as error:  # any error in one file is its refusal
                refusal = _as_refusal(error, landed)
                if refusal is not None:
                    delivery = manifest.Delivery.of(fmt.dataset, landed, run_id)
                    _refuse(con, settings, delivery, landed, refusal, work)
    return work


# Each file's replace and manifest row share one transaction, so a month is never
# half-replaced. DuckDB would checkpoint the WAL into the file every ~16 MB of commits, which
# costs more than the rows themselves at national volume: intake checkpoints every 256 MB, and
# at the end. Not less often: rows committed but not yet checkpointed are held in DuckDB's
# memory, and with 1 GB between checkpoints intake's process grew with every national file
# (0.45 GB to 1.3 GB and on), past the memory goal beside the validation worker.
INTAKE_CHECKPOINT_THRESHOLD = "256MB"
# DuckDB's memory for intake, below the warehouse's default (`duckdb_config`): intake's process
# shares the memory goal with the Great Expectations worker, and DuckDB keeps what it has read
# and written cached up to its limit. Beyond it, DuckDB spills to disk.
INTAKE_MEMORY_LIMIT = "512MB"
# A batch is read in one go and held in memory (DuckDB spills beyond its memory limit): bound
# it by delivered bytes so peak memory stays well under 2 GB at national volume.
INTAKE_BATCH_BYTES = 256 * 1024 * 1024
# Validated, a batch's rows are also held as one DataFrame for Great Expectations, twice: by
# intake, which builds it and sends it (pickled: once more while sent), and by the worker that
# validates it (suite_worker; as much again while GX works). At 64 MB a batch put each of the
# two processes ~0.35 GB above its resting size at once, and a refresh's processes together
# past the memory goal (2.4 GB at national volume, `make bench --only national-scale`).
AUDITED_BATCH_BYTES = 32 * 1024 * 1024


@dataclass
class _Batch:
    """Files waiting to be taken in together, none sharing bytes or a partition in a scope."""

    files: list[tuple[LandedFile, manifest.Delivery]] = field(default_factory=list)
    size: int = 0

    def clashes_with(self, landed: LandedFile, delivery: manifest.Delivery) -> bool:
        """Whether the file must wait for the batch: same bytes (it may be a duplicate once the
        batch is in) or a partition the batch replaces (the older file must go in first)."""
        return any(
            landed.sha256 == other.sha256
            or (
                delivery.scope == held.scope
                and set(delivery.partition_keys) & set(held.partition_keys)
            )
            for other, held in self.files
        )


def _stage_alone(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    fmt: SourceFormat,
    landed: LandedFile,
    delivery: manifest.Delivery,
    result: IntakeResult,
) -> int | None:
    """Stage one file (``fmt.stage``) and return its row count; None when it was refused, left
    waiting or is gone."""
    try:
        swapped = _swapped(landed)
        if swapped is not None:
            raise swapped
        # Staged outside the transaction: line numbers come from the staged rowids.
        return fmt.stage(con, landed.path, landed.name)
    except FileNotReady as waiting:
        result.waiting.append((landed.name, str(waiting)))
    except Exception as error:  # any error in one file is its refusal
        _refuse_for(con, settings, delivery, landed, result, error)
    return None


def _passes_audit(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    fmt: SourceFormat,
    landed: LandedFile,
    delivery: manifest.Delivery,
    result: IntakeResult,
    audit: Audit,
    pending: Callable[[], SuiteOutcome] | None = None,
) -> bool:
    """Whether a staged file's rows pass its audit; a file that does not is refused.
    ``pending`` gives its outcome when it was validated with others already (waiting for it
    if need be); without it, or when it raised, the file is validated alone."""
    # Validated as staged, before anything is written: refused rows never reach raw.
    outcome = _audited(pending) if pending is not None else None
    if outcome is None:
        tagged = _tagged(fmt, landed.name)
        try:
            outcome = audit(con, tagged, delivery.partition_keys)
        except Exception as error:  # a suite that cannot take this file's rows
            if _suite_is_broken(audit, con, tagged, delivery.partition_keys):
                raise
            _refuse_for(con, settings, delivery, landed, result, error, NOT_VALIDATED)
            return False
    result.audited.append(
        AuditedFile(landed.name, delivery.partition_keys, outcome, not outcome.errors)
    )
    if outcome.errors:
        _refuse(con, settings, delivery, landed, outcome.refusal(landed.name), result)
        return False
    return True


def _take_one(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    fmt: SourceFormat,
    landed: LandedFile,
    delivery: manifest.Delivery,
    result: IntakeResult,
    audit: Audit | None = None,
) -> None:
    """Take one file in: stage, validate (with an ``audit``), load."""
    rows = _stage_alone(con, settings, fmt, landed, delivery, result)
    if rows is None:
        return
    if audit is not None and not _passes_audit(con, settings, fmt, landed, delivery, result, audit):
        return
    _load(con, settings, fmt, [(landed, delivery, rows)], result, batched=False)


def _load(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    fmt: SourceFormat,
    staged: Sequence[tuple[LandedFile, manifest.Delivery, int]],
    result: IntakeResult,
    batched: bool,
    set_aside: Mapping[str, SetAside] | None = None,
) -> None:
    """Load staged files that passed every check, one or many: each is kept in the archive
    first, then their rows replace their partitions' and their manifest rows are written in
    one transaction, and they leave landing. ``batched``: staged together by ``stage_batch``
    (replaced by ``replace_batch``), else staged one by one by ``stage``: then each file's
    staged tables are the ones ``set_aside`` under its name (put back just before its
    ``replace``), or, for one file, those its ``stage`` just left."""
    archived: dict[str, Path] = {}
    for landed, delivery, _ in staged:
        kept = _archived(con, settings, fmt, landed, delivery, result)
        if kept is not None:
            archived[landed.name] = kept
    good = [(landed, d, rows) for landed, d, rows in staged if landed.name in archived]
    if not good:
        return
    # The warehouse's own write: a failure here stops the run (the files stay in landing).
    con.execute("begin transaction")
    try:
        replacing = manifest.has_loaded(con, [delivery for _, delivery, _ in good])
        swaps = [
            (landed.name, landed.sha256, replaces)
            for (landed, _, _), replaces in zip(good, replacing, strict=True)
        ]
        if batched:
            assert isinstance(fmt, BatchFormat)
            fmt.replace_batch(con, swaps)
        else:
            assert set_aside is not None or len(swaps) == 1
            for swap in swaps:
                if set_aside is not None:
                    set_aside[swap[0]].restore(con)
                fmt.replace(con, *swap)
        versions = manifest.record_accepted(
            con, [(delivery, rows, str(archived[landed.name])) for landed, delivery, rows in good]
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    for landed, _, _ in good:
        landed.path.unlink(missing_ok=True)  # loaded and archived: gone from landing either way
    result.loaded.extend(
        LoadedFile(landed.name, delivery.partition_keys, rows, version)
        for (landed, delivery, rows), version in zip(good, versions, strict=True)
    )


def _refuse_for(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    delivery: manifest.Delivery,
    landed: LandedFile,
    result: IntakeResult,
    error: Exception,
    problem: str = NOT_READ,
) -> None:
    """Refuse one file for an error met while taking it in (``_as_refusal``)."""
    refusal = _as_refusal(error, landed, problem)
    if refusal is not None:
        _refuse(con, settings, delivery, landed, refusal, result)


def _archived(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    fmt: SourceFormat,
    landed: LandedFile,
    delivery: manifest.Delivery,
    result: IntakeResult,
) -> Path | None:
    """Keep a staged file in the archive, before its rows are written; None when it cannot be
    (swapped for a link since it was staged: refused; gone: skipped)."""
    try:
        return archive_copy(settings.archive_dir, fmt.dataset, landed.path, landed.sha256)
    except Exception as error:
        _refuse_for(con, settings, delivery, landed, result, error, NOT_ARCHIVED)
        return None


def _size(landed: LandedFile) -> int | None:
    """The file's size in bytes; None when it went away since landing was surveyed."""
    try:
        return landed.path.stat().st_size
    except FileNotFoundError:
        return None


def _tagged(fmt: SourceFormat, file_name: str) -> StagedRows:
    """A file's staged rows as the audit sees them: each tagged with the file's name (whatever
    the format's rows carry), so rules can be per file and failures told apart by file."""
    staged = fmt.staged_rows(file_name)
    return StagedRows(
        "select columns(lambda c: c <> 'source_file'), ?::varchar as source_file "
        f"from ({staged.sql}) as staged",
        [file_name, *staged.params],
    )


# Files of a one-file-at-a-time format are staged, validated and loaded in pools, bounded like
# a batch: their rows validated together are held in one temp table.
AUDIT_POOL = "_audit_pool"


@dataclass(frozen=True)
class _StagedFile:
    """A file of a pool, staged once: its rows in temp tables ``set_aside`` under its name."""

    landed: LandedFile
    delivery: manifest.Delivery
    rows: int
    set_aside: SetAside
    # Its tolerances, validated on its rows alone while the pool is staged (None: not asked
    # for, or the asking failed: it is then validated alone, as a pool that breaks a rule).
    frame: Callable[[], SuiteOutcome] | None


def _take_pooled(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    fmt: SourceFormat,
    files: list[tuple[LandedFile, manifest.Delivery]],
    result: IntakeResult,
    audit: Audit | None,
) -> None:
    """Take in the files of a format without batches, each staged once (``fmt.stage``), in
    pools: a pool's rows are validated together (GX takes about a tenth of a second a run
    however small the frame: a backfill of 234 survey files spent 21 s on it) and its passing
    files load in one transaction, each file still judged and refused on its own.

    Before, each file was staged twice (once to validate, once to load after the file before
    it) and had a transaction and manifest write of its own: ~0.04 s a file. Staging once
    relies on what ``stage`` reads: the file, and what other datasets hold, never the rows
    this dataset's earlier files load (already so for a pool's validation)."""
    pool: list[_StagedFile] = []
    size = 0
    seen: set[str] = set()
    bound = INTAKE_BATCH_BYTES if audit is None else AUDITED_BATCH_BYTES
    for landed, delivery in files:
        if landed.sha256 in seen:
            # Its twin may load with the pool: it is a duplicate once that is in.
            _settle(con, settings, fmt, pool, result, audit)
            pool, size = [], 0
            if manifest.is_known_accepted(con, fmt.dataset, landed.sha256):
                landed.path.unlink()
                result.duplicates.append(landed.name)
                continue
        seen.add(landed.sha256)
        rows = _stage_alone(con, settings, fmt, landed, delivery, result)
        if rows is None:
            continue
        staged = temp_tables(con, besides=(AUDIT_POOL,))
        file_size = _size(landed)
        if file_size is None:
            continue  # gone since staged: nothing to take in
        frame = None
        if audit is not None:
            tagged = _tagged(fmt, landed.name)
            into = (
                f"insert into {AUDIT_POOL} by name"
                if pool
                else f"create temp table {AUDIT_POOL} as"
            )
            con.execute(f"{into} {tagged.sql}", tagged.params)
            defer = getattr(audit, "defer", None)
            if audit.has_frame_rules and defer is not None:
                # Asked for now: the suite worker validates while the next files are staged.
                keys = delivery.partition_keys
                frame = _audited(defer, con, tagged, keys, rules="frame")
        pool.append(_StagedFile(landed, delivery, rows, SetAside.of(con, staged), frame))
        size += file_size
        if size >= bound:
            _settle(con, settings, fmt, pool, result, audit)
            pool, size = [], 0
    _settle(con, settings, fmt, pool, result, audit)


def _settle(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    fmt: SourceFormat,
    pool: list[_StagedFile],
    result: IntakeResult,
    audit: Audit | None,
) -> None:
    """Judge each file of a staged pool (its share of the pool's validation, or alone when the
    pool breaks an error-level expectation) and load those that pass, in file order: together,
    up to a file that replaces partitions a file before it in the group replaces."""
    if not pool:
        return
    shares = _pool_shares(con, audit, pool) if audit is not None else {}
    con.execute(f"drop table if exists {AUDIT_POOL}")
    group = _Batch()
    for staged in pool:
        landed, delivery = staged.landed, staged.delivery
        if audit is not None and not _judged(con, settings, fmt, staged, result, audit, shares):
            continue
        if group.clashes_with(landed, delivery):
            _load_group(con, settings, fmt, group, pool, result)
            group = _Batch()
        group.files.append((landed, delivery))
    _load_group(con, settings, fmt, group, pool, result)
    loaded = {f.name for f in result.loaded}
    for staged in pool:  # of files refused or gone: not needed
        if staged.landed.name not in loaded:
            staged.set_aside.drop(con)


def _judged(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    fmt: SourceFormat,
    staged: _StagedFile,
    result: IntakeResult,
    audit: Audit,
    shares: Mapping[str, Callable[[], SuiteOutcome]],
) -> bool:
    """``_passes_audit`` for a file of a pool: its staged tables are put back only when it is
    validated alone (its share of the pool's validation needs none)."""
    landed, delivery = staged.landed, staged.delivery
    share = shares.get(landed.name)
    outcome = _audited(share) if share is not None else None
    if outcome is not None:
        return _passes_audit(con, settings, fmt, landed, delivery, result, audit, lambda: outcome)
    staged.set_aside.restore(con)
    passes = _passes_audit(con, settings, fmt, landed, delivery, result, audit)
    staged.set_aside.set_aside_again(con)
    return passes


def _load_group(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    fmt: SourceFormat,
    group: _Batch,
    pool: list[_StagedFile],
    result: IntakeResult,
) -> None:
    if not group.files:
        return
    of = {staged.landed.name: staged for staged in pool}
    files = [(landed, delivery, of[landed.name].rows) for landed, delivery in group.files]
    set_aside = {landed.name: of[landed.name].set_aside for landed, _ in group.files}
    _load(con, settings, fmt, files, result, batched=False, set_aside=set_aside)
    pause_point("intake.between_files")


def _pool_shares(
    con: duckdb.DuckDBPyConnection, audit: Audit, pool: list[_StagedFile]
) -> dict[str, Callable[[], SuiteOutcome]]:
    """Each file's share of the validation of the pool's rows at once (a function that waits
    for it: its tolerances may still be being validated by the suite worker); no entry for a
    file of a pool that breaks an error-level expectation (it is then validated alone, to find
    which file breaks it, as a batch is). A pool of one file is validated as one file."""
    together = None
    if len(pool) > 1:
        keys = sorted({key for staged in pool for key in staged.delivery.partition_keys})
        pooled = StagedRows(f"select * from {AUDIT_POOL}")
        together = _audited(audit, con, pooled, keys, rules="row")
    shares: dict[str, Callable[[], SuiteOutcome]] = {}
    for staged in pool:
        name = staged.landed.name
        if together is None or together.errors:
            if staged.frame is not None:
                _audited(staged.frame)  # not needed: collected, so the worker's copy goes
            continue
        share = together.in_file(name, staged.rows)
        if not audit.has_frame_rules:
            shares[name] = lambda share=share: share
        elif staged.frame is not None:
            shares[name] = lambda share=share, frame=staged.frame: share.joined(frame())
        else:
            of_file = StagedRows(f"select * from {AUDIT_POOL} where source_file = ?", [name])
            frame = _audited(audit, con, of_file, staged.delivery.partition_keys, rules="frame")
            if frame is not None:
                shares[name] = lambda share=share, frame=frame: share.joined(frame)
    return shares


def _suite_is_broken(
    audit: Audit, con: duckdb.DuckDBPyConnection, rows: StagedRows, partitions: Sequence[str]
) -> bool:
    """Whether the suite raises on no rows at all. When it does, the error it raised on a file's
    rows is the suite's own (a broken install, a bug), not the file's: every file would meet it,
    so none is refused for it and the run stops. When it does not, the file's content set it
    off: that file is refused, and the others are validated as usual."""
    nothing = StagedRows(f"select * from ({rows.sql}) as staged limit 0", rows.params)
    try:
        audit(con, nothing, partitions)
    except Exception:
        return True
    return False


def _audited(validate: Callable[..., SuiteOutcome], *args, **kwargs) -> SuiteOutcome | None:
    """``validate(*args, **kwargs)``, a validation of many files' rows at once; None when it
    raised for a reason that is no fault of ours: each file is then validated alone, which
    refuses the one it cannot take."""
    try:
        return validate(*args, **kwargs)
    except Exception as error:
        if is_our_fault(error):
            raise
        return None


def _asked(
    audit: Audit,
    con: duckdb.DuckDBPyConnection,
    rows: StagedRows,
    partitions: Sequence[str],
    rules: str,
) -> Callable[[], SuiteOutcome]:
    """A validation asked for now, its outcome given later by the function returned: with the
    suite worker (``defer``) it runs there while intake goes on; otherwise it runs now. An
    error raised in asking is raised when the outcome is asked for, as if it ran then."""
    defer = getattr(audit, "defer", None)
    try:
        if defer is not None:
            return defer(con, rows, partitions, rules=rules)
        outcome = audit(con, rows, partitions, rules=rules)
    except Exception as error:
        failed = error

        def raise_it() -> SuiteOutcome:
            raise failed

        return raise_it
    return lambda: outcome


@dataclass
class _StagedBatch:
    """A batch staged by ``fmt.stage_batch``, its tables set aside under names of its own while
    the next batch is staged, and its validation asked for (``_stage_batch``)."""

    batch: _Batch
    staged: dict[str, int]  # file name -> rows, of the files that staged
    good: list[tuple[LandedFile, manifest.Delivery]]
    set_aside: SetAside | None = None
    # The outcome of the row rules over every good file's rows at once, and of each good
    # file's tolerances alone (absent when the suite has none).
    together: Callable[[], SuiteOutcome] | None = None
    frames: dict[str, Callable[[], SuiteOutcome]] = field(default_factory=dict)


def _stage_batch(
    con: duckdb.DuckDBPyConnection,
    fmt: BatchFormat,
    batch: _Batch,
    audit: Audit | None,
) -> _StagedBatch:
    """Stage the batch in one go, ask for its validation and set its tables aside: the suite
    worker validates its rows while this process stages the next batch and loads the one
    before (``_finish_batch``). Before, intake waited for each batch's verdict with nothing
    to do: in a first refresh, 25 of the police.uk files' 40 s."""
    try:
        regular = [(f.path, f.name) for f, _ in batch.files if is_regular(f.path)]
        staged = fmt.stage_batch(con, regular)
    except Exception:  # each file alone then says (or is refused for) what is wrong
        staged = {}
    good = [(landed, delivery) for landed, delivery in batch.files if landed.name in staged]
    asked = _StagedBatch(batch, staged, good)
    if audit is not None and good:
        names = [landed.name for landed, _ in good]
        partitions = sorted({key for _, delivery in good for key in delivery.partition_keys})
        asked.together = _asked(audit, con, fmt.staged_batch_rows(names), partitions, "row")
        if audit.has_frame_rules:
            asked.frames = {
                landed.name: _asked(
                    audit,
                    con,
                    fmt.staged_batch_rows([landed.name]),
                    delivery.partition_keys,
                    "frame",
                )
                for landed, delivery in good
            }
    if staged:
        asked.set_aside = SetAside.of(con, temp_tables(con))
    return asked


def _audit_batch(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    fmt: BatchFormat,
    audit: Audit,
    asked: _StagedBatch,
    result: IntakeResult,
) -> list[tuple[LandedFile, manifest.Delivery]]:
    """Judge a batch's good files by the validation asked for when it was staged: each file's
    share of the row rules' outcome over them all, with its tolerances; when the rows together
    break an error-level expectation (or could not be validated together), each file is
    validated alone and those that break one are refused. Returns the files to load."""
    together = _audited(asked.together) if asked.together is not None else None
    passing = []
    for landed, delivery in asked.good:
        of_file = fmt.staged_batch_rows([landed.name])
        frame = asked.frames.get(landed.name)
        try:
            if together is None or together.errors:
                if frame is not None:
                    _audited(frame)  # not needed: collected, so the worker's copy goes
                outcome = audit(con, of_file, delivery.partition_keys)
            else:
                outcome = together.in_file(landed.name, asked.staged[landed.name])
                if frame is not None:
                    outcome = outcome.joined(frame())
        except Exception as error:  # a suite that cannot take this file's rows
            if _suite_is_broken(audit, con, of_file, delivery.partition_keys):
                raise
            _refuse_for(con, settings, delivery, landed, result, error, NOT_VALIDATED)
            continue
        result.audited.append(
            AuditedFile(landed.name, delivery.partition_keys, outcome, not outcome.errors)
        )
        if outcome.errors:
            _refuse(con, settings, delivery, landed, outcome.refusal(landed.name), result)
        else:
            passing.append((landed, delivery))
    return passing


def _finish_batch(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    fmt: BatchFormat,
    asked: _StagedBatch,
    result: IntakeResult,
    audit: Audit | None = None,
) -> None:
    """Judge a staged batch (``_stage_batch``) and load its good files with one replace and
    their manifest rows in one transaction; each file that failed a structural check is then
    taken alone, to be refused with its reason."""
    if asked.set_aside is not None:
        asked.set_aside.restore(con)
    good = asked.good
    if audit is not None and good:
        good = _audit_batch(con, settings, fmt, audit, asked, result)
    staged_good = [(landed, delivery, asked.staged[landed.name]) for landed, delivery in good]
    _load(con, settings, fmt, staged_good, result, batched=True)
    for landed, delivery in asked.batch.files:
        if landed.name not in asked.staged:
            _take_one(con, settings, fmt, landed, delivery, result, audit)


def take_in(
    settings: Settings,
    fmt: SourceFormat,
    files: list[LandedFile],
    run_id: str | None,
    within: set[str] | None = None,
    audit: Audit | None = None,
) -> IntakeResult:
    """Load the dataset's files whose partitions all fall ``within`` the run's (None = any),
    each file's (or batch's) staged rows validated by ``audit`` first when one is given."""
    result = IntakeResult()
    batching = isinstance(fmt, BatchFormat)
    batch = _Batch()
    # The batch staged last, whose verdict the suite worker may still be working out: it is
    # finished (judged, loaded) once the next batch is staged, or before anything that must
    # see its files loaded (a twin of one of them, the end). Only while a validation runs
    # elsewhere: otherwise there is nothing to overlap, and a second staged batch would only
    # hold memory (a batch without validation is 256 MB of files).
    overlapping = bool(getattr(audit, "validates_elsewhere", False))
    pending: _StagedBatch | None = None

    def finish(con: duckdb.DuckDBPyConnection) -> None:
        nonlocal pending
        if pending is not None:
            assert isinstance(fmt, BatchFormat)
            _finish_batch(con, settings, fmt, pending, result, audit)
            pending = None
            pause_point("intake.between_files")

    def flush(con: duckdb.DuckDBPyConnection) -> None:
        nonlocal batch, pending
        if len(batch.files) == 1:  # nothing to validate while another is staged
            finish(con)
            _take_one(con, settings, fmt, *batch.files[0], result, audit)
            pause_point("intake.between_files")
        elif batch.files:
            assert isinstance(fmt, BatchFormat)
            staged = _stage_batch(con, fmt, batch, audit)
            finish(con)
            pending = staged
            if not overlapping:
                finish(con)
        batch = _Batch()

    with connect(settings.warehouse_path) as con:
        manifest.ensure_manifest(con)
        fmt.ensure_tables(con)
        con.execute(f"set checkpoint_threshold = '{INTAKE_CHECKPOINT_THRESHOLD}'")
        con.execute(f"set memory_limit = '{INTAKE_MEMORY_LIMIT}'")
        accepted_before = manifest.accepted_sha256s(con, fmt.dataset)
        tried: set[str] = set()  # bytes this run has tried to take in, accepted or not
        # A format without batches takes its files in after this survey, staged one at a time
        # and validated and loaded in pools (``_take_pooled``).
        one_by_one: list[tuple[LandedFile, manifest.Delivery]] = []
        for landed in files:
            if not fmt.claims(landed.name) or not landed.path.exists():
                continue
            bare = manifest.Delivery.of(fmt.dataset, landed, run_id)
            try:
                swapped = _swapped(landed)
                if swapped is not None:
                    raise swapped
                partitions = fmt.partitions_of(landed)
                scope = fmt.scope_of(landed.name)
            except FileNotReady as waiting:
                result.waiting.append((landed.name, str(waiting)))
                continue
            except Exception as error:  # any error in one file is its refusal
                _refuse_for(con, settings, bare, landed, result, error)
                continue
            if within is not None and not set(partitions) <= within:
                continue  # a run whose range covers the whole file will take it
            delivery = manifest.Delivery.of(fmt.dataset, landed, run_id, partitions, scope)
            if batch.clashes_with(landed, delivery):
                flush(con)
            if landed.sha256 in tried:
                finish(con)  # its twin may be in the batch staged last: loaded first
            if landed.sha256 in accepted_before or (
                landed.sha256 in tried
                and manifest.is_known_accepted(con, fmt.dataset, landed.sha256)
            ):
                landed.path.unlink()
                result.duplicates.append(landed.name)
                continue
            tried.add(landed.sha256)
            if not batching:
                one_by_one.append((landed, delivery))
                continue
            file_size = _size(landed)
            if file_size is None:
                continue  # it went away since landing was surveyed: nothing to take in
            batch.files.append((landed, delivery))
            batch.size += file_size
            if batch.size >= (INTAKE_BATCH_BYTES if audit is None else AUDITED_BATCH_BYTES):
                flush(con)
        flush(con)
        finish(con)
        _take_pooled(con, settings, fmt, one_by_one, result, audit)
        con.execute("checkpoint")
    return result
