"""DfT STATS19 road casualty CSVs: collision, casualty and (optional) vehicle files.

DfT publishes one file per table per year (``dft-road-casualty-statistics-collision-2024.csv``),
a provisional mid-year file in November
(``...-collision-provisional-mid-year-unvalidated-2025.csv``) and the final year the next
summer, which replaces the provisional months. Files before the 2024 rename say ``accident``
where newer ones say ``collision``; the adjusted-severity columns are spelled two ways. Files
start with a UTF-8 BOM and rows are not sorted.

DfT also publishes each table over many years, the files most users download:
``...-collision-last-5-years.csv`` and ``...-collision-1979-latest-published-year.csv``. They
are split by year: the years they hold (``collision_year``, read from the file) whose months
all fall from the history start are taken, each replacing that year; earlier years are left
out, not refused (a file from 1979 always has them).

A year's file is split into monthly partitions by the collision date. Only the configured
forces' rows are kept (``police_force`` on collisions; the force code inside the collision
index on casualties and vehicles, which carry no force column).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from orchestration.forces import configured_forces
from orchestration.landing.encoding import utf8_copy
from orchestration.landing.files import LandedFile
from orchestration.landing.plausibility import refuse_repeated_keys, refuse_unknown, unit_range
from orchestration.landing.refusal import FileNotReady, FileRefused
from orchestration.landing.staged import StagedRows
from orchestration.landing.tabular import (
    column_positions,
    csv_error_line,
    csv_problem,
    first_bad,
    header_on_one_line,
    identifier,
    positional_names,
    read_csv_as_text,
)
from orchestration.reference import stats19_police_forces
from orchestration.settings import Settings

SOURCE = "stats19"

FILE_NAME = re.compile(
    r"^dft-road-casualty-statistics-(?P<table>collision|accident|casualty|vehicle)-"
    r"(?:(?P<provisional>provisional-mid-year-unvalidated-)?(?P<year>\d{4})"
    r"|(?P<span>last-5-years|1979-latest-published-year))\.csv$"
)

# canonical column -> spellings seen in DfT files and guides (first is canonical)
ALIASES: dict[str, tuple[str, ...]] = {
    "collision_index": ("collision_index", "accident_index"),
    "collision_year": ("collision_year", "accident_year"),
    "collision_ref_no": ("collision_ref_no", "collision_reference", "accident_reference"),
    "police_force": ("police_force",),
    "collision_severity": ("collision_severity", "accident_severity"),
    "number_of_vehicles": ("number_of_vehicles",),
    "number_of_casualties": ("number_of_casualties",),
    "date": ("date",),
    "time": ("time",),
    "longitude": ("longitude",),
    "latitude": ("latitude",),
    "local_authority_district": ("local_authority_district",),
    "local_authority_ons_district": ("local_authority_ons_district",),
    "lsoa_of_collision_location": ("lsoa_of_collision_location", "lsoa_of_accident_location"),
    "urban_or_rural_area": ("urban_or_rural_area",),
    # The adjustment lookups (adjustment.py) have also said just Adjusted_Serious/_Slight and
    # Injury_Based: the file's table (collision or casualty) says whose they are.
    "collision_adjusted_severity_serious": (
        "collision_adjusted_severity_serious", "collision_adjusted_serious", "adjusted_serious",
    ),
    "collision_adjusted_severity_slight": (
        "collision_adjusted_severity_slight", "collision_adjusted_slight", "adjusted_slight",
    ),
    "collision_injury_based": ("collision_injury_based", "injury_based"),
    "vehicle_reference": ("vehicle_reference",),
    "casualty_reference": ("casualty_reference",),
    "casualty_class": ("casualty_class",),
    "casualty_severity": ("casualty_severity",),
    "age_of_casualty": ("age_of_casualty",),
    "casualty_type": ("casualty_type",),
    "casualty_adjusted_severity_serious": (
        "casualty_adjusted_severity_serious", "casualty_adjusted_serious", "adjusted_serious",
    ),
    "casualty_adjusted_severity_slight": (
        "casualty_adjusted_severity_slight", "casualty_adjusted_slight", "adjusted_slight",
    ),
    "casualty_injury_based": ("casualty_injury_based", "injury_based"),
    "vehicle_type": ("vehicle_type",),
    "age_of_driver": ("age_of_driver",),
}  # fmt: skip

IDENTITY = ("collision_index", "collision_year", "collision_ref_no")

# What identifies a row of each table, and what it is called in a refusal. The staging models
# test the same keys (stg_stats19__collisions: collision_index unique; stg_stats19__casualties:
# collision_index || ':' || casualty_reference unique), over the rows intake loaded: a repeat
# there would fail the whole dbt build and publish nothing for any source, so intake refuses the
# file instead. No model reads vehicles yet; a vehicle twice in one collision is as implausible.
KEYS: dict[str, tuple[tuple[str, ...], str]] = {
    "collision": (("collision_index",), "collision_index"),
    "casualty": (("collision_index", "casualty_reference"), "casualty (collision_index, "
                 "casualty_reference)"),
    "vehicle": (("collision_index", "vehicle_reference"), "vehicle (collision_index, "
                "vehicle_reference)"),
}  # fmt: skip


@dataclass(frozen=True)
class Table:
    name: str  # collision | casualty | vehicle
    required: tuple[str, ...]
    optional: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.required, *self.optional)


TABLES = {
    "collision": Table(
        "collision",
        required=(*IDENTITY, "police_force", "collision_severity", "date"),
        optional=(
            "time", "number_of_vehicles", "number_of_casualties", "longitude", "latitude",
            "local_authority_district", "local_authority_ons_district",
            "lsoa_of_collision_location", "urban_or_rural_area",
            "collision_adjusted_severity_serious", "collision_adjusted_severity_slight",
        ),
    ),
    "casualty": Table(
        "casualty",
        required=(*IDENTITY, "vehicle_reference", "casualty_reference", "casualty_severity"),
        optional=(
            "casualty_class", "age_of_casualty", "casualty_type",
            "casualty_adjusted_severity_serious", "casualty_adjusted_severity_slight",
        ),
    ),
    "vehicle": Table(
        "vehicle",
        required=(*IDENTITY, "vehicle_reference"),
        optional=("vehicle_type", "age_of_driver"),
    ),
    # DfT's severity adjustment lookups (adjustment.py): one row per casualty or collision, its
    # identity and its adjusted-severity probabilities; the year may be only in the index.
    "casualty_adjustment": Table(
        "casualty_adjustment",
        required=(
            "collision_index", "casualty_reference",
            "casualty_adjusted_severity_serious", "casualty_adjusted_severity_slight",
        ),
        optional=(
            "collision_year", "collision_ref_no", "vehicle_reference", "casualty_injury_based",
        ),
    ),
    "collision_adjustment": Table(
        "collision_adjustment",
        required=(
            "collision_index",
            "collision_adjusted_severity_serious", "collision_adjusted_severity_slight",
        ),
        optional=("collision_year", "collision_ref_no", "collision_injury_based"),
    ),
}  # fmt: skip

NUMERIC = {
    "police_force": "integer", "collision_severity": "integer", "casualty_severity": "integer",
    "collision_adjusted_severity_serious": "double", "casualty_adjusted_severity_serious": "double",
    "longitude": "double", "latitude": "double",
}  # fmt: skip


@dataclass(frozen=True)
class Stats19FileName:
    table: str
    year: int | None  # None for a file of many years (``span``)
    provisional: bool
    span: str | None = None  # last-5-years | 1979-latest-published-year

    @property
    def months(self) -> tuple[str, ...]:
        """A final file covers its year; a provisional mid-year file January to June; a file
        of many years says which only in its rows (``years_months``)."""
        if self.year is None:
            return ()
        last = 6 if self.provisional else 12
        return tuple(f"{self.year}-{m:02d}" for m in range(1, last + 1))


def index_force(index: str) -> str:
    """SQL for the police force inside a collision index (``index``: our own column name or
    positional reference): year (4) + force code (2) + reference, e.g. 2021332100930 -> 33."""
    return f"try_cast(substr({index}, 5, 2) as integer)"


def years_months(years: list[int]) -> tuple[str, ...]:
    return tuple(f"{year}-{m:02d}" for year in sorted(years) for m in range(1, 13))


def orphan_year(months: tuple[str, ...]) -> str:
    first, last = months[0][:4], months[-1][:4]
    return first if first == last else f"{first}-{last}"


def parse_file_name(name: str) -> Stats19FileName:
    match = FILE_NAME.match(name)
    if not match:
        raise FileRefused(
            file_name=name,
            problem="the file name does not say which STATS19 table and year it holds",
            expected="a DfT file named dft-road-casualty-statistics-<collision|casualty|vehicle>"
            "-YYYY.csv (or -provisional-mid-year-unvalidated-YYYY.csv, -last-5-years.csv, "
            "-1979-latest-published-year.csv)",
        )
    table = "collision" if match["table"] == "accident" else match["table"]
    year = int(match["year"]) if match["year"] else None
    return Stats19FileName(table, year, bool(match["provisional"]), match["span"])


def raw_table_ddl(table: Table) -> str:
    return f"""
    create schema if not exists raw;
    create table if not exists raw.stats19_{table.name} (
        {", ".join(f"{col} varchar" for col in table.columns)},
        partition_month date not null,
        is_provisional boolean not null,
        source_sha256 varchar not null,
        source_line integer not null,
        loaded_at timestamptz not null default current_timestamp
    );
    """


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [c.strip().lower() for c in next(csv.reader(handle), [])]


def _resolve_columns(header: list[str], table: Table, file_name: str) -> dict[str, int]:
    """canonical column -> its position in the file, refusing when a required one is missing
    (or appears twice)."""
    found = column_positions(header, {c: ALIASES[c] for c in table.columns}, file_name)
    for canonical in table.required:
        if canonical not in found:
            raise FileRefused(
                file_name=file_name,
                row=1,
                column=canonical,
                problem=f"column '{canonical}' is missing",
                expected=f"the DfT {table.name} columns, including one of "
                + " / ".join(ALIASES[canonical]),
            )
    return found


class Stats19Format:
    """One STATS19 table's files, as intake sees them."""

    landing_folder = SOURCE

    def __init__(self, table: str, settings: Settings):
        self.spec = TABLES[table]
        self.dataset = f"stats19_{table}"
        self.table = f"raw.stats19_{table}"
        forces = configured_forces(settings)
        self.history_start = settings.history_start
        self.force_codes = tuple(f.stats19_code for f in forces)
        self.force_names = ", ".join(f"{f.name} ({f.stats19_code})" for f in forces)

    def claims(self, file_name: str) -> bool:
        match = FILE_NAME.match(file_name)
        if not match:
            return False
        return ("collision" if match["table"] == "accident" else match["table"]) == self.spec.name

    def describe_files(self) -> str:
        return (
            f"DfT files named dft-road-casualty-statistics-{self.spec.name}-YYYY.csv, "
            "-last-5-years.csv or -1979-latest-published-year.csv"
        )

    def scope_of(self, file_name: str) -> str:
        return ""  # a final year replaces the provisional file for the same months

    def ensure_tables(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute(raw_table_ddl(self.spec))

    def partitions_of(self, landed: LandedFile) -> tuple[str, ...]:
        parsed = parse_file_name(landed.name)
        months = parsed.months or self._months_in_file(landed.path, landed.name)
        today = date.today()
        current = f"{today:%Y-%m}"
        if months[-1] >= current:
            raise FileRefused(
                file_name=landed.name,
                problem="the file covers months that have not ended yet",
                expected=f"a year whose {'first half' if parsed.provisional else 'months'} "
                f"ended before {current}",
                found=str(parsed.year or months[-1][:4]),
            )
        if months[0] < self.history_start:
            # A year is loaded whole or not at all: its months replace each other as a set.
            raise FileRefused(
                file_name=landed.name,
                problem="the year starts before the warehouse's history start",
                expected=f"a year whose months are all from {self.history_start} "
                f"(PCP_HISTORY_START; set it to {parsed.year}-01 or earlier to keep this year)",
                found=str(parsed.year),
            )
        return months

    def _first_year(self) -> int:
        """The first year all of whose months are from the history start."""
        year, month = (int(part) for part in self.history_start.split("-"))
        return year if month == 1 else year + 1

    def _months_in_file(self, path: Path, file_name: str) -> tuple[str, ...]:
        """The months of the years a many-year file holds for the configured forces, from the
        history start: read from its ``collision_year`` column (by position: the file's header
        text never goes into SQL)."""
        readable = utf8_copy(path)
        one_line = readable
        try:
            header = _header(readable)
            columns = _resolve_columns(header, self.spec, file_name)
            # Read as ``stage`` reads it (read_csv_as_text): the header on one line (a line
            # break in a header cell otherwise makes DuckDB misjudge the file's line ends), every
            # column as text under our own positional names, nothing sniffed.
            positional = positional_names(len(header))
            year = f"try_cast({identifier(positional[columns['collision_year']])} as integer)"
            if self.spec.name == "collision":
                force = f"try_cast({identifier(positional[columns['police_force']])} as integer)"
            else:
                force = index_force(identifier(positional[columns["collision_index"]]))
            one_line = header_on_one_line(readable)
            with duckdb.connect() as scratch:
                found = scratch.execute(
                    f"select distinct {year} as year "
                    "from read_csv(?, header = true, auto_detect = false, delim = ',', "
                    "quote = '\"', escape = '\"', columns = ?) "
                    f"where {force} in (select unnest(?)) and {year} >= ?",
                    [
                        str(one_line),
                        dict.fromkeys(positional, "VARCHAR"),
                        list(self.force_codes),
                        self._first_year(),
                    ],
                ).fetchall()
        except duckdb.Error as error:  # its message quotes the file: only its kind is said
            message = str(error)
            raise FileRefused(
                file_name=file_name,
                row=csv_error_line(message),
                problem=csv_problem(message),
                expected="the DfT CSV: a header line, then comma-separated fields",
            ) from None
        finally:
            for copy in {readable, one_line} - {path}:
                copy.unlink(missing_ok=True)
        years = [year for (year,) in found if year is not None]
        if not years:
            raise FileRefused(
                file_name=file_name,
                problem="the file has no rows for the configured forces from the history start",
                expected=f"rows for {self.force_names} in years from {self._first_year()} "
                "(PCP_HISTORY_START)",
            )
        return years_months(years)

    def _force_filter(self) -> str:
        codes = ", ".join(str(c) for c in self.force_codes)
        if self.spec.name == "collision":
            return f"try_cast(police_force as integer) in ({codes})"
        return f"{index_force('collision_index')} in ({codes})"

    def stage(self, con: duckdb.DuckDBPyConnection, path: Path, file_name: str) -> int:
        parsed = parse_file_name(file_name)
        readable = utf8_copy(path)
        try:
            header = _header(readable)
            if not header or header == [""]:
                raise FileRefused(
                    file_name=file_name,
                    row=1,
                    problem="the file is empty",
                    expected="a header line followed by one line per row",
                )
            columns = _resolve_columns(header, self.spec, file_name)
            self._read(con, readable, file_name, header, columns)
        finally:
            if readable != path:
                readable.unlink(missing_ok=True)
        total = con.execute("select count(*) from _incoming_stats19").fetchall()[0][0]
        if total == 0:
            raise FileRefused(
                file_name=file_name,
                problem="the file has a header but no data rows",
                expected="the year's rows",
            )
        self._check_numbers(con, file_name)
        self._check_plausible(con, file_name)
        # A file of many years keeps the years from the history start (see partitions_of).
        from_start = "" if parsed.year else "and try_cast(collision_year as integer) >= ?"
        con.execute(
            f"create or replace temp table _stats19_mine as "
            f"select * from _incoming_stats19 where {self._force_filter()} {from_start}",
            [] if parsed.year else [self._first_year()],
        )
        mine = con.execute("select count(*) from _stats19_mine").fetchall()[0][0]
        if mine == 0:
            raise FileRefused(
                file_name=file_name,
                problem=f"the file has {total} rows but none for the configured forces"
                + ("" if parsed.year else " from the history start"),
                expected=f"rows for {self.force_names} (add forces with PCP_FORCES)",
            )
        self._check_keys(con, file_name)
        self._place_in_months(con, parsed, self._staged_months(con, parsed), file_name)
        return mine

    def _check_keys(self, con, file_name: str) -> None:
        """Refuse a file whose rows that would load repeat a key (KEYS): the rows dbt tests.
        A key with an empty part is left to the other checks, as dbt's unique test leaves it."""
        keys, what = KEYS[self.spec.name]
        filled = " and ".join(f"{key} is not null" for key in keys)
        con.execute(
            f"create or replace temp view _stats19_keyed as from _stats19_mine where {filled}"
        )
        refuse_repeated_keys(con, "_stats19_keyed", file_name, keys, what)
        con.execute("drop view _stats19_keyed")

    def _staged_months(self, con: duckdb.DuckDBPyConnection, parsed: Stats19FileName):
        """The months the staged rows replace: the file's, or for a file of many years every
        month of each year it holds."""
        if parsed.year:
            return parsed.months
        years = con.execute(
            "select distinct cast(collision_year as integer) from _stats19_mine"
        ).fetchall()
        return years_months([year for (year,) in years])

    def _read(self, con, path: Path, file_name: str, header: list[str], columns) -> None:
        # Read by position under our own names: no header cell becomes SQL.
        positional = positional_names(len(header))
        select = ", ".join(
            f"{identifier(positional[position])} as {canonical}"
            for canonical, position in columns.items()
        )
        missing = ", ".join(f"null::varchar as {c}" for c in self.spec.columns if c not in columns)
        read_csv_as_text(con, path, file_name, positional, "_delivered_stats19")
        con.execute(
            f"""
            create or replace temp table _incoming_stats19 as
            select {select}{", " + missing if missing else ""}, rowid + 2 as source_line
            from _delivered_stats19
            """
        )

    def _check_numbers(self, con, file_name: str) -> None:
        for column, kind in NUMERIC.items():
            if column not in self.spec.columns:
                continue
            # 'inf' and 'nan' read as doubles: neither is a figure (a NaN adjusted severity
            # would make every KSI sum NaN).
            finite = f" or not isfinite(try_cast({column} as double))" if kind == "double" else ""
            bad = first_bad(
                con,
                "_incoming_stats19",
                f"nullif(trim({column}), '') is not null "
                f"and (try_cast({column} as {kind}) is null{finite})",
                column,
            )
            if bad:
                raise FileRefused(
                    file_name=file_name,
                    row=bad[0],
                    column=column,
                    problem="text where a number must be",
                    expected=f"a number ({'whole' if kind == 'integer' else 'decimal'})",
                    found=bad[1],
                )

    def _check_plausible(self, con, file_name: str) -> None:
        """A collision's force is one STATS19 knows (every row, not only the configured
        forces': an unknown code means a misread file), and its counts are within the count
        unit's range (seeds/metric_units.csv)."""
        if self.spec.name != "collision":
            return
        refuse_unknown(
            con,
            "_incoming_stats19",
            file_name,
            "police_force",
            stats19_police_forces(),
            problem="not a STATS19 police force code",
            expected="a code of seeds/forces.csv or seeds/stats19_other_police_forces.csv "
            "(DfT data guide), e.g. 33 for Leicestershire",
        )
        counts = unit_range("count")
        for column in ("number_of_vehicles", "number_of_casualties"):
            bad = first_bad(
                con,
                "_incoming_stats19",
                f"try_cast({column} as double) not between $1 and $2",
                column,
                [counts.low, counts.high],
            )
            if bad:
                raise FileRefused(
                    file_name=file_name,
                    row=bad[0],
                    column=column,
                    problem="a count outside the range of its unit",
                    expected=counts.expected,
                    found=bad[1],
                )

    def _place_in_months(
        self, con, parsed: Stats19FileName, months: tuple[str, ...], file_name: str
    ) -> None:
        """Give every kept row its partition month, from its date or its collision's date."""
        if self.spec.name == "collision":
            bad = first_bad(con, "_stats19_mine", "try_strptime(date, '%d/%m/%Y') is null", "date")
            if bad:
                raise FileRefused(
                    file_name=file_name,
                    row=bad[0],
                    column="date",
                    problem="a collision date that is not a date",
                    expected="dd/mm/yyyy",
                    found=bad[1],
                )
            con.execute(
                "create or replace temp table _stats19_placed as select *, "
                "cast(date_trunc('month', strptime(date, '%d/%m/%Y')) as date) as partition_month "
                "from _stats19_mine"
            )
        else:
            # Casualties and vehicles take their collision's month: the collision rows must be
            # in the warehouse (an earlier file) or loaded earlier in this run.
            years = sorted({int(month[:4]) for month in months})
            loaded = {
                int(year)
                for (year,) in con.execute(
                    "select distinct collision_year from raw.stats19_collision "
                    "where collision_year in (select unnest(?)) "
                    "and partition_month between ? and ?",
                    [[str(y) for y in years], f"{months[0]}-01", f"{months[-1]}-01"],
                ).fetchall()
            }
            if missing := [year for year in years if year not in loaded]:
                raise FileNotReady(
                    f"waiting for the collision file for {', '.join(map(str, missing))}: "
                    f"{self.spec.name} rows take their month from their collision"
                )
            con.execute(
                """
                create or replace temp table _stats19_placed as
                select mine.*, collisions.partition_month
                from _stats19_mine as mine
                left join raw.stats19_collision as collisions
                    on collisions.collision_index = mine.collision_index
                """
            )
            orphan = first_bad(con, "_stats19_placed", "partition_month is null", "collision_index")
            if orphan:
                raise FileRefused(
                    file_name=file_name,
                    row=orphan[0],
                    column="collision_index",
                    problem=f"a {self.spec.name} row whose collision is not in the collision data",
                    expected=f"a collision_index present in the {orphan_year(months)} "
                    "collision file",
                    found=orphan[1],
                )
        bad = first_bad(
            con,
            "_stats19_placed",
            "not list_contains($1, strftime(partition_month, '%Y-%m'))",
            "partition_month",
            [list(months)],
        )
        if bad:
            raise FileRefused(
                file_name=file_name,
                row=bad[0],
                column="date",
                problem="a row's month is outside the months the file name covers",
                expected=f"months {months[0]}..{months[-1]}",
                found=str(bad[1])[:7],
            )

    def staged_rows(self, file_name: str) -> StagedRows:
        """The configured forces' rows ``stage`` placed in their months, as ``replace`` writes
        them."""
        return StagedRows(
            f"select {', '.join(self.spec.columns)}, partition_month, source_line "
            "from _stats19_placed"
        )

    def replace(
        self, con: duckdb.DuckDBPyConnection, file_name: str, sha256: str, replacing: bool = True
    ) -> None:
        parsed = parse_file_name(file_name)
        codes = ", ".join(str(c) for c in self.force_codes)
        force_of_row = (
            "try_cast(police_force as integer)"
            if self.spec.name == "collision"
            else index_force("collision_index")
        )
        con.execute(
            f"delete from {self.table} where strftime(partition_month, '%Y-%m') in ? "
            f"and {force_of_row} in ({codes})",
            [list(self._staged_months(con, parsed))],
        )
        columns = ", ".join(self.spec.columns)
        con.execute(
            f"""
            insert into {self.table} ({columns}, partition_month, is_provisional, source_sha256,
                                      source_line)
            select {columns}, partition_month, ?, ?, source_line
            from _stats19_placed order by source_line
            """,
            [parsed.provisional, sha256],
        )
