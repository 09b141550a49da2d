"""The Home Office CSP table as published: a workbook with one sheet per financial year.

Current editions are .ods only (``prc-csp-mar21-sep25-tables-290126.ods``); an April 2025
edition was .xlsx. Each year sheet is named ``2015_16`` (older files ``2002-03``) and has its
header on row 1; a ``Notes`` sheet (and any other) is not data. The national file is large, so
the year sheets are streamed (``orchestration.landing.spreadsheets``) and only the configured
forces' rows are written out, to a CSV with this warehouse's column names plus the sheet and
row each came from, which is what the format stages.

Reading the national .ods takes ~35 s of CPU (``make bench --only ods``), and intake asks a
file's quarters before it stages it: the last workbook's rows are kept for the process, by the
file's identity (device, inode, size, modification time: a hard link to the archive is the same
file), so it is read once.
"""

from __future__ import annotations

import atexit
import csv
import dataclasses
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

from orchestration.landing.refusal import FileRefused
from orchestration.landing.spreadsheets import sheet_rows
from orchestration.landing.tabular import Column, canonical, column_positions

YEAR_SHEET = re.compile(r"^\d{4}[_-]\d{2}$")  # 2015_16, or 2002-03 in older files
SHEET, SHEET_ROW = "sheet", "sheet_row"
_last: dict[tuple[object, ...], tuple[Path, int]] = {}  # at most one workbook's rows


@atexit.register
def _forget() -> None:
    for rows, _ in _last.values():
        rows.unlink(missing_ok=True)
    _last.clear()


def _positions(
    header: Sequence[str], columns: Sequence[Column], file_name: str, sheet: str, row: int
) -> dict[str, int]:
    """canonical column -> its position in this sheet's header; refuses a missing one, and
    one spelled twice (the rule for a CSV's header: ``tabular.column_positions``)."""
    in_sheet = f"{file_name}, sheet '{sheet}'"
    names = [canonical(cell) for cell in header]
    try:
        found = column_positions(names, {c.name: c.spellings for c in columns}, in_sheet)
    except FileRefused as refused:  # it names a CSV header's line 1: here, the header's row
        raise dataclasses.replace(refused, row=row) from None
    for column in columns:
        if column.name not in found and column.required:
            raise FileRefused(
                file_name=in_sheet,
                row=row,
                column=column.name,
                problem=f"column '{column.name}' is missing from the sheet's header row",
                expected="the Home Office header on the sheet's first row: Financial Year, "
                "Financial Quarter, Police Force (or Force Name), CSP Name, Offence Description, "
                "Offence Group, Offence Subgroup, Offence Code, Offence Count (or Number of "
                "Offences)",
                found=", ".join(cell for cell in header if cell),
            )
    return found


def year_sheets_as_csv(
    path: Path,
    file_name: str,
    columns: Sequence[Column],
    force_column: str,
    forces: Sequence[str] | None,
) -> tuple[Path, int]:
    """Every year sheet's rows whose ``force_column`` is one of ``forces`` (every row with a
    force when ``forces`` is None), as a UTF-8 CSV
    with the columns' canonical names, then the sheet name and the row's number in it; and
    how many rows were written. The CSV belongs to this module (kept for the next call on the
    same file, deleted at exit): the caller must not change or delete it."""
    stat = os.stat(path)
    key = (
        stat.st_dev,
        stat.st_ino,
        stat.st_size,
        stat.st_mtime_ns,
        file_name,
        tuple(c.name for c in columns),
        force_column,
        None if forces is None else tuple(forces),
    )
    if key in _last and _last[key][0].exists():
        return _last[key]
    _forget()
    _last[key] = _year_sheets_as_csv(path, file_name, columns, force_column, forces)
    return _last[key]


def _year_sheets_as_csv(
    path: Path,
    file_name: str,
    columns: Sequence[Column],
    force_column: str,
    forces: Sequence[str] | None,
) -> tuple[Path, int]:
    offered: list[str] = []

    def is_year(name: str) -> bool:
        offered.append(name)
        return bool(YEAR_SHEET.match(name.strip()))

    keep = None if forces is None else set(forces)
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", newline="", suffix=".csv", delete=False
    ) as handle:
        target = Path(handle.name)
        try:
            writer = csv.writer(handle)
            writer.writerow([*(c.name for c in columns), SHEET, SHEET_ROW])
            sheet, positions, force_at, written = None, {}, 0, 0
            for row in sheet_rows(path, file_name, is_year):
                if row.sheet != sheet:  # a year sheet's first row is its header
                    sheet = row.sheet
                    positions = _positions(row.cells, columns, file_name, sheet, row.row)
                    force_at = positions[force_column]
                    continue
                if force_at >= len(row.cells) or not row.cells[force_at].strip():
                    continue
                if keep is not None and row.cells[force_at].strip() not in keep:
                    continue
                writer.writerow(
                    [
                        row.cells[positions[c.name]]
                        if c.name in positions and positions[c.name] < len(row.cells)
                        else ""
                        for c in columns
                    ]
                    + [row.sheet, row.row]
                )
                written += 1
        except BaseException:
            handle.close()
            target.unlink(missing_ok=True)
            raise
    if not any(YEAR_SHEET.match(name.strip()) for name in offered):
        target.unlink(missing_ok=True)
        raise FileRefused(
            file_name=file_name,
            problem="no sheet is named like a financial year",
            expected="the Home Office workbook: one sheet per financial year named like "
            "2024_25 (or 2002-03), each with its header on row 1",
            found="sheets " + ", ".join(offered) if offered else "no sheets",
        )
    return target, written
