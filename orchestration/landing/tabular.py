"""Reading simple delivered tables (CSV or XLSX) into DuckDB under canonical column names.

Partner returns, surveys and published tables come as CSV (UTF-8, with or without BOM, or
Windows-1252 from Excel) or as an XLSX workbook (first sheet). Headers are matched after
lower-casing and turning spaces into underscores, so "Number of Offences" is number_of_offences.
"""

from __future__ import annotations

import csv
import re
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from orchestration.landing.encoding import utf8_copy
from orchestration.landing.refusal import FileRefused


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = True
    aliases: tuple[str, ...] = ()

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


def canonical(header_cell: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", header_cell.strip().lower()).strip("_")


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_to_csv(path: Path, file_name: str) -> Path:
    from openpyxl import load_workbook  # imported here: only XLSX deliveries need it

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as error:
        raise FileRefused(
            file_name=file_name,
            problem=f"not a readable XLSX workbook ({error.__class__.__name__})",
            expected="an Excel .xlsx file with the table on its first sheet, or a CSV",
        ) from None  # fmt: skip
    try:
        sheet = workbook.worksheets[0]
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", newline="", suffix=".csv", delete=False
        ) as handle:
            writer = csv.writer(handle)
            for row in sheet.iter_rows(values_only=True):
                cells = [_cell_text(v) for v in row]
                if any(cells):  # Excel keeps formatted but empty rows; they are not data
                    writer.writerow(cells)
    finally:
        workbook.close()
    return Path(handle.name)


def readable_csv(path: Path, file_name: str) -> Path:
    """A UTF-8 CSV DuckDB can read: the file itself, a transcoded copy, or the XLSX as CSV."""
    if path.suffix.lower() == ".xlsx":
        return _xlsx_to_csv(path, file_name)
    return utf8_copy(path)


def stage_table(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    file_name: str,
    columns: Sequence[Column],
    temp_table: str,
) -> int:
    """Load a delivered table into ``temp_table`` with canonical names and ``source_line``.

    Refuses a missing required column, an empty file, and lines with the wrong field count.
    Columns the file does not have are null; extra columns are ignored.
    """
    readable = readable_csv(path, file_name)
    try:
        with readable.open(encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), [])
        if not any(h.strip() for h in header):
            raise FileRefused(
                file_name=file_name, row=1, problem="the file is empty",
                expected="a header line naming the columns, then one line per row",
            )  # fmt: skip
        names = [canonical(h) for h in header]
        found: dict[str, str] = {}
        for column in columns:
            position = next((names.index(s) for s in column.spellings if s in names), None)
            if position is not None:
                found[column.name] = header[position]
            elif column.required:
                raise FileRefused(
                    file_name=file_name, row=1, column=column.name,
                    problem=f"column '{column.name}' is missing",
                    expected="the columns " + ", ".join(c.name for c in columns if c.required),
                    found=", ".join(h for h in header if h),
                )  # fmt: skip
        read_csv_as_text(con, readable, file_name, header, "_delivered_table")
    finally:
        if readable != path:
            readable.unlink(missing_ok=True)
    select = ", ".join(
        f'nullif(trim("{found[c.name]}"), \'\') as {c.name}' if c.name in found
        else f"null::varchar as {c.name}"
        for c in columns
    )  # fmt: skip
    con.execute(
        f"create or replace temp table {temp_table} as "
        f"select {select}, rowid + 2 as source_line from _delivered_table"
    )
    rows = con.execute(f"select count(*) from {temp_table}").fetchall()[0][0]
    if rows == 0:
        raise FileRefused(
            file_name=file_name, problem="the file has a header but no data rows",
            expected="at least one row",
        )  # fmt: skip
    return rows


def read_csv_as_text(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    file_name: str,
    header: Sequence[str],
    temp_table: str,
) -> None:
    """Load a UTF-8 CSV into ``temp_table``, every column as text, in file order (so a row's
    rowid + 2 is its line). A line with the wrong number of fields refuses the file."""
    types = ", ".join(f"'{h}': 'VARCHAR'" for h in header)
    try:
        con.execute(
            f"""
            create or replace temp table {temp_table} as
            select * from read_csv(?, header = true, auto_detect = false, delim = ',',
                                   quote = '"', escape = '"', columns = {{{types}}})
            """,
            [str(path)],
        )
    except duckdb.InvalidInputException as error:
        message = str(error)
        line = re.search(r"CSV Error on Line: (\d+)", message)
        counts = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", message)
        raise FileRefused(
            file_name=file_name,
            row=int(line.group(1)) if line else None,
            problem="the line does not have the header's number of fields (truncated?)"
            if counts
            else "the CSV cannot be parsed",
            expected=f"{len(header)} comma-separated fields per line",
            found=f"{counts.group(2)} fields" if counts else message.splitlines()[0],
        ) from None


