"""The Home Office police recorded crime open-data table by Community Safety Partnership.

Columns as published: Financial Year, Financial Quarter, Force Name, CSP Name, Offence
Description, Offence Group, Offence Subgroup, Offence Code, Number of Offences. One row per CSP
x financial quarter x offence code. Files (``prc-csp-*.csv`` or ``.xlsx``) usually cover several
years; each quarter a file holds replaces that quarter for the configured forces.
Partitions are financial quarters keyed by their first month ("2025-04" = 2025/26 Q1).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb

from orchestration.forces import configured_forces
from orchestration.landing.files import LandedFile
from orchestration.landing.refusal import FileRefused
from orchestration.landing.staged import StagedRows
from orchestration.landing.tabular import (
    Column,
    check_rules,
    first_bad,
    partitions_in_content,
    stage_table,
)
from orchestration.lib.partitions import first_quarter_start
from orchestration.settings import Settings

SOURCE = "home_office"
COLUMNS = (
    Column("financial_year"),
    Column("financial_quarter"),
    Column("force_name"),
    Column("csp_name", aliases=("community_safety_partnership", "csp")),
    Column("offence_description"),
    Column("offence_group", required=False),
    Column("offence_subgroup", required=False),
    Column("offence_code"),
    Column("number_of_offences", aliases=("offences", "count")),
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
        # The table spans many years: quarters before the history start are left out.
        self.first_quarter = date.fromisoformat(first_quarter_start(settings.history_start) + "-01")

    def claims(self, file_name: str) -> bool:
        return bool(re.match(r"^prc-csp-.*\.(csv|xlsx)$", file_name, re.IGNORECASE))

    def describe_files(self) -> str:
        return "Home Office CSP tables named prc-csp-*.csv or .xlsx"

    def scope_of(self, file_name: str) -> str:
        return ""

    def ensure_tables(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute(TABLE_DDL)

    def partitions_of(self, landed: LandedFile) -> tuple[str, ...]:
        """The quarters in the file (it has to be read: one file spans many quarters)."""
        return partitions_in_content(
            self.stage, landed.path, landed.name,
            f"select distinct strftime({QUARTER_START_SQL}, '%Y-%m') from {STAGED} order by 1",
        )  # fmt: skip

    def stage(self, con: duckdb.DuckDBPyConnection, path: Path, file_name: str) -> int:
        stage_table(con, path, file_name, COLUMNS, "_delivered_csp")
        checks = [
            (f"not regexp_matches(coalesce(financial_year, ''), '{FY_PATTERN}')", "financial_year",
             "not a financial year", "a year written like 2024/25"),
            ("coalesce(try_cast(financial_quarter as integer), 0) not between 1 and 4",
             "financial_quarter", "not a financial quarter", "1, 2, 3 or 4"),
            ("try_cast(replace(number_of_offences, ',', '') as bigint) is null "
             "or try_cast(replace(number_of_offences, ',', '') as bigint) < 0",
             "number_of_offences", "text where a count must be", "a whole number of 0 or more"),
            ("offence_code is null", "offence_code", "an offence without its code",
             "a Home Office offence code"),
        ]  # fmt: skip
        check_rules(con, "_delivered_csp", file_name, checks)
        today = date.today()
        future = first_bad(
            con, "_delivered_csp",
            f"{QUARTER_START_SQL} + interval 3 month > date '{today:%Y-%m-01}'", "financial_year",
        )  # fmt: skip
        if future:
            raise FileRefused(
                file_name=file_name, row=future[0], column="financial_quarter",
                problem="a quarter that has not ended yet",
                expected=f"quarters ending before {today:%Y-%m}", found=future[1],
            )  # fmt: skip
        con.execute(
            f"create or replace temp table {STAGED} as select *, "
            f"replace(number_of_offences, ',', '') as offences "
            f"from _delivered_csp where list_contains(?, force_name) "
            f"and {QUARTER_START_SQL} >= ?",
            [self.force_names, self.first_quarter],
        )
        rows = con.execute(f"select count(*) from {STAGED}").fetchall()[0][0]
        if rows == 0:
            raise FileRefused(
                file_name=file_name,
                problem="the table has no rows for the configured forces from the history start",
                expected="rows whose Force Name is one of "
                + ", ".join(self.force_names)
                + f", for quarters from {self.first_quarter:%Y-%m} (PCP_HISTORY_START)",
            )
        return rows

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
