"""The Home Office police recorded crime open-data table by Community Safety Partnership.

Columns as published: Financial Year (2015/16), Financial Quarter (1-4), Police Force, CSP
Name, Offence Description, Offence Group, Offence Subgroup, Offence Code, Offence Count (around
2017 the force column was Force Name and the count Number of Offences: both accepted). One row
per CSP x financial quarter x offence code. The Home Office publishes the table as a workbook,
.ods only in current editions (``prc-csp-mar21-sep25-tables-290126.ods``), .xlsx in some
earlier ones, with one sheet per financial year (``workbook.py``); a ``prc-csp-*.csv`` export of
the same columns is taken too. A file usually covers several years; each quarter it holds
replaces that quarter for every force, so it must hold rows for each configured force
(``_check_forces``), name only known CSPs and cover all of them (``_check_csps``).
Partitions are financial quarters keyed by their first month ("2025-04" = 2025/26 Q1).

Every force's rows are kept (the national table: each home CSP is compared with every CSP of
England and Wales), streamed from a workbook as it is read (the national .ods is ~1.4 GB of
XML) into a CSV, and a row's ``source_line`` is its row in its year sheet (the sheet is the
row's financial year); a refusal names the sheet and row. The checks (every configured force
present, its CSPs known) are about the configured forces; other forces' CSPs are matched to
seeds/csps.csv in staging.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from pathlib import Path

import duckdb

from orchestration.defs.home_office.workbook import SHEET, SHEET_ROW, year_sheets_as_csv
from orchestration.forces import configured_forces
from orchestration.landing.files import LandedFile
from orchestration.landing.plausibility import refuse_unknown, unit_range
from orchestration.landing.refusal import FileRefused
from orchestration.landing.spreadsheets import SPREADSHEET_SUFFIXES
from orchestration.landing.staged import StagedRows
from orchestration.landing.tabular import (
    Column,
    check_rules,
    first_bad,
    partitions_in_content,
    stage_table,
)
from orchestration.lib.partitions import first_quarter_start
from orchestration.reference import csp_names_of
from orchestration.settings import Settings

SOURCE = "home_office"
COLUMNS = (
    Column("financial_year"),
    Column("financial_quarter"),
    Column("force_name", aliases=("police_force",)),
    Column("csp_name", aliases=("community_safety_partnership", "csp")),
    Column("offence_description"),
    Column("offence_group", required=False),
    Column("offence_subgroup", required=False),
    Column("offence_code"),
    Column("number_of_offences", aliases=("offence_count", "offences", "count")),
)
TABLE_DDL = f"""
create schema if not exists raw;
create table if not exists raw.home_office_csp_crime (
    {", ".join(f"{c.name} varchar" for c in COLUMNS)},
    partition_quarter date not null,
    source_sha256 varchar not null,
    source_line integer not null,
    loaded_at timestamptz not null default current_timestamp
);
"""
FY_PATTERN = r"^[0-9]{4}/[0-9]{2}$"
# First month of the financial quarter: Q1 = April of the FY's first year.
QUARTER_START_SQL = (
    "make_date(cast(left(financial_year, 4) as integer) + "
    "case when cast(financial_quarter as integer) = 4 then 1 else 0 end, "
    "((cast(financial_quarter as integer) * 3) % 12) + 1, 1)"
)
STAGED = "_incoming_csp"


class CspCrimeFormat:
    dataset = "home_office_csp_crime"
    landing_folder = SOURCE
    table = "raw.home_office_csp_crime"

    def __init__(self, settings: Settings):
        self.force_names = [f.pfa_name for f in configured_forces(settings)]
        self.csps = {
            f.pfa_name: csp_names_of(f.pfa_code)
            for f in configured_forces(settings)
            if csp_names_of(f.pfa_code)
        }
        # The table spans many years: quarters before the history start are left out.
        self.first_quarter = date.fromisoformat(first_quarter_start(settings.history_start) + "-01")

    def claims(self, file_name: str) -> bool:
        return bool(re.match(r"^prc-csp-.*\.(ods|xlsx|csv)$", file_name, re.IGNORECASE))

    def describe_files(self) -> str:
        return "Home Office CSP tables named prc-csp-*.ods, .xlsx or .csv"

    def scope_of(self, file_name: str) -> str:
        return ""

    def ensure_tables(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute(TABLE_DDL)

    def partitions_of(self, landed: LandedFile) -> tuple[str, ...]:
        """The quarters in the file (it has to be read: one file spans many quarters)."""
        return partitions_in_content(
            self.stage,
            landed.path,
            landed.name,
            f"select distinct strftime({QUARTER_START_SQL}, '%Y-%m') from {STAGED} order by 1",
        )

    def stage(self, con: duckdb.DuckDBPyConnection, path: Path, file_name: str) -> int:
        workbook = Path(file_name).suffix.lower() in SPREADSHEET_SUFFIXES
        if workbook:
            self._stage_workbook(con, path, file_name)
        else:
            stage_table(con, path, file_name, COLUMNS, "_delivered_csp")
        try:  # on lines across sheets, as _in_sheet reads them
            # First: the staged table casts the year and quarter, so a quarter like 'Q1' must
            # be refused by its rule (naming its line and column) before anything casts it.
            self._check(con, file_name)
            con.execute(
                f"create or replace temp table {STAGED} as select *, "
                f"replace(number_of_offences, ',', '') as offences "
                f"from _delivered_csp where nullif(trim(force_name), '') is not null "
                f"and {QUARTER_START_SQL} >= ?",
                [self.first_quarter],
            )
            self._check_forces(con, file_name)
            self._check_csps(con, file_name)
        except FileRefused as refused:
            raise self._in_sheet(con, refused) if workbook else refused from None
        if workbook:  # from here a row's line is its row in its year sheet
            con.execute(f"update {STAGED} set source_line = cast({SHEET_ROW} as integer)")
        rows = con.execute(f"select count(*) from {STAGED}").fetchall()[0][0]
        if rows == 0:
            raise FileRefused(
                file_name=file_name,
                problem="the table has no rows for the configured forces from the history start",
                expected="rows whose Police Force (or Force Name) is one of "
                + ", ".join(self.force_names)
                + f", for quarters from {self.first_quarter:%Y-%m} (PCP_HISTORY_START)",
            )
        return rows

    def _stage_workbook(self, con: duckdb.DuckDBPyConnection, path: Path, file_name: str) -> None:
        """Every force's rows of every year sheet, into ``_delivered_csp`` with
        ``source_line`` their order across the sheets (for the checks) and the sheet and row
        each came from."""
        extra = (Column(SHEET), Column(SHEET_ROW))
        rows, written = year_sheets_as_csv(path, file_name, COLUMNS, "force_name", None)
        if written:
            stage_table(con, rows, file_name, (*COLUMNS, *extra), "_delivered_csp")
        else:  # no row for the configured forces: refused below, as for a CSV
            con.execute(
                "create or replace temp table _delivered_csp as select "
                + ", ".join(f"null::varchar as {c.name}" for c in (*COLUMNS, *extra))
                + ", 0 as source_line limit 0"
            )

    @staticmethod
    def _in_sheet(con: duckdb.DuckDBPyConnection, refused: FileRefused) -> FileRefused:
        """A refusal about a workbook row, moved from its order across sheets to its sheet."""
        if refused.row is None:
            return refused
        found = con.execute(
            f"select {SHEET}, {SHEET_ROW} from _delivered_csp where source_line = ?",
            [refused.row],
        ).fetchall()
        if not found:
            return refused
        sheet, row = found[0]
        return dataclasses.replace(
            refused, file_name=f"{refused.file_name}, sheet '{sheet}'", row=int(row)
        )

    def _check(self, con: duckdb.DuckDBPyConnection, file_name: str) -> None:
        counts = unit_range("count")
        checks = [
            (f"not regexp_matches(coalesce(financial_year, ''), '{FY_PATTERN}')", "financial_year",
             "not a financial year", "a year written like 2024/25"),
            ("coalesce(try_cast(financial_quarter as integer), 0) not between 1 and 4",
             "financial_quarter", "not a financial quarter", "1, 2, 3 or 4"),
            # Before the whole-number rule, so 9e18 or -3 is named as out of range, not as text.
            ("try_cast(replace(number_of_offences, ',', '') as double) not between $1 and $2",
             "number_of_offences", "a count outside the range of its unit", counts.expected),
            ("try_cast(replace(number_of_offences, ',', '') as bigint) is null",
             "number_of_offences", "text where a count must be",
             f"a whole number {counts.expected}"),
            ("offence_code is null", "offence_code", "an offence without its code",
             "a Home Office offence code"),
        ]  # fmt: skip
        check_rules(con, "_delivered_csp", file_name, checks, parameters=[counts.low, counts.high])
        today = date.today()
        future = first_bad(
            con,
            "_delivered_csp",
            f"{QUARTER_START_SQL} + interval 3 month > date '{today:%Y-%m-01}'",
            "financial_year",
        )
        if future:
            raise FileRefused(
                file_name=file_name,
                row=future[0],
                column="financial_quarter",
                problem="a quarter that has not ended yet",
                expected=f"quarters ending before {today:%Y-%m}",
                found=future[1],
            )

    def _check_forces(self, con: duckdb.DuckDBPyConnection, file_name: str) -> None:
        """Every quarter the file holds has rows for every configured force: ``replace``
        deletes a quarter for all of them, so a quarter without one of them (an extract of
        the national table, a damaged file) would wipe that force's quarter. The rows of a
        quarter are all from one file, so a quarter is refused whole rather than patched."""
        short = con.execute(
            f"""
            select any_value(financial_year), any_value(financial_quarter),
                   list_filter(?, lambda f: not list_contains(list(force_name), f))
            from {STAGED} group by {QUARTER_START_SQL} order by {QUARTER_START_SQL}
            """,
            [self.force_names],
        ).fetchall()
        for year, quarter, missing in short:
            if missing:
                raise FileRefused(
                    file_name=file_name,
                    column="force_name",
                    problem=f"{year} quarter {quarter} is incomplete: no rows for "
                    f"{', '.join(missing)}",
                    expected="every quarter to hold rows for every configured force ("
                    + ", ".join(self.force_names)
                    + ", PCP_FORCES): a quarter replaces "
                    "all their rows",
                )

    def _check_csps(self, con: duckdb.DuckDBPyConnection, file_name: str) -> None:
        """Every CSP of a configured force is one the areas seed knows (or the Home Office's
        "Unassigned <force>" row), and every quarter the file holds covers all of them: a
        quarter replaces the force's rows whole, so a stray or partial quarter would zero the
        missing CSPs. Forces whose CSPs the seed does not list are not checked."""
        for force, csps in self.csps.items():
            known = [*csps, f"Unassigned {force}"]
            refuse_unknown(
                con,
                STAGED,
                file_name,
                "csp_name",
                known,
                problem=f"not a Community Safety Partnership of {force}",
                expected=f"one of {', '.join(csps)} (seeds/areas.csv)",
                where="force_name = ?",
                where_params=[force],
            )
            short = con.execute(
                f"""
                select financial_year, financial_quarter,
                       list_filter(?, lambda c: not list_contains(list(lower(csp_name)), lower(c)))
                from {STAGED} where force_name = ?
                group by all order by 1, 2
                """,
                [csps, force],
            ).fetchall()
            for year, quarter, missing in short:
                if missing:
                    raise FileRefused(
                        file_name=file_name,
                        column="csp_name",
                        problem=f"{year} quarter {quarter} is incomplete: no rows for {force} "
                        f"CSP{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
                        expected=f"every quarter to cover all {len(csps)} CSPs of {force} "
                        "(seeds/areas.csv)",
                    )

    def staged_rows(self, file_name: str) -> StagedRows:
        """The configured forces' staged rows, as ``replace`` writes them."""
        columns = ", ".join(c.name for c in COLUMNS if c.name != "number_of_offences")
        return StagedRows(
            f"select {columns}, offences as number_of_offences, "
            f"{QUARTER_START_SQL} as partition_quarter, source_line from {STAGED}"
        )

    def replace(
        self, con: duckdb.DuckDBPyConnection, file_name: str, sha256: str, replacing: bool = True
    ) -> None:
        con.execute(
            f"""
            delete from {self.table}
            where list_contains(?, force_name)
              and partition_quarter in (select distinct {QUARTER_START_SQL} from {STAGED})
            """,
            [self.force_names],
        )
        columns = ", ".join(c.name for c in COLUMNS if c.name != "number_of_offences")
        con.execute(
            f"""
            insert into {self.table} ({columns}, number_of_offences, partition_quarter,
                                      source_sha256, source_line)
            select {columns}, offences, {QUARTER_START_SQL}, ?, source_line
            from {STAGED} order by source_line
            """,
            [sha256],
        )
