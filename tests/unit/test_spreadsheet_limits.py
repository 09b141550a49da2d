"""Workbooks that would expand past what a sheet holds are refused before they are expanded.

A few hundred bytes of XML can declare billions of cells: an ODS space count (``text:s
text:c``), a run of repeated empty cells before a value, rows repeated past the last row, an
xlsx ``dimension`` of A1:XFD1048576 (read-only openpyxl padded every row to it: 1.7e10 cells).
Each file here is built by hand, a few kilobytes, and each read runs under an alarm: a reader
that expands it fails the test by time, not by taking the machine. The caps are in
``orchestration.landing.spreadsheets`` (MAX_COLUMNS, MAX_ROWS, MAX_CELL_CHARACTERS).
"""

from __future__ import annotations

import signal
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from orchestration.defs.home_office.format import CspCrimeFormat
from orchestration.defs.partner_returns.format import PartnerReturnFormat
from orchestration.landing.refusal import FileRefused
from orchestration.landing.spreadsheets import (
    MAX_CELL_CHARACTERS,
    MAX_COLUMNS,
    MAX_ROWS,
    SheetRow,
    sheet_rows,
)

SECONDS = 20  # each read here takes well under a second


@contextmanager
def at_most(seconds: int) -> Iterator[None]:
    def expired(signum, frame):
        raise TimeoutError(f"still reading after {seconds} s: the workbook was expanded")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def read(path: Path) -> list[SheetRow]:
    with at_most(SECONDS):
        return list(sheet_rows(path, path.name))


def refused_reading(path: Path) -> FileRefused:
    with at_most(SECONDS), pytest.raises(FileRefused) as refused:
        list(sheet_rows(path, path.name))
    return refused.value


# .ods: content.xml written by hand

ODS_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def text_cell(inner: str) -> str:
    return (
        f'<table:table-cell office:value-type="string"><text:p>{inner}</text:p></table:table-cell>'
    )


def write_ods(path: Path, sheet: str, rows_xml: str) -> Path:
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NAMESPACES}>'
        f'<office:body><office:spreadsheet><table:table table:name="{sheet}">{rows_xml}'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
    return path


def row(*cells: str, repeated: int = 1) -> str:
    times = f' table:number-rows-repeated="{repeated}"' if repeated > 1 else ""
    return f"<table:table-row{times}>{''.join(cells)}</table:table-row>"


HEADER = row(text_cell("a"), text_cell("b"))


def test_an_ods_space_count_beyond_a_cell_is_refused_before_the_spaces_are_made(tmp_path):
    path = write_ods(
        tmp_path / "spaces.ods",
        "Sheet1",
        HEADER
        + row(
            text_cell("x"),
            text_cell('a<text:s text:c="10000000"/>b'),
        ),
    )

    refused = refused_reading(path)

    assert (refused.file_name, refused.row) == ("spaces.ods, sheet 'Sheet1'", 2)
    assert refused.problem == f"a cell of more than {MAX_CELL_CHARACTERS:,} characters"
    assert f"at most {MAX_CELL_CHARACTERS:,} characters in a cell" in refused.expected


def test_an_ods_cell_of_more_text_than_a_cell_holds_is_refused(tmp_path):
    path = write_ods(
        tmp_path / "long.ods",
        "Sheet1",
        HEADER
        + row(
            text_cell("x" * (MAX_CELL_CHARACTERS + 1)),
        ),
    )

    refused = refused_reading(path)

    assert (refused.file_name, refused.row) == ("long.ods, sheet 'Sheet1'", 2)
    assert "characters" in refused.problem


def test_a_value_after_ten_million_repeated_empty_cells_is_refused_before_they_are_made(
    tmp_path,
):
    path = write_ods(
        tmp_path / "wide.ods",
        "Sheet1",
        HEADER
        + row(
            text_cell("x"),
            '<table:table-cell table:number-columns-repeated="10000000"/>',
            text_cell("far"),
        ),
    )

    refused = refused_reading(path)

    assert (refused.file_name, refused.row) == ("wide.ods, sheet 'Sheet1'", 2)
    assert refused.problem == "a value in column 10,000,002"
    assert f"at most {MAX_COLUMNS} columns" in refused.expected


def test_trailing_empty_cells_and_rows_past_the_last_column_and_row_are_not_refused(tmp_path):
    """LibreOffice pads every row and sheet this way: nothing is made of it."""
    path = write_ods(
        tmp_path / "padded.ods",
        "Sheet1",
        HEADER
        + row(
            text_cell("1"),
            '<table:table-cell table:number-columns-repeated="16384"/>',
        )
        + row('<table:table-cell table:number-columns-repeated="16384"/>', repeated=5_000_000),
    )

    assert [(r.row, r.cells) for r in read(path)] == [(1, ("a", "b")), (2, ("1",))]


def test_a_value_below_the_last_row_a_sheet_has_is_refused(tmp_path):
    path = write_ods(
        tmp_path / "deep.ods",
        "Sheet1",
        HEADER
        + row(
            "<table:table-cell/>",
            repeated=2_000_000,
        )
        + row(text_cell("deep")),
    )

    refused = refused_reading(path)

    assert (refused.file_name, refused.row) == ("deep.ods, sheet 'Sheet1'", 2_000_002)
    assert refused.problem == f"a row beyond row {MAX_ROWS:,}"


