"""Reading the sheets of a delivered workbook (.ods or .xlsx) row by row, without holding it.

Publishers who release only spreadsheets (the Home Office's CSP tables are .ods only since
2026; an earlier edition was .xlsx) put one table per sheet, and the national file is large:
its .ods unpacks to ~1.4 GB of XML. So rows are streamed, one at a time, and the caller keeps
only what it wants (its own forces' rows):

- .ods: ``content.xml`` is read straight out of the zip by expat (the C parser in the standard
  library), through handlers that keep one row; nothing is built for the rest of the document.
  Measured in ``make bench`` (``--only ods``) against a national-size file.
- .xlsx: openpyxl in read-only mode, which streams each sheet's XML the same way.

Cells come back as text, as a person sees them: numbers without a trailing ``.0``, dates as
ISO dates, empty cells as "". Row numbers are the sheet's own (1-based, as the spreadsheet
program shows them), so a refusal can name the row a person will find.

A sheet is never expanded past what one holds (MAX_COLUMNS, MAX_ROWS, MAX_CELL_CHARACTERS): a
workbook that declares more is refused, naming the sheet and row, before anything is made.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from xml.parsers import expat

from orchestration.landing.refusal import FileRefused

SPREADSHEET_SUFFIXES = (".ods", ".xlsx")

TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_SHEET = f"{TABLE_NS} table"
_ROW = f"{TABLE_NS} table-row"
_CELLS = (f"{TABLE_NS} table-cell", f"{TABLE_NS} covered-table-cell")
_PARAGRAPH = f"{TEXT_NS} p"
_SPACES = f"{TEXT_NS} s"
_TAB = f"{TEXT_NS} tab"
_LINE_BREAK = f"{TEXT_NS} line-break"
_ANNOTATION = f"{OFFICE_NS} annotation"  # a comment on a cell: not its value
_NAME = f"{TABLE_NS} name"
_ROWS_REPEATED = f"{TABLE_NS} number-rows-repeated"
_COLUMNS_REPEATED = f"{TABLE_NS} number-columns-repeated"
_VALUE_TYPE = f"{OFFICE_NS} value-type"
_VALUE_ATTRIBUTE = {
    "float": f"{OFFICE_NS} value",
    "percentage": f"{OFFICE_NS} value",
    "currency": f"{OFFICE_NS} value",
    "date": f"{OFFICE_NS} date-value",
    "time": f"{OFFICE_NS} time-value",
    "boolean": f"{OFFICE_NS} boolean-value",
}
# A repeated row or cell is written once with a count: LibreOffice pads every sheet to its
# last row (1,048,576) and every row to its last column this way. Empty ones only move the
# count on; a non-empty row repeated more than this is not a table anyone typed.
MAX_REPEATED_VALUES = 10_000
# What a sheet may hold. A few hundred bytes of XML can declare billions of cells (a count
# on a cell or row, a space count, an xlsx dimension of A1:XFD1048576), so anything beyond
# these is refused, naming the sheet and row, before it is expanded. Every table this
# warehouse takes has ten columns or fewer; 256 is the widest sheet Excel 97-2003 made.
MAX_COLUMNS = 256
MAX_ROWS = 1_048_576  # the last row of an Excel or LibreOffice sheet
MAX_CELL_CHARACTERS = 32_767  # the most text Excel keeps in one cell
CHUNK = 1 << 20


@dataclass(frozen=True)
class SheetRow:
    sheet: str
    row: int  # 1-based, as the spreadsheet program shows it
    cells: tuple[str, ...]  # trailing empty cells dropped


def number_text(value: str | float | int) -> str:
    """A number as a person reads it: 12 not 12.0; other values unchanged."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return str(value) if isinstance(value, str) else repr(number)


def _unreadable(file_name: str, kind: str, error: Exception) -> FileRefused:
    return FileRefused(
        file_name=file_name,
        problem=f"not a readable {kind} workbook ({error.__class__.__name__})",
        expected="a workbook that opens in Excel or LibreOffice (this one may be damaged, "
        "or not a workbook), or a CSV",
    )


def _too_large(file_name: str, sheet: str, row: int, problem: str, expected: str) -> FileRefused:
    return FileRefused(
        file_name=f"{file_name}, sheet '{sheet}'",
        row=row,
        problem=problem,
        expected=expected + " (a larger sheet is not a table anyone typed: it is refused "
        "before it is expanded)",
    )


