"""`pcp status`: what the warehouse holds, dataset by dataset, read from the manifest."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from orchestration.database import connect, table_exists
from orchestration.landing import manifest
from orchestration.landing.files import landed_names, scan_landing
from orchestration.landing.names import shown
from orchestration.lib.partitions import contiguous_ranges, financial_quarter
from orchestration.publication.build_state import Build, latest_build, reason_to_build
from orchestration.settings import Settings


@dataclass
class DatasetStatus:
    dataset: str
    table: str
    step: int = 1  # months between partitions: 1 monthly, 3 quarterly and survey years
    partitions: list[str] = field(default_factory=list)
    rows: int = 0
    files_loaded: int = 0
    last_refresh: datetime | None = None
    refused: list[tuple[str, datetime, str, str]] = field(default_factory=list)
    # Beside each refused file: what its partitions hold now (nothing of the refused file).
    holding: list[str] = field(default_factory=list)
    in_landing: list[str] = field(default_factory=list)


def compact_months(keys: list[str], step: int = 1) -> str:
    """'2019-04..2025-09 (78 months)', or the spans when there are gaps; quarterly keys
    (``step`` 3, keyed by a quarter's first month) as financial quarters,
    '2019/20-Q1..2025/26-Q2 (26 quarters)'.

    Keys that are not months (a partner return's file) are counted, not spanned.
    """
    months = [k for k in keys if re.fullmatch(r"\d{4}-\d{2}", k)]
    others = len(keys) - len(months)
    if not keys:
        return "none"
    parts = []
    if months:
        # Financial quarters are keyed by their first month (Jan/Apr/Jul/Oct); survey years
        # (CSEW) by the month they end, which stays a month.
        quarter_keys = step == 3 and all(int(k[5:]) % 3 == 1 for k in months)
        label = financial_quarter if quarter_keys else str
        spans = [
            label(a) if a == b else f"{label(a)}..{label(b)}"
            for a, b in contiguous_ranges(months, step)
        ]
        unit = "quarters" if step == 3 else "months"
        parts.append(f"{', '.join(spans)} ({len(months)} {unit})")
    if others:
        parts.append(f"{others} file(s)")
    return "; ".join(parts)


def read_status(settings: Settings) -> list[DatasetStatus]:
    from orchestration.defs.intake_sources import INTAKE_SOURCES

    formats = [source.make_format(settings) for source in INTAKE_SOURCES]
    statuses = [
        DatasetStatus(fmt.dataset, fmt.table, 1 if source.cadence == "monthly" else 3)
        for source, fmt in zip(INTAKE_SOURCES, formats, strict=True)
    ]
    for fmt, status in zip(formats, statuses, strict=True):
        landed = landed_names(settings.landing_dir, fmt.landing_folder)  # not read: names only
        status.in_landing = [name for name in landed if fmt.claims(name)]
    if not settings.warehouse_path.exists():
        return statuses
    with connect(settings.warehouse_path, read_only=True) as con:
        if not manifest.exists(con):
            return statuses
        for status in statuses:
            loaded = manifest.loaded_summary(con, status.dataset)
            status.partitions = loaded.partitions
            status.files_loaded = loaded.files
            status.last_refresh = loaded.last_taken_in
            schema, table = status.table.split(".")
            if table_exists(con, schema, table):
                status.rows = con.execute(f"select count(*) from {status.table}").fetchall()[0][0]
            refused = manifest.refusals_of(con, status.dataset)
            status.refused = [
                (r.original_name, r.taken_in_at, r.reason, r.quarantine_path) for r in refused
            ]
            status.holding = [
                partitions_now(con, status.dataset, r.partition_keys, r.scope) for r in refused
            ]
    return statuses


def partitions_now(con, dataset: str, keys: list[str], scope: str | None) -> str:
    """What a refused file's partitions hold now: the previous good version, a corrected file
    delivered since, or nothing yet."""
    if not keys:
        return "it named no partition: nothing was loaded from it"
    loaded = manifest.loaded_for(con, dataset, scope or "", keys)
    which = ", ".join(keys) if len(keys) <= 3 else compact_months(keys)
    if not loaded:
        return f"{which}: nothing loaded yet (nothing of the refused file)"
    held = "; ".join(
        f"{name} (version {version}, taken in {when:%Y-%m-%d %H:%M})"
        for name, version, when in loaded
    )
    return f"{which} hold {held}; nothing of the refused file"


@dataclass
class FolderStatus:
    """Refusals recorded for a landing folder rather than a dataset (files no source takes,
    entries that are not regular files, names that are not plain text), and the unusable
    entries waiting in it for the next `pcp refresh` to refuse."""

    folder: str
    refused: list[tuple[str, datetime, str, str]] = field(default_factory=list)
    unusable_in_landing: list[tuple[str, str]] = field(default_factory=list)  # name, problem
    problem: str | None = None  # why the folder itself is not read (a symbolic link)


def read_folder_status(settings: Settings) -> list[FolderStatus]:
    """Every refused manifest row whose source is not a dataset (so `pcp status` lists every
    refused file, whatever the folder), with names shown escaped and capped; and per landing
    folder, what waits in it to be refused. Folders that are also a dataset's name (partner
    returns, victim surveys) have their refusals listed with the dataset instead."""
    from orchestration.defs.intake_sources import INTAKE_SOURCES

    formats = [source.make_format(settings) for source in INTAKE_SOURCES]
    datasets = {fmt.dataset for fmt in formats}
    folders = {
        folder: FolderStatus(folder)
        for folder in dict.fromkeys(fmt.landing_folder for fmt in formats)
        if folder not in datasets
    }
    for folder in dict.fromkeys(fmt.landing_folder for fmt in formats):
        # wanted=nothing: regular files with plain names are not read, only listed entries
        scan = scan_landing(settings.landing_dir, folder, wanted=lambda _: False)
        waiting = [(shown(e.name), e.problem) for e in scan.unusable]
        if waiting:
            folders.setdefault(folder, FolderStatus(folder)).unusable_in_landing = waiting
        if scan.folder_problem:
            folders.setdefault(folder, FolderStatus(folder)).problem = scan.folder_problem
    if settings.warehouse_path.exists():
        with connect(settings.warehouse_path, read_only=True) as con:
            for r in manifest.refusals_outside(con, datasets):
                folder = folders.setdefault(r.source, FolderStatus(r.source))
                folder.refused.append(
                    (shown(r.original_name), r.taken_in_at, r.reason, r.quarantine_path)
                )
    return [f for f in folders.values() if f.refused or f.unusable_in_landing or f.problem]


@dataclass(frozen=True)
class BuildStatus:
    """The newest build of the warehouse and whether another is due (the build ledger)."""

    build: Build | None
    due: str | None  # why a build is due now, or None when the published marts are current


def read_build_status(settings: Settings, today: date) -> BuildStatus | None:
    if not settings.warehouse_path.exists():
        return None
    with connect(settings.warehouse_path, read_only=True) as con:
        return BuildStatus(latest_build(con), reason_to_build(con, today))
