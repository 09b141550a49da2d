"""The police.uk street-level CSV: its published shape, and the structural checks a file must pass
before any of its rows reach the warehouse.

A file either loads whole or is refused whole with a reason naming the line and column. Row-level
oddities that do not break the file (an unknown outcome, an LSOA outside the force, no location)
load and are counted downstream; they are not reasons to refuse.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from orchestration.forces import all_forces
from orchestration.landing.encoding import is_utf8, utf8_copy
from orchestration.landing.files import LandedFile
from orchestration.landing.refusal import FileRefused, clipped, header_text
from orchestration.landing.staged import StagedRows
from orchestration.landing.tabular import (
    Rule,
    check_rules,
    check_rules_by_file,
    read_csv_as_text,
    read_csvs_as_text,
)
from orchestration.settings import DEFAULT_HISTORY_START

SOURCE = "police_uk"

HEADER = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)
OUTCOMES_HEADER = (*HEADER[:9], "Outcome type")


def raw_columns(header: tuple[str, ...]) -> tuple[str, ...]:
    """Raw columns keep the delivered text under snake_case names; staging renames and casts."""
    return tuple(name.lower().replace(" ", "_") for name in header)


RAW_COLUMNS = raw_columns(HEADER)

CRIME_TYPES = (
    "Anti-social behaviour",
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
)
# Categories police.uk used before 2013; still valid in old files.
LEGACY_CRIME_TYPES = ("Violent crime", "Public disorder and weapons")

# police.uk's street-level series starts in December 2010.
FIRST_MONTH = "2010-12"  # the shared monthly partitions start earlier (lib/partitions.py)

FILE_NAME = re.compile(
    r"^(?P<month>\d{4}-\d{2})-(?P<force>[a-z0-9-]+?)-(?P<kind>street|outcomes)\.csv$"
)


def raw_table_ddl(table: str, header: tuple[str, ...]) -> str:
    return f"""
    create schema if not exists raw;
    create table if not exists {table} (
        {", ".join(f"{col} varchar" for col in raw_columns(header))},
        partition_month date not null,
        force_slug varchar not null,
        source_sha256 varchar not null,
        source_line integer not null,
        loaded_at timestamptz not null default current_timestamp
    );
    """


@dataclass(frozen=True)
class StreetFileName:
    month: str  # "YYYY-MM", the partition key
    force: str
    kind: str = "street"  # or "outcomes"

    @property
    def month_start(self) -> date:
        year, month = self.month.split("-")
        return date(int(year), int(month), 1)


def parse_file_name(name: str) -> StreetFileName:
    match = FILE_NAME.match(name)
    if not match:
        raise FileRefused(
            file_name=name,
            problem="the file name does not say which month and force it holds",
            expected="a police.uk file named YYYY-MM-<force>-street.csv or "
            "YYYY-MM-<force>-outcomes.csv, e.g. 2025-06-leicestershire-street.csv",
        )
    month = match["month"]
    if not 1 <= int(month[5:]) <= 12:
        raise FileRefused(
            file_name=name,
            problem="the month in the file name is not a month",
            expected="YYYY-MM with MM from 01 to 12",
            found=month,
        )
    return StreetFileName(month=month, force=match["force"], kind=match["kind"])


def force_name(slug: str) -> str:
    """The "Falls within" text police.uk uses for a force slug."""
    force = all_forces().get(slug)
    return force.name if force else slug.replace("-", " ").title() + " Police"


def _check_header(path: Path, display_name: str, expected: tuple[str, ...]) -> None:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        first = handle.readline()
    if not first.strip():
        raise FileRefused(
            file_name=display_name,
            row=1,
            problem="the file is empty",
            expected="a header line followed by one line per crime",
        )
    header = tuple(next(csv.reader(io.StringIO(first))))
    if header == expected:
        return
    missing = [c for c in expected if c not in header]
    extra = [c for c in header if c not in expected]
    if missing:
        problem = f"column '{missing[0]}' is missing"
        if extra:
            problem += f" (a column '{clipped(extra[0])}' is there instead: renamed?)"
        raise FileRefused(
            file_name=display_name,
            row=1,
            column=missing[0],
            problem=problem,
            expected="the police.uk header " + ",".join(expected),
        )
    raise FileRefused(
        file_name=display_name,
        row=1,
        problem="the columns are not in the published order"
        if not extra
        else f"unexpected column '{clipped(extra[0])}'",
        expected="the police.uk header " + ",".join(expected),
        found=header_text(header),
    )


def _read_into_temp(
    con: duckdb.DuckDBPyConnection, path: Path, display_name: str, header: tuple[str, ...]
) -> int:
    # The file's header is ``header`` (checked first), so its columns are read under its names.
    read_csv_as_text(con, path, display_name, header, "_incoming_street")
    return con.execute("select count(*) from _incoming_street").fetchall()[0][0]


def row_rules(
    header: tuple[str, ...],
    month: str,
    falls_within: str,
    month_sql: str = "$1",
    falls_within_sql: str = "$2",
) -> list[Rule]:
    """The rules every row of a file for ``month`` from the force ``falls_within`` must keep.

    Conditions compare with those values bound as $1 and $2, or with the SQL expressions
    ``month_sql`` and ``falls_within_sql`` (one file's value per row, from bound lists) to
    check many files' rows in one scan.
    """
    rules = [
        (f'"Month" is distinct from {month_sql}', "Month",
         "a row's month differs from the file's month",
         f"every row in month {month} (from the file name)"),
        # 'nan' and 'inf' read as doubles, and a NaN passes the suite's range (no comparison
        # with it is true): neither is a degree.
        ('"Longitude" is not null and not coalesce(isfinite(try_cast("Longitude" as double)), '
         'false)', "Longitude",
         "text where a number must be", "a decimal degree such as -1.133 or an empty field"),
        ('"Latitude" is not null and not coalesce(isfinite(try_cast("Latitude" as double)), '
         'false)', "Latitude",
         "text where a number must be", "a decimal degree such as 52.63 or an empty field"),
        (f'"Falls within" is distinct from {falls_within_sql}', "Falls within",
         "a row belongs to a different force from the file name", f"'{falls_within}' on every row"),
    ]  # fmt: skip
    if "Outcome type" in header:
        rules.append(
            (
                '"Crime ID" is null',
                "Crime ID",
                "an outcome without its crime",
                "a Crime ID on every outcome row",
            )
        )
    return rules


def stage_police_uk_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    expected: StreetFileName,
    display_name: str,
    header: tuple[str, ...] = HEADER,
) -> int:
    """Check a delivered file's structure and leave its rows in temp table ``_incoming_street``.

    Raises ``FileRefused`` naming the line and column of the first structural problem.
    Returns the number of data rows.
    """
    readable = utf8_copy(path)
    try:
        _check_header(readable, display_name, header)
        rows = _read_into_temp(con, readable, display_name, header)
    finally:
        if readable != path:
            readable.unlink(missing_ok=True)
    if rows == 0:
        raise FileRefused(
            file_name=display_name,
            problem="the file has a header but no data rows",
            expected="at least one row for the month (police.uk never publishes an empty month)",
        )
    falls_within = force_name(expected.force)
    rules = row_rules(header, expected.month, falls_within)
    check_rules(
        con,
        "_incoming_street",
        display_name,
        rules,
        line="rowid + 2",
        parameters=[expected.month, falls_within],
    )
    return rows


def replace_month(
    con: duckdb.DuckDBPyConnection,
    expected: StreetFileName,
    sha256: str,
    table: str = "raw.police_uk_street",
    header: tuple[str, ...] = HEADER,
    replacing: bool = True,
) -> None:
    """Swap a month's rows for the staged file's rows. Call inside a transaction."""
    if replacing:
        con.execute(
            f"delete from {table} where partition_month = ? and force_slug = ?",
            [expected.month_start, expected.force],
        )
    source_cols = ", ".join(f'"{h}"' for h in header)
    con.execute(
        f"""
        insert into {table} ({", ".join(raw_columns(header))}, partition_month, force_slug,
                             source_sha256, source_line)
        select {source_cols}, ?, ?, ?, rowid + 2 from _incoming_street
        """,
        [expected.month_start, expected.force, sha256],
    )


def _as_raw(header: tuple[str, ...], prefix: str = "") -> str:
    """The delivered columns under their raw names."""
    names = zip(header, raw_columns(header), strict=True)
    return ", ".join(f'{prefix}"{h}" as {c}' for h, c in names)


def staged_file_rows(header: tuple[str, ...] = HEADER) -> StagedRows:
    """The rows ``stage_police_uk_file`` staged, as ``replace_month`` writes them."""
    return StagedRows(f"select {_as_raw(header)}, rowid + 2 as source_line from _incoming_street")


BATCH_TABLE = "_incoming_batch"
BATCH_FILES = "_incoming_batch_files"


def staged_batch_rows(file_names: Sequence[str], header: tuple[str, ...] = HEADER) -> StagedRows:
    """The rows of the named files ``stage_police_uk_batch`` staged, as ``replace_months``
    writes them (a row's line is its position in its file + 2), with their file's name."""
    return StagedRows(
        f"""
        select {_as_raw(header, "batch.")}, files.file_name as source_file,
               batch.rowid - files.first_rowid + 2 as source_line
        from {BATCH_TABLE} as batch
        join {BATCH_FILES} as files on files.file_index = batch.file_index
        where list_contains(?, files.file_name)
        """,
        [list(file_names)],
    )


def stage_police_uk_batch(
    con: duckdb.DuckDBPyConnection,
    files: Sequence[tuple[Path, str]],
    header: tuple[str, ...] = HEADER,
) -> dict[str, int]:
    """Stage many delivered files at once: one read of them all, then every file's rows checked
    by the same rules as ``stage_police_uk_file``, in one scan grouped by file.

    Leaves the rows in temp table ``_incoming_batch`` and where each passing file's rows are in
    ``_incoming_batch_files``. Returns {file name: rows} of the files that pass every check. The
    others (any problem, or not plain UTF-8) are left out, for ``stage_police_uk_file`` to look
    at alone and name the line and column.
    """
    con.execute(f"drop table if exists {BATCH_TABLE}; drop table if exists {BATCH_FILES}")
    candidates: list[tuple[Path, str, StreetFileName]] = []
    for path, name in files:
        try:
            expected = parse_file_name(name)
            if not is_utf8(path):
                continue
            _check_header(path, name, header)
        except FileRefused:
            continue
        candidates.append((path, name, expected))
    in_order = con.execute("select current_setting('preserve_insertion_order')").fetchall()[0][0]
    if not candidates or not in_order:
        return {}
    try:
        rejected = read_csvs_as_text(con, [c[0] for c in candidates], header, BATCH_TABLE)
    except duckdb.Error:
        return {}  # each file alone will say what is wrong
    month_of_file = "$1[file_index::bigint + 1]"
    force_of_file = "$2[file_index::bigint + 1]"
    rules = row_rules(header, "", "", month_of_file, force_of_file)
    found = check_rules_by_file(
        con,
        BATCH_TABLE,
        rules,
        [[e.month for _, _, e in candidates], [force_name(e.force) for _, _, e in candidates]],
    )
    passed = [
        (candidates[index][1], index, rows)
        for index, rows in sorted(found.items())
        if index not in rejected and rows.keeps_rules
    ]
    if not passed:
        con.execute(f"drop table {BATCH_TABLE}")
        return {}
    con.execute(
        f"create temp table {BATCH_FILES} "
        "(file_name varchar, file_index bigint, first_rowid bigint, row_count bigint)"
    )
    con.executemany(
        f"insert into {BATCH_FILES} values (?, ?, ?, ?)",
        [[name, index, rows.first_rowid, rows.rows] for name, index, rows in passed],
    )
    return {name: rows.rows for name, _, rows in passed}


def replace_months(
    con: duckdb.DuckDBPyConnection,
    files: Sequence[tuple[str, str, bool]],
    table: str = "raw.police_uk_street",
    header: tuple[str, ...] = HEADER,
) -> None:
    """Swap in the rows of batch-staged files, (file name, sha256, replacing) each, with one
    insert; a month is deleted first only when ``replacing``. Call inside a transaction.

    A row's line is its position in its file + 2 (the header is line 1), as when staged alone.
    """
    where = {
        name: (index, first)
        for name, index, first in con.execute(
            f"select file_name, file_index, first_rowid from {BATCH_FILES}"
        ).fetchall()
    }
    # Each file's values in lists indexed by its file_index + 1; null for files left out.
    size = 1 + max(where[name][0] for name, _, _ in files)
    months: list[date | None] = [None] * size
    forces: list[str | None] = [None] * size
    shas: list[str | None] = [None] * size
    firsts: list[int | None] = [None] * size
    for name, sha256, replacing in files:
        expected = parse_file_name(name)
        index, first = where[name]
        months[index] = expected.month_start
        forces[index] = expected.force
        shas[index] = sha256
        firsts[index] = first
        if replacing:
            con.execute(
                f"delete from {table} where partition_month = ? and force_slug = ?",
                [expected.month_start, expected.force],
            )
    of_file = "[file_index::bigint + 1]"
    source_cols = ", ".join(f'"{h}"' for h in header)
    # Each row carries its file and line, so the rows' order in the table means nothing: let
    # DuckDB append them in parallel without keeping their order (~15% faster).
    in_order = con.execute("select current_setting('preserve_insertion_order')").fetchall()[0][0]
    con.execute("set preserve_insertion_order = false")
    try:
        con.execute(
            f"""
            insert into {table} ({", ".join(raw_columns(header))}, partition_month, force_slug,
                                 source_sha256, source_line)
            select {source_cols}, $1{of_file}, $2{of_file}, $3{of_file},
                   rowid - $4{of_file} + 2
            from {BATCH_TABLE} where $3{of_file} is not null
            """,
            [months, forces, shas, firsts],
        )
    finally:
        con.execute(f"set preserve_insertion_order = {bool(in_order)}")
    con.execute(f"drop table {BATCH_TABLE}; drop table {BATCH_FILES}")  # memory back


class PoliceUkFormat:
    """One police.uk monthly dataset (street or outcomes files), as intake sees it."""

    landing_folder = SOURCE
    kind = "street"
    dataset = "police_uk_street"
    table = "raw.police_uk_street"
    header = HEADER

    def __init__(self, forces: tuple[str, ...], history_start: str = DEFAULT_HISTORY_START):
        self.forces = forces
        self.history_start = history_start

    def claims(self, file_name: str) -> bool:
        match = FILE_NAME.match(file_name)
        return bool(match) and match["kind"] == self.kind

    def describe_files(self) -> str:
        return f"police.uk {self.kind} files named YYYY-MM-<force>-{self.kind}.csv"

    def scope_of(self, file_name: str) -> str:
        return parse_file_name(file_name).force

    def ensure_tables(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute(raw_table_ddl(self.table, self.header))

    def partitions_of(self, landed: LandedFile) -> tuple[str, ...]:
        file_name = landed.name
        parsed = parse_file_name(file_name)
        if parsed.force not in self.forces:
            raise FileRefused(
                file_name=file_name,
                problem=f"force '{parsed.force}' is not configured for this warehouse",
                expected="one of: "
                + ", ".join(self.forces)
                + " (add peer forces with PCP_FORCES=leicestershire,<force>,...)",
            )
        today = date.today()
        if parsed.month_start >= date(today.year, today.month, 1):
            raise FileRefused(
                file_name=file_name,
                problem="the file is for a month that has not ended yet",
                expected=f"a month before {today:%Y-%m}",
                found=parsed.month,
            )
        if parsed.month < self.history_start:
            raise FileRefused(
                file_name=file_name,
                problem="the month is before the warehouse's history start",
                expected=f"a month from {self.history_start} (PCP_HISTORY_START; set it earlier "
                "to keep older months)",
                found=parsed.month,
            )
        return (parsed.month,)

    def stage(self, con: duckdb.DuckDBPyConnection, path: Path, file_name: str) -> int:
        return stage_police_uk_file(con, path, parse_file_name(file_name), file_name, self.header)

    def replace(
        self, con: duckdb.DuckDBPyConnection, file_name: str, sha256: str, replacing: bool = True
    ) -> None:
        replace_month(con, parse_file_name(file_name), sha256, self.table, self.header, replacing)

    def stage_batch(
        self, con: duckdb.DuckDBPyConnection, files: Sequence[tuple[Path, str]]
    ) -> dict[str, int]:
        return stage_police_uk_batch(con, files, self.header)

    def replace_batch(
        self, con: duckdb.DuckDBPyConnection, files: Sequence[tuple[str, str, bool]]
    ) -> None:
        replace_months(con, files, self.table, self.header)

    def staged_rows(self, file_name: str) -> StagedRows:
        return staged_file_rows(self.header)

    def staged_batch_rows(self, file_names: Sequence[str]) -> StagedRows:
        return staged_batch_rows(file_names, self.header)


class StreetFormat(PoliceUkFormat):
    """Street-level crimes: ``YYYY-MM-<force>-street.csv``."""


class OutcomesFormat(PoliceUkFormat):
    """Outcomes: ``YYYY-MM-<force>-outcomes.csv``, one row per outcome recorded in the month."""

    kind = "outcomes"
    dataset = "police_uk_outcomes"
    table = "raw.police_uk_outcomes"
    header = OUTCOMES_HEADER
