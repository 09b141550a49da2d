"""Reading simple delivered tables (CSV or XLSX) into DuckDB under canonical column names.

Partner returns, surveys and published tables come as CSV (UTF-8, with or without BOM, or
Windows-1252 from Excel) or as an XLSX workbook (first sheet). Headers are matched after
lower-casing and turning spaces into underscores, so "Number of Offences" is number_of_offences.

Nothing read from a file becomes SQL: header cells are matched in Python and the columns read by
position under names this module makes (``column0``, ``column1``, ...), given to DuckDB as a
bound parameter; values are compared in SQL or bound, never pasted into it.
"""

from __future__ import annotations

import csv
import re
import shutil
import tempfile
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.landing.encoding import utf8_copy
from orchestration.landing.refusal import FileRefused, clipped, header_text
from orchestration.landing.spreadsheets import sheet_rows


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = True
    aliases: tuple[str, ...] = ()
    # Free text that may identify a person (a survey comment, a submitter's name): a refusal
    # describes such a value (its length), never quotes it.
    restricted: bool = False

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


def canonical(header_cell: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", header_cell.strip().lower()).strip("_")


def restricted_columns(columns: Sequence[Column]) -> frozenset[str]:
    return frozenset(c.name for c in columns if c.restricted)


def header_described(header: Sequence[str], found: Collection[str]) -> str:
    """A delivered first line, for a refusal of a source with restricted columns: how many
    cells it has and which of them are column names, never what the others hold. A file
    delivered without its header has a respondent's row there (a comment, a submitter)."""
    cells = sum(1 for cell in header if cell.strip())
    cells_text = f"{cells} filled cell{'s' if cells != 1 else ''}"
    if not found:
        return f"the first line has {cells_text}, none of them a column name this file may have"
    return f"the first line has {cells_text}; the column names among them: " + ", ".join(
        sorted(found)
    )


def identifier(name: str) -> str:
    """One of our own names (a column, a table) as a quoted SQL identifier. Never for file
    content: that is read by position and bound as a parameter."""
    return '"' + name.replace('"', '""') + '"'


def positional_names(width: int) -> tuple[str, ...]:
    """The names a delivered table's columns are read under, by position."""
    return tuple(f"column{i}" for i in range(width))


def column_positions(
    names: Sequence[str], spellings: dict[str, Sequence[str]], file_name: str
) -> dict[str, int]:
    """Where each wanted column is in a header of normalised ``names``: {column: position} for
    those the header has, by the first of its ``spellings`` present. A spelling that appears
    twice refuses the file: which of the two is meant cannot be told."""
    found: dict[str, int] = {}
    for column, accepted in spellings.items():
        spelling = next((s for s in accepted if s in names), None)
        if spelling is None:
            continue
        positions = [i for i, name in enumerate(names) if name == spelling]
        if len(positions) > 1:
            raise FileRefused(
                file_name=file_name,
                row=1,
                column=column,
                problem=f"column '{column}' appears {len(positions)} times in the header "
                f"(columns {', '.join(str(p + 1) for p in positions)})",
                expected="each column once",
            )
        found[column] = positions[0]
    return found


def _xlsx_to_csv(path: Path, file_name: str) -> Path:
    """The workbook's first sheet as a CSV, its cells as ``spreadsheets`` reads them (one rule
    for how a cell becomes text), every row padded to the widest (a sheet is a rectangle)."""
    offered: list[str] = []

    def first_sheet(name: str) -> bool:
        offered.append(name)
        return name == offered[0]

    rows = [row.cells for row in sheet_rows(path, file_name, first_sheet)]
    width = max((len(cells) for cells in rows), default=0)
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", newline="", suffix=".csv", delete=False
    ) as handle:
        writer = csv.writer(handle)
        for cells in rows:
            writer.writerow([*cells, *[""] * (width - len(cells))])
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
                file_name=file_name,
                row=1,
                problem="the file is empty",
                expected="a header line naming the columns, then one line per row",
            )
        names = [canonical(h) for h in header]
        found = column_positions(names, {c.name: c.spellings for c in columns}, file_name)
        for column in columns:
            if column.required and column.name not in found:
                restricted = bool(restricted_columns(columns))
                raise FileRefused(
                    file_name=file_name,
                    row=1,
                    column=column.name,
                    problem=f"column '{column.name}' is missing",
                    expected="the columns " + ", ".join(c.name for c in columns if c.required),
                    found=header_described(header, found) if restricted else header_text(header),
                    found_described=restricted,
                )
        positional = positional_names(len(header))
        read_csv_as_text(con, readable, file_name, positional, "_delivered_table")
    finally:
        if readable != path:
            readable.unlink(missing_ok=True)
    select = ", ".join(
        f"nullif(trim({identifier(positional[found[c.name]])}), '') as {identifier(c.name)}"
        if c.name in found
        else f"null::varchar as {identifier(c.name)}"
        for c in columns
    )
    con.execute(
        f"create or replace temp table {temp_table} as "
        f"select {select}, rowid + 2 as source_line from _delivered_table"
    )
    rows = con.execute(f"select count(*) from {temp_table}").fetchall()[0][0]
    if rows == 0:
        raise FileRefused(
            file_name=file_name,
            problem="the file has a header but no data rows",
            expected="at least one row",
        )
    return rows