def test_a_home_office_workbook_bomb_is_refused_naming_file_sheet_and_row(settings, tmp_path):
    path = write_ods(
        tmp_path / "prc-csp-bomb.ods",
        "2024_25",
        row(
            *(
                text_cell(h)
                for h in (
                    "Financial Year",
                    "Financial Quarter",
                    "Police Force",
                    "CSP Name",
                    "Offence Description",
                    "Offence Code",
                    "Offence Count",
                )
            ),
        )
        + row(
            text_cell("2024/25"),
            text_cell("1"),
            text_cell("Leicestershire"),
            text_cell("Blaby"),
            text_cell('Murder<text:s text:c="10000000"/>'),
            text_cell("1"),
            text_cell("1"),
        ),
    )

    with at_most(SECONDS), duckdb.connect() as con, pytest.raises(FileRefused) as refused:
        CspCrimeFormat(settings).stage(con, path, path.name)

    assert (refused.value.file_name, refused.value.row) == ("prc-csp-bomb.ods, sheet '2024_25'", 2)
    assert str(refused.value).startswith("file prc-csp-bomb.ods, sheet '2024_25', line 2: a cell")


# .xlsx: the parts of a workbook written by hand

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/'
    'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
    '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
    '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.worksheet+xml"/></Types>'
)


def write_xlsx(path: Path, dimension: str, rows_xml: str) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{PACKAGE}"><Relationship '
            f'Id="rId1" Type="{RELATIONS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONS}">'
            '<sheets><sheet name="Returns" sheetId="1" r:id="rId1"/></sheets>'
            "</workbook>",
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{PACKAGE}">'
            f'<Relationship Id="rId1" Type="{RELATIONS}/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            f'<worksheet xmlns="{MAIN}"><dimension '
            f'ref="{dimension}"/><sheetData>{rows_xml}</sheetData></worksheet>',
        )
    return path


def xcell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def xrow(number: int, *cells: str) -> str:
    return f'<row r="{number}">{"".join(cells)}</row>'


def test_an_xlsx_declaring_every_cell_of_a_sheet_is_read_as_the_cells_it_has(tmp_path):
    """Each missing row before the last was made 16,384 cells wide (the dimension's)."""
    path = write_xlsx(
        tmp_path / "declared.xlsx",
        "A1:XFD1048576",
        xrow(1, xcell("A1", "a"), xcell("B1", "b"))
        + xrow(2, xcell("A2", "1"))
        + xrow(MAX_ROWS, xcell(f"A{MAX_ROWS}", "end")),
    )

    assert [(r.row, r.cells) for r in read(path)] == [
        (1, ("a", "b")), (2, ("1",)), (MAX_ROWS, ("end",)),
    ]  # fmt: skip


def test_an_xlsx_value_beyond_the_last_column_is_refused(tmp_path):
    path = write_xlsx(
        tmp_path / "wide.xlsx",
        "A1:KN2",
        xrow(1, xcell("A1", "a")) + xrow(2, xcell("A2", "1"), xcell("KN2", "far")),
    )

    refused = refused_reading(path)

    assert (refused.file_name, refused.row) == ("wide.xlsx, sheet 'Returns'", 2)
    assert refused.problem == "a value in column 300"


def test_an_xlsx_row_numbered_past_the_last_row_is_refused_without_walking_to_it(tmp_path):
    path = write_xlsx(
        tmp_path / "deep.xlsx",
        "A1:A2000000000",
        xrow(1, xcell("A1", "a")) + xrow(2_000_000_000, xcell("A2000000000", "x")),
    )

    refused = refused_reading(path)

    assert (refused.file_name, refused.row) == ("deep.xlsx, sheet 'Returns'", MAX_ROWS + 1)
    assert refused.problem == f"a row beyond row {MAX_ROWS:,}"


def test_an_xlsx_cell_of_more_text_than_a_cell_holds_is_refused(tmp_path):
    path = write_xlsx(
        tmp_path / "long.xlsx",
        "A1:A2",
        xrow(1, xcell("A1", "a")) + xrow(2, xcell("A2", "x" * 40_000)),
    )

    refused = refused_reading(path)

    assert (refused.file_name, refused.row) == ("long.xlsx, sheet 'Returns'", 2)
    assert "characters" in refused.problem


def test_a_partner_return_workbook_declaring_every_cell_loads(tmp_path):
    """Through a source: the partner-return template saved as .xlsx by a tool that declares
    the whole sheet as its dimension."""
    header = ["metric_id", "area", "period", "value", "numerator", "denominator",
              "submitted_by", "submitted_at"]  # fmt: skip
    values = ["24", "E23000021", "2025/26-Q1", "660", "", "", "Force HR", "2025-07-08"]
    letters = "ABCDEFGH"
    path = write_xlsx(
        tmp_path / "partner-return-hr.xlsx",
        "A1:XFD1048576",
        xrow(1, *(xcell(f"{c}1", h) for c, h in zip(letters, header, strict=True)))
        + xrow(2, *(xcell(f"{c}2", v) for c, v in zip(letters, values, strict=True) if v))
        + xrow(500_000, '<c r="A500000"/>'),
    )  # an empty cell, formatted

    with at_most(SECONDS), duckdb.connect() as con:
        assert PartnerReturnFormat().stage(con, path, path.name) == 1