def _too_many_rows(file_name: str, sheet: str, row: int) -> FileRefused:
    return _too_large(
        file_name,
        sheet,
        row,
        f"a row beyond row {MAX_ROWS:,}",
        f"at most {MAX_ROWS:,} rows, as Excel and LibreOffice hold",
    )


def _too_many_columns(file_name: str, sheet: str, row: int, columns: int) -> FileRefused:
    return _too_large(
        file_name, sheet, row, f"a value in column {columns:,}", f"at most {MAX_COLUMNS} columns"
    )


def _too_long(file_name: str, sheet: str, row: int) -> FileRefused:
    limit = f"{MAX_CELL_CHARACTERS:,} characters"
    return _too_large(
        file_name,
        sheet,
        row,
        f"a cell of more than {limit}",
        f"at most {limit} in a cell, as Excel holds",
    )


def _count(attributes: dict[str, str], name: str) -> int:
    """A repeat count (cells, rows): a whole number of at least 1, else the file is damaged."""
    count = int(attributes.get(name, "1"))
    if count < 1:
        raise ValueError(f"a repeat count of {count}")
    return count


def sheet_rows(
    path: Path, file_name: str, wanted: Callable[[str], bool] = lambda name: True
) -> Iterator[SheetRow]:
    """Every non-empty row of every sheet ``wanted`` accepts (by name), in workbook order.

    ``wanted`` is asked about every sheet, so it can also note the names it was offered. The
    delivered name's suffix says which kind of workbook it is (.ods, else .xlsx).
    """
    if Path(file_name).suffix.lower() == ".ods":
        yield from _ods_rows(path, file_name, wanted)
    else:
        yield from _xlsx_rows(path, file_name, wanted)


class _OdsRows:
    """expat handlers that build one row at a time from an ODS ``content.xml``."""

    def __init__(self, wanted: Callable[[str], bool], file_name: str):
        self.wanted = wanted
        self.file_name = file_name
        self.ready: list[SheetRow] = []
        self.sheet: str | None = None  # the current sheet, when wanted
        self.row = 0  # rows seen in the current sheet
        self.rows_repeated = 1
        self.cells: list[str] | None = None  # the row being read
        self.pending_empty = 0  # empty cells not yet appended (trailing ones never are)
        self.in_cell = False
        self.cell_value: str | None = None  # from the value attribute (numbers, dates)
        self.cell_repeated = 1
        self.text: list[str] = []
        self.text_length = 0
        self.paragraphs = 0
        self.in_annotation = 0

    def _add_text(self, text: str) -> None:
        self.text_length += len(text)
        if self.text_length > MAX_CELL_CHARACTERS:
            assert self.sheet is not None
            raise _too_long(self.file_name, self.sheet, self.row + 1)
        self.text.append(text)

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if name in _CELLS:
            if self.cells is None:
                return
            self.in_cell = True
            self.cell_repeated = _count(attributes, _COLUMNS_REPEATED)
            kind = attributes.get(_VALUE_TYPE)
            attribute = _VALUE_ATTRIBUTE.get(kind or "")
            value = attributes.get(attribute) if attribute else None
            if value is not None and kind in ("float", "percentage", "currency"):
                value = number_text(value)
            elif value is not None and kind == "date":
                value = value.removesuffix("T00:00:00")
            if value is not None and len(value) > MAX_CELL_CHARACTERS:
                assert self.sheet is not None
                raise _too_long(self.file_name, self.sheet, self.row + 1)
            self.cell_value = value
            self.text = []
            self.text_length = 0
            self.paragraphs = 0
        elif self.in_cell:
            if name == _ANNOTATION:
                self.in_annotation += 1
            elif self.in_annotation:
                return
            elif name == _PARAGRAPH:
                if self.paragraphs:
                    self._add_text("\n")
                self.paragraphs += 1
            elif name == _SPACES:
                spaces = _count(attributes, f"{TEXT_NS} c")
                if spaces > MAX_CELL_CHARACTERS:  # before " " * spaces is made
                    assert self.sheet is not None
                    raise _too_long(self.file_name, self.sheet, self.row + 1)
                self._add_text(" " * spaces)
            elif name == _TAB:
                self._add_text("\t")
            elif name == _LINE_BREAK:
                self._add_text("\n")
        elif name == _ROW:
            if self.sheet is not None:
                self.cells = []
                self.pending_empty = 0
                self.rows_repeated = _count(attributes, _ROWS_REPEATED)
        elif name == _SHEET:
            sheet = attributes.get(_NAME, "")
            self.sheet = sheet if self.wanted(sheet) else None
            self.row = 0

    def end(self, name: str) -> None:
        if name == _ANNOTATION and self.in_annotation:
            self.in_annotation -= 1
        elif name in _CELLS:
            if not self.in_cell:
                return
            self.in_cell = False
            value = self.cell_value if self.cell_value is not None else "".join(self.text)
            if value == "":
                self.pending_empty += self.cell_repeated
                return
            assert self.cells is not None and self.sheet is not None
            # Checked before the empty cells before it and its repeats are made.
            width = len(self.cells) + self.pending_empty + self.cell_repeated
            if width > MAX_COLUMNS:
                raise _too_many_columns(self.file_name, self.sheet, self.row + 1, width)
            if self.pending_empty:
                self.cells.extend([""] * self.pending_empty)
                self.pending_empty = 0
            self.cells.extend([value] * self.cell_repeated)
        elif name == _ROW:
            if self.cells is None:
                return
            first = self.row + 1
            self.row += self.rows_repeated
            if self.cells:
                assert self.sheet is not None
                if self.row > MAX_ROWS:
                    raise _too_many_rows(self.file_name, self.sheet, max(first, MAX_ROWS + 1))
                if self.rows_repeated > MAX_REPEATED_VALUES:
                    raise _too_large(
                        self.file_name,
                        self.sheet,
                        first,
                        f"a row repeated {self.rows_repeated:,} times",
                        f"a row repeated at most {MAX_REPEATED_VALUES:,} times",
                    )
                cells = tuple(self.cells)
                assert self.sheet is not None
                self.ready.extend(
                    SheetRow(self.sheet, first + k, cells) for k in range(self.rows_repeated)
                )
            self.cells = None
        elif name == _SHEET:
            self.sheet = None

    def characters(self, data: str) -> None:
        if self.in_cell and not self.in_annotation:
            self._add_text(data)


