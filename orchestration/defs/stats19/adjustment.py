"""DfT's STATS19 severity adjustment lookups: each casualty's (or collision's) adjusted-severity
probabilities, published apart from the collision and casualty files.

Files downloaded before the 2024 rename (``accident_*`` columns) carry no adjusted-severity
columns: DfT's adjustment for those years is in these files, beside the others::

    dft-road-casualty-statistics-casualty-adjustment-lookup_2004-latest-published-year.csv
    dft-road-casualty-statistics-casualties-adjustment-last-5-years.csv
    dft-road-casualty-statistics-collision-adjustment-lookup_2004-latest-published-year.csv
    dft-road-casualty-statistics-collision-adjustment-last-5-years.csv

One row per casualty (collision index and casualty reference) or per collision, with the
probabilities that it was serious and slight (both 0 for a fatal one), and whether they came
from an injury-based reporting system. The column names have varied (``accident_index``,
``Casualty_Reference``, ``Adjusted_Serious``, ``casualty_adjusted_severity_serious``...):
``format.ALIASES`` accepts each spelling and ``format.TABLES`` says which columns a lookup needs.

Each file holds many years. It is split by year like the many-year casualty files: every year
(``collision_year``, or the index's first four digits when the file has no year column) from
the history start replaces that year's rows of the configured forces (the force inside the
index); earlier years are left out. A year's partitions are its twelve months.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb

from orchestration.defs.stats19.format import (
    Stats19Format,
    Table,
    _header,
    _resolve_columns,
    index_force,
    years_months,
)
from orchestration.landing.encoding import utf8_copy
from orchestration.landing.files import LandedFile
from orchestration.landing.plausibility import refuse_repeated_keys, unit_range
from orchestration.landing.refusal import FileRefused
from orchestration.landing.staged import StagedRows
from orchestration.landing.tabular import header_on_one_line, identifier, positional_names
from orchestration.settings import Settings

ADJUSTMENT_FILE_NAME = re.compile(
    r"^dft-road-casualty-statistics-(?P<table>casualty|casualties|collision|accident)"
    r"-adjustment-(?:lookup_\d{4}-latest-published-year|last-5-years)\.csv$"
)
TABLE_OF_NAME = {"casualty": "casualty", "casualties": "casualty", "accident": "collision"}

# Serious + slight may miss 1 by this much: DfT rounds each probability on its own.
SUM_TOLERANCE = 0.001


def row_year(index: str, year: str | None) -> str:
    """SQL for a row's year: its year column when it has one, else the index's first four
    digits (``index`` and ``year`` are our own column names or positional references)."""
    from_index = f"try_cast(substr({index}, 1, 4) as integer)"
    return f"coalesce(try_cast({year} as integer), {from_index})" if year else from_index


class Stats19AdjustmentFormat(Stats19Format):
    """One of DfT's severity adjustment lookups (``casualty`` or ``collision``), as intake sees
    it: loads ``raw.stats19_<table>_adjustment``, one row per casualty or collision."""

    def __init__(self, table: str, settings: Settings):
        super().__init__(f"{table}_adjustment", settings)
        self.of = table  # casualty | collision
        self.serious = f"{table}_adjusted_severity_serious"
        self.slight = f"{table}_adjusted_severity_slight"
        self.key = (
            ("collision_index", "casualty_reference")
            if table == "casualty"
            else ("collision_index",)
        )

    def claims(self, file_name: str) -> bool:
        match = ADJUSTMENT_FILE_NAME.match(file_name)
        if not match:
            return False
        return TABLE_OF_NAME.get(match["table"], match["table"]) == self.of

    def describe_files(self) -> str:
        plural = "casualties" if self.of == "casualty" else "collision"
        return (
            f"DfT severity adjustment files named dft-road-casualty-statistics-{self.of}"
            f"-adjustment-lookup_2004-latest-published-year.csv or -{plural}"
            "-adjustment-last-5-years.csv"
        )

    def ensure_tables(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute(raw_adjustment_ddl(self.spec))

    def partitions_of(self, landed: LandedFile) -> tuple[str, ...]:
        years = self._years_in_file(landed.path, landed.name)
        this_year = date.today().year
        if years[-1] >= this_year:
            raise FileRefused(
                file_name=landed.name,
                problem="the file has rows for a year that has not ended yet",
                expected=f"adjustments for years before {this_year}",
                found=str(years[-1]),
            )
        return years_months(years)

    def _years_in_file(self, path: Path, file_name: str) -> list[int]:
        """The years from the history start the file holds for the configured forces, read by
        position (the file's header text never goes into SQL)."""
        readable = utf8_copy(path)
        one_line = readable
        try:
            header = _header(readable)
            if not header or header == [""]:
                raise self._empty(file_name)
            columns = _resolve_columns(header, self.spec, file_name)
            # Read as text under our own positional names, streamed (a lookup of every year
            # from 2004 is large): nothing is sniffed from, or pasted out of, the header.
            positional = positional_names(len(header))
            index = identifier(positional[columns["collision_index"]])
            year_at = columns.get("collision_year")
            year = row_year(index, None if year_at is None else identifier(positional[year_at]))
            one_line = header_on_one_line(readable)  # as read_csv_as_text reads it
            with duckdb.connect() as scratch:
                total, found = scratch.execute(
                    f"select count(*), list(distinct {year}) filter ("
                    f"where {index_force(index)} in (select unnest(?)) and {year} >= ?) "
                    "from read_csv(?, header = true, auto_detect = false, delim = ',', "
                    "quote = '\"', escape = '\"', columns = ?)",
                    [
                        list(self.force_codes),
                        self._first_year(),
                        str(one_line),
                        dict.fromkeys(positional, "VARCHAR"),
                    ],
                ).fetchone()
        except duckdb.Error:
            # DuckDB's message quotes the line it stopped at: it is not repeated.
            raise FileRefused(
                file_name=file_name,
                problem="the CSV cannot be parsed",
                expected="the DfT CSV: a header line, then the same number of comma-separated "
                "fields on every line",
            ) from None
        finally:
            for copy in {readable, one_line} - {path}:
                copy.unlink(missing_ok=True)
        if total == 0:
            raise self._no_rows(file_name)
        years = sorted(year for year in found or [] if year is not None)
        if not years:
            raise FileRefused(
                file_name=file_name,
                problem="the file has no rows for the configured forces from the history start",
                expected=f"rows for {self.force_names} in years from {self._first_year()} "
                "(PCP_HISTORY_START)",
            )
        return years

    @staticmethod
    def _empty(file_name: str) -> FileRefused:
        return FileRefused(
            file_name=file_name,
            row=1,
            problem="the file is empty",
            expected="a header line followed by one line per row",
        )

    @staticmethod
    def _no_rows(file_name: str) -> FileRefused:
        return FileRefused(
            file_name=file_name,
            problem="the file has a header but no data rows",
            expected="one row per adjusted casualty or collision",
        )

    def stage(self, con: duckdb.DuckDBPyConnection, path: Path, file_name: str) -> int:
        readable = utf8_copy(path)
        try:
            header = _header(readable)
            if not header or header == [""]:
                raise self._empty(file_name)
            columns = _resolve_columns(header, self.spec, file_name)
            self._read(con, readable, file_name, header, columns)
        finally:
            if readable != path:
                readable.unlink(missing_ok=True)
        total = con.execute("select count(*) from _incoming_stats19").fetchall()[0][0]
        if total == 0:
            raise self._no_rows(file_name)
        codes = ", ".join(str(c) for c in self.force_codes)
        year = row_year("collision_index", "collision_year")
        con.execute(
            f"create or replace temp table _stats19_placed as "
            f"select *, {year} as partition_year from _incoming_stats19 "
            f"where {index_force('collision_index')} in ({codes}) and {year} >= ?",
            [self._first_year()],
        )
        mine = con.execute("select count(*) from _stats19_placed").fetchall()[0][0]
        if mine == 0:
            raise FileRefused(
                file_name=file_name,
                problem=f"the file has {total} rows but none for the configured forces "
                "from the history start",
                expected=f"rows for {self.force_names} (add forces with PCP_FORCES)",
            )
        self._check_probabilities(con, file_name)
        refuse_repeated_keys(
            con,
            "_stats19_placed",
            file_name,
            self.key,
            what=f"{self.of} ({' and '.join(self.key)})",
        )
        return mine

    def _check_probabilities(self, con: duckdb.DuckDBPyConnection, file_name: str) -> None:
        """Each kept row's probabilities are numbers from 0 to 1 adding up to 1 (both 0 for a
        fatal casualty or collision)."""
        share = unit_range("proportion")
        for column in (self.serious, self.slight):
            found = con.execute(
                f"select source_line, {column} from _stats19_placed "
                f"where try_cast(trim({column}) as double) is null "
                f"or not try_cast(trim({column}) as double) between ? and ? "
                "order by source_line limit 1",
                [share.low, share.high],
            ).fetchall()
            if found:
                line, value = found[0]
                raise FileRefused.at_cell(
                    file_name,
                    line,
                    column,
                    problem="an adjusted-severity probability that is not a number from 0 to 1",
                    expected=share.expected,
                    value="" if value is None else value,
                )
        found = con.execute(
            f"""
            select source_line, {self.serious}, {self.slight} from _stats19_placed
            where not (
                abs(cast(trim({self.serious}) as double) + cast(trim({self.slight}) as double) - 1)
                    <= ?
                or (cast(trim({self.serious}) as double) = 0
                    and cast(trim({self.slight}) as double) = 0)
            )
            order by source_line limit 1
            """,
            [SUM_TOLERANCE],
        ).fetchall()
        if found:
            line, serious, slight = found[0]
            raise FileRefused(
                file_name=file_name,
                row=line,
                column=self.serious,
                problem="the adjusted serious and slight probabilities do not add up to 1",
                expected=f"serious + slight = 1 (within {SUM_TOLERANCE}), or both 0 (fatal)",
                found=f"{serious} + {slight}",
            )

    def staged_rows(self, file_name: str) -> StagedRows:
        return StagedRows(
            f"select {', '.join(self.spec.columns)}, partition_year, source_line "
            "from _stats19_placed"
        )

    def replace(
        self, con: duckdb.DuckDBPyConnection, file_name: str, sha256: str, replacing: bool = True
    ) -> None:
        years = [
            year
            for (year,) in con.execute(
                "select distinct partition_year from _stats19_placed"
            ).fetchall()
        ]
        codes = ", ".join(str(c) for c in self.force_codes)
        con.execute(
            f"delete from {self.table} where partition_year in (select unnest(?)) "
            f"and {index_force('collision_index')} in ({codes})",
            [years],
        )
        columns = ", ".join(self.spec.columns)
        con.execute(
            f"""
            insert into {self.table} ({columns}, partition_year, source_sha256, source_line)
            select {columns}, partition_year, ?, source_line
            from _stats19_placed order by source_line
            """,
            [sha256],
        )


def raw_adjustment_ddl(table: Table) -> str:
    return f"""
    create schema if not exists raw;
    create table if not exists raw.stats19_{table.name} (
        {", ".join(f"{col} varchar" for col in table.columns)},
        partition_year integer not null,
        source_sha256 varchar not null,
        source_line integer not null,
        loaded_at timestamptz not null default current_timestamp
    );
    """