def read_csvs_as_text(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[Path],
    header: Sequence[str],
    temp_table: str,
) -> set[int]:
    """Load many UTF-8 CSVs of the same header in one parallel read into ``temp_table``, every
    column as text, plus ``file_index`` (the file's position in ``paths``).

    Rows keep file order and, within a file, line order (DuckDB's CSV reader preserves
    insertion order), so a file's rows have consecutive rowids. A line that cannot be read (the
    wrong number of fields, bytes that are not UTF-8) does not stop the read: the positions of
    the files with such lines are returned, and their rows must not be used. Raises
    ``duckdb.Error`` when the read fails as a whole.
    """
    types = ", ".join(f"'{h}': 'VARCHAR'" for h in header)
    rejects, scans = f"{temp_table}_rejects", f"{temp_table}_scans"
    con.execute(f"drop table if exists {rejects}; drop table if exists {scans}")
    con.execute(
        f"""
        create or replace temp table {temp_table} as
        select *, file_index from read_csv(?, header = true, auto_detect = false, delim = ',',
                                           quote = '"', escape = '"', columns = {{{types}}},
                                           store_rejects = true, rejects_limit = 1,
                                           rejects_table = '{rejects}', rejects_scan = '{scans}')
        """,
        [[str(p) for p in paths]],
    )
    position = {str(p): i for i, p in enumerate(paths)}
    rejected = con.execute(
        f"select distinct s.file_path from {rejects} r join {scans} s using (scan_id, file_id)"
    ).fetchall()
    con.execute(f"drop table if exists {rejects}; drop table if exists {scans}")
    if any(path not in position for (path,) in rejected):
        raise duckdb.InvalidInputException("rejected lines in a file that was not read")
    return {position[path] for (path,) in rejected}


Rule = tuple[str, str, str, str]  # SQL condition, column, problem, what was expected


def check_rules(
    con: duckdb.DuckDBPyConnection,
    table: str,
    file_name: str,
    rules: Sequence[Rule],
    line: str = "source_line",
) -> None:
    """Refuse the file at the first row (by line) that breaks any rule, in one scan."""
    if not rules:
        return
    firsts = con.execute(
        "select "
        + ", ".join(f"min({line}) filter (where {rule[0]})" for rule in rules)
        + f" from {table}"
    ).fetchall()[0]
    broken = [(first, rule) for first, rule in zip(firsts, rules, strict=True) if first is not None]
    if not broken:
        return
    first, (_, column, problem, expected) = min(broken, key=lambda item: item[0])
    found = con.execute(
        f'select cast("{column}" as varchar) from {table} where {line} = ? limit 1', [first]
    ).fetchall()[0][0]
    raise FileRefused(
        file_name=file_name, row=first, column=column, problem=problem,
        expected=expected, found="" if found is None else found,
    )  # fmt: skip


@dataclass(frozen=True)
class FileRows:
    """Where one file's rows are in a table loaded by ``read_csvs_as_text``."""

    first_rowid: int
    rows: int
    keeps_rules: bool  # no row breaks any rule


def check_rules_by_file(
    con: duckdb.DuckDBPyConnection,
    table: str,
    rules: Sequence[Rule],
    parameters: Sequence[object] = (),
) -> dict[int, FileRows]:
    """For every file in a table from ``read_csvs_as_text``, in one scan: its first rowid, its
    row count, and whether all its rows keep ``rules`` (whose conditions may use ``parameters``
    as $1, $2, ..., e.g. a list of each file's expected value indexed by file_index + 1).

    A file whose rows are not consecutive is reported as breaking the rules, so it is looked at
    alone: its rows' positions would not be its lines.
    """
    breaks = " or ".join(f"({rule[0]})" for rule in rules) or "false"
    found = con.execute(
        f"""
        select file_index, min(rowid), max(rowid), count(*), count(*) filter (where {breaks})
        from {table} group by file_index
        """,
        list(parameters),
    ).fetchall()
    return {
        int(index): FileRows(first, rows, broken == 0 and last - first + 1 == rows)
        for index, first, last, rows, broken in found
    }


def partitions_in_content(
    stage: Callable[[duckdb.DuckDBPyConnection, Path, str], int],
    path: Path,
    file_name: str,
    query: str,
) -> tuple[str, ...]:
    """Partition keys of a file that spans many (a multi-year table, survey years): stage it
    in a scratch in-memory database and ask ``query`` (one column of keys) of what was staged."""
    with duckdb.connect() as scratch:
        stage(scratch, path, file_name)
        return tuple(row[0] for row in scratch.execute(query).fetchall())


def first_bad(
    con: duckdb.DuckDBPyConnection, table: str, condition: str, column: str
) -> tuple[int, str] | None:
    """(line, value) of the first row breaking a rule, for a refusal that names it."""
    rows = con.execute(
        f"select source_line, cast({column} as varchar) from {table} where {condition} "
        "order by source_line limit 1"
    ).fetchall()
    return (rows[0][0], rows[0][1]) if rows else None