def _ods_rows(path: Path, file_name: str, wanted: Callable[[str], bool]) -> Iterator[SheetRow]:
    try:
        archive = zipfile.ZipFile(path)
        content = archive.open("content.xml")
    except (zipfile.BadZipFile, OSError, KeyError) as error:
        raise _unreadable(file_name, "OpenDocument (.ods)", error) from None
    handlers = _OdsRows(wanted, file_name)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartElementHandler = handlers.start
    parser.EndElementHandler = handlers.end
    parser.CharacterDataHandler = handlers.characters
    try:
        with archive, content:
            while True:
                try:
                    chunk = content.read(CHUNK)
                    parser.Parse(chunk, not chunk)
                except (expat.ExpatError, ValueError, zipfile.BadZipFile, OSError) as error:
                    raise _unreadable(file_name, "OpenDocument (.ods)", error) from None
                yield from handlers.ready
                handlers.ready.clear()
                if not chunk:
                    return
    finally:
        handlers.ready.clear()


def _cell_text(value: object) -> str:
    """A cell's value as text; a longer text than a cell holds is refused by the caller."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.time() == datetime.min.time():
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, int | float):
        return number_text(value)
    return str(value)


def _xlsx_rows(path: Path, file_name: str, wanted: Callable[[str], bool]) -> Iterator[SheetRow]:
    from openpyxl import load_workbook  # imported here: only workbook deliveries need it

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as error:
        raise _unreadable(file_name, "Excel (.xlsx)", error) from None
    try:
        for sheet in workbook.worksheets:
            if not wanted(sheet.title):
                continue
            # Read-only openpyxl pads every row to the sheet's declared dimension (A1:XFD1048576
            # would be 1.7e10 cells): forgotten, a row is as wide as its last cell.
            sheet.reset_dimensions()
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                if number > MAX_ROWS:  # openpyxl yields each missing row up to a row's number
                    raise _too_many_rows(file_name, sheet.title, number)
                if len(values) > MAX_COLUMNS:
                    beyond = values[MAX_COLUMNS:]
                    if len(beyond) > beyond.count(None) + beyond.count(""):
                        last = max(i for i, v in enumerate(values) if v not in (None, ""))
                        raise _too_many_columns(file_name, sheet.title, number, last + 1)
                    values = values[:MAX_COLUMNS]
                cells = [_cell_text(v) for v in values]
                if any(len(cell) > MAX_CELL_CHARACTERS for cell in cells):
                    raise _too_long(file_name, sheet.title, number)
                while cells and cells[-1] == "":
                    cells.pop()
                if cells:  # Excel keeps formatted but empty rows; they are not data
                    yield SheetRow(sheet.title, number, tuple(cells))
    finally:
        workbook.close()