def _as_text(names: Sequence[str]) -> dict[str, str]:
    """``read_csv``'s ``columns``, bound as a parameter: every column as text, in order."""
    if len(set(names)) != len(names):
        raise ValueError(f"column names must be unique: {names}")
    return dict.fromkeys(names, "VARCHAR")


# What DuckDB's CSV errors mean, in words: its message quotes the line, so it is never shown.
_CSV_ERRORS = (
    ("unterminated quote", "a quoted field that is never closed"),
    ("invalid unicode", "bytes that are not UTF-8 text"),
    ("maximum line size", "a line longer than DuckDB reads (a field that never ends?)"),
)


def csv_problem(message: str) -> str:
    """What a DuckDB error reading a CSV means, in words, from its ``message`` (never shown:
    it quotes the file's line)."""
    kind = next((said for known, said in _CSV_ERRORS if known in message.lower()), None)
    return "the CSV cannot be parsed" + (f": {kind}" if kind else "")


def csv_error_line(message: str) -> int | None:
    """The line a DuckDB CSV error ``message`` is about, when it names one."""
    line = re.search(r"CSV Error on Line: (\d+)", message)
    return int(line.group(1)) if line else None


def header_on_one_line(path: Path) -> Path:
    """The file, or a copy whose header is on one line when a header cell holds a line break
    (Alt+Enter in Excel). DuckDB tells a file's line ends from its first line, and a break
    other than the file's own there makes it read no rows at all, without an error. Headers
    are matched on their words, so the break becomes a space."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle), [])
        if not any("\r" in cell or "\n" in cell for cell in header):
            return path
        first_row = handle.readline()
        ending = "\r\n" if first_row.endswith("\r\n") else "\n"
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", newline="", suffix=".csv", delete=False
        ) as copy:
            csv.writer(copy, lineterminator=ending).writerow([" ".join(c.split()) for c in header])
            copy.write(first_row)
            shutil.copyfileobj(handle, copy)
    return Path(copy.name)


def read_csv_as_text(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    file_name: str,
    names: Sequence[str],
    temp_table: str,
) -> None:
    """Load a UTF-8 CSV into ``temp_table``, every column as text under ``names`` (our own, by
    position: the header line is skipped), in file order (so a row's rowid + 2 is its line).
    A line with the wrong number of fields refuses the file."""
    readable = header_on_one_line(path)
    try:
        con.execute(
            f"""
            create or replace temp table {temp_table} as
            select * from read_csv(?, header = true, auto_detect = false, delim = ',',
                                   quote = '"', escape = '"', columns = ?)
            """,
            [str(readable), _as_text(names)],
        )
    except duckdb.InvalidInputException as error:
        message = str(error)
        counts = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", message)
        raise FileRefused(
            file_name=file_name,
            row=csv_error_line(message),
            problem="the line does not have the header's number of fields (truncated?)"
            if counts
            else csv_problem(message),
            expected=f"{len(names)} comma-separated fields per line",
            found=f"{counts.group(2)} fields" if counts else None,
        ) from None
    else:
        empty = not con.execute(f"select exists (from {temp_table})").fetchone()[0]
        if empty and _rows_after_header(readable):
            # DuckDB reads no rows, without an error, after a header that is not RFC 4180 (a
            # quote inside an unquoted name, text after a closing quote): say so.
            raise FileRefused(
                file_name=file_name,
                row=1,
                problem="the header is not well-formed CSV: no line after it can be read",
                expected="comma-separated column names, a name holding a comma or a quote in "
                'double quotes ("a ""quoted"" name")',
            )
    finally:
        if readable != path:
            readable.unlink(missing_ok=True)


def _rows_after_header(path: Path) -> bool:
    """Whether Python's (lenient) CSV reader finds a non-empty row after the header."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = csv.reader(handle)
        next(rows, None)
        return any(any(cell.strip() for cell in row) for row in rows)


def read_csvs_as_text(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[Path],
    names: Sequence[str],
    temp_table: str,
) -> set[int]:
    """Load many UTF-8 CSVs of the same header in one parallel read into ``temp_table``, every
    column as text under ``names`` (as ``read_csv_as_text``), plus ``file_index`` (the file's
    position in ``paths``).

    Rows keep file order and, within a file, line order (DuckDB's CSV reader preserves
    insertion order), so a file's rows have consecutive rowids. A line that cannot be read (the
    wrong number of fields, bytes that are not UTF-8) does not stop the read: the positions of
    the files with such lines are returned, and their rows must not be used. Raises
    ``duckdb.Error`` when the read fails as a whole.
    """
    rejects, scans = f"{temp_table}_rejects", f"{temp_table}_scans"
    con.execute(f"drop table if exists {rejects}; drop table if exists {scans}")
    con.execute(
        f"""
        create or replace temp table {temp_table} as
        select *, file_index from read_csv(?, header = true, auto_detect = false, delim = ',',
                                           quote = '"', escape = '"', columns = ?,
                                           store_rejects = true, rejects_limit = 1,
                                           rejects_table = '{rejects}', rejects_scan = '{scans}')
        """,
        [[str(p) for p in paths], _as_text(names)],
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
    restricted: Collection[str] = (),
    parameters: Sequence[object] = (),
    quote_cells: bool = True,
) -> None:
    """Refuse the file at the first row (by line) that breaks any rule, in one scan. Rule
    conditions may use ``parameters`` as $1, $2, ...; a value in a ``restricted`` column, or
    any value when not ``quote_cells`` (a source whose cells are never quoted), is described in
    the refusal, never quoted."""
    if not rules:
        return
    firsts = con.execute(
        "select "
        + ", ".join(f"min({line}) filter (where {rule[0]})" for rule in rules)
        + f" from {table}",
        list(parameters),
    ).fetchall()[0]
    broken = [(first, rule) for first, rule in zip(firsts, rules, strict=True) if first is not None]
    if not broken:
        return
    first, (_, column, problem, expected) = min(broken, key=lambda item: item[0])
    found = con.execute(
        f"select cast({identifier(column)} as varchar) from {table} where {line} = ? limit 1",
        [first],
    ).fetchall()[0][0]
    raise FileRefused.at_cell(
        file_name,
        first,
        column,
        problem,
        expected,
        "" if found is None else found,
        restricted=column in restricted or not quote_cells,
    )


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
    con: duckdb.DuckDBPyConnection,
    table: str,
    condition: str,
    column: str,
    parameters: Sequence[object] = (),
) -> tuple[int, str] | None:
    """(line, value) of the first row breaking a rule (whose condition may use ``parameters``
    as $1, $2, ...), for a refusal that names it: the value as a refusal may quote it
    (printable, clipped). Not for a restricted column: its value is never quoted."""
    rows = con.execute(
        f"select source_line, cast({identifier(column)} as varchar) from {table} "
        f"where {condition} order by source_line limit 1",
        list(parameters),
    ).fetchall()
    if not rows:
        return None
    line, value = rows[0]
    return line, clipped("" if value is None else value)
