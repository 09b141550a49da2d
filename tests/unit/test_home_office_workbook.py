"""The Home Office CSP table as the Home Office publishes it: a workbook, one sheet per year.

No real edition could be brought here (the national .ods is ~1.4 GB unpacked), so each test
builds a file to the documented layout (../shared/data/real/FORMATS.md): .ods (current
editions) or .xlsx (April 2025), year sheets ``2015_16`` or ``2002-03`` with the header on row
1, a ``Notes`` sheet, ``Police Force`` / ``Offence Count`` or the older ``Force Name`` /
``Number of Offences``, ``Unassigned <force>`` CSP rows, other forces' rows (kept: the table is
national, so each home CSP can be compared with every CSP).

A quarter must cover every Leicestershire CSP (``CspCrimeFormat._check_csps``): ``complete``
adds, after a sheet's rows, a shoplifting row for each CSP a quarter lacks, so the rows a test is
about keep their line numbers; assertions set those filler rows aside.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook

from orchestration.defs.home_office.format import CspCrimeFormat
from orchestration.demo.files import write_ods
from orchestration.landing.files import LandedFile
from orchestration.landing.refusal import FileRefused
from orchestration.landing.spreadsheets import sheet_rows
from orchestration.reference import csp_names_of

CURRENT = ["Financial Year", "Financial Quarter", "Police Force", "CSP Name",
           "Offence Description", "Offence Group", "Offence Subgroup", "Offence Code",
           "Offence Count"]  # fmt: skip
OLDER = [*CURRENT[:2], "Force Name", *CURRENT[3:8], "Number of Offences"]
NOTES = ("Notes", [["Updated: 29 January 2026"], [], ["Note 1: Leicestershire figures ..."]])


def murder(fy: str, quarter: int, force: str, csp: str, count: object) -> list[object]:
    return [fy, quarter, force, csp, "Murder", "Violence against the person", "Homicide", "1",
            count]  # fmt: skip


def stalking(fy: str, quarter: int, force: str, csp: str, count: object) -> list[object]:
    return [fy, quarter, force, csp, "Stalking", "Violence against the person",
            "Stalking and harassment", "8Q", count]  # fmt: skip


FILLER_CODE = "46"  # shoplifting: no test is about it


def shoplifting(fy: str, quarter: int, force: str, csp: str, count: object) -> list[object]:
    return [fy, quarter, force, csp, "Shoplifting", "Theft offences", "Shoplifting", FILLER_CODE,
            count]  # fmt: skip


def leicestershire_csps() -> list[str]:
    csps = csp_names_of("E23000021")
    assert len(csps) == 9, csps  # Leicester, the seven districts and Rutland
    return csps


def complete(rows: list[list[object]]) -> list[list[object]]:
    """A sheet's rows, then one shoplifting row for each Leicestershire CSP a quarter in them has
    no row for (the rows given keep their places, and so their line numbers)."""
    present: dict[tuple[object, object], set[str]] = {}
    for row in rows:
        if row[2] == "Leicestershire":
            present.setdefault((row[0], row[1]), set()).add(str(row[3]))
    fillers = [
        shoplifting(str(fy), int(quarter), "Leicestershire", csp, 0)
        for (fy, quarter), csps in present.items()
        for csp in leicestershire_csps()
        if csp not in csps
    ]
    return [*rows, *fillers]


def without_fillers(table: list[tuple]) -> list[tuple]:
    return [row for row in table if row[4] != FILLER_CODE]


def write_xlsx(path: Path, sheets) -> Path:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets:
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def loaded(settings, path: Path) -> tuple[tuple[str, ...], int, list[tuple]]:
    fmt = CspCrimeFormat(settings)
    partitions = fmt.partitions_of(LandedFile("home_office", path, "0" * 64))
    with duckdb.connect() as con:
        fmt.ensure_tables(con)
        rows = fmt.stage(con, path, path.name)
        fmt.replace(con, path.name, "a" * 64)
        table = con.execute(
            "select financial_year, financial_quarter, force_name, csp_name, offence_code, "
            "number_of_offences, partition_quarter::varchar, source_line "
            "from raw.home_office_csp_crime order by partition_quarter, csp_name, offence_code"
        ).fetchall()
    return partitions, rows, table


def test_current_ods_edition_loads_every_year_sheet_and_skips_notes(settings, tmp_path):
    """Every force's rows are kept (the national table), the Notes sheet is not read."""
    path = tmp_path / "prc-csp-mar21-sep25-tables-290126.ods"
    write_ods(
        path,
        [
            (
                "2023_24",
                complete(
                    [
                        CURRENT,
                        murder("2023/24", 4, "Leicestershire", "Blaby", 1),
                        murder("2023/24", 4, "Nottinghamshire", "Ashfield", 2),
                        stalking("2023/24", 4, "Leicestershire", "Unassigned Leicestershire", 3),
                    ]
                ),
            ),
            (
                "2024_25",
                complete(
                    [
                        CURRENT,
                        murder("2024/25", 1, "Nottinghamshire", "Nottingham", 5),
                        murder("2024/25", 1, "Leicestershire", "Blaby", 0),
                        stalking("2024/25", 1, "Leicestershire", "Charnwood", 1204),
                    ]
                ),
            ),
            NOTES,
        ],
    )

    partitions, rows, table = loaded(settings, path)

    assert partitions == ("2024-01", "2024-04")
    # Two other-force rows, four Leicestershire rows, and the shoplifting rows of the
    # Leicestershire CSPs without one of these.
    assert rows == 2 + 4 + 8 + 7
    filler_lines = sorted(r[7] for r in table if r[4] == FILLER_CODE)
    assert filler_lines == sorted([*range(5, 13), *range(5, 12)])  # after each sheet's rows
    # source_line is the row in the year sheet (the sheet is the row's financial year)
    assert without_fillers(table) == [
        ("2023/24", "4", "Nottinghamshire", "Ashfield", "1", "2", "2024-01-01", 3),
        ("2023/24", "4", "Leicestershire", "Blaby", "1", "1", "2024-01-01", 2),
        ("2023/24", "4", "Leicestershire", "Unassigned Leicestershire", "8Q", "3", "2024-01-01", 4),
        ("2024/25", "1", "Leicestershire", "Blaby", "1", "0", "2024-04-01", 3),
        ("2024/25", "1", "Leicestershire", "Charnwood", "8Q", "1204", "2024-04-01", 4),
        ("2024/25", "1", "Nottinghamshire", "Nottingham", "1", "5", "2024-04-01", 2),
    ]  # fmt: skip


def test_xlsx_edition_with_the_older_column_names_and_sheet_names(settings, tmp_path):
    path = write_xlsx(
        tmp_path / "prc-csp-mar16-dec24-tables-240425.xlsx",
        [
            NOTES,
            ("2019-20", complete([OLDER, murder("2019/20", 2, "Leicestershire", "Melton", 2)])),
            (
                "2020_21",
                complete(
                    [
                        CURRENT,
                        stalking("2020/21", 3, "Leicestershire", "Rutland", 7),
                        stalking("2020/21", 3, "Derbyshire", "Erewash", 9),
                    ]
                ),
            ),
        ],
    )

    partitions, rows, table = loaded(settings, path)

    assert partitions == ("2019-07", "2020-10")
    assert rows == 1 + 2 + 8 + 8  # Derbyshire's row too, and the other CSPs' shoplifting rows
    assert without_fillers(table) == [
        ("2019/20", "2", "Leicestershire", "Melton", "1", "2", "2019-07-01", 2),
        ("2020/21", "3", "Derbyshire", "Erewash", "8Q", "9", "2020-10-01", 3),
        ("2020/21", "3", "Leicestershire", "Rutland", "8Q", "7", "2020-10-01", 2),
    ]


def test_a_bad_count_is_refused_naming_the_sheet_and_its_row(settings, tmp_path):
    path = tmp_path / "prc-csp-bad-count.ods"
    write_ods(
        path,
        [
            NOTES,
            ("2023_24", complete([CURRENT, murder("2023/24", 1, "Leicestershire", "Blaby", 1)])),
            (
                "2024_25",
                complete(
                    [
                        CURRENT,
                        murder("2024/25", 1, "Leicestershire", "Blaby", 1),
                        murder("2024/25", 1, "Nottinghamshire", "Ashfield", 1),
                        murder("2024/25", 2, "Leicestershire", "Melton", "[x]"),
                    ]
                ),
            ),
        ],
    )

    with duckdb.connect() as con, pytest.raises(FileRefused) as refused:
        CspCrimeFormat(settings).stage(con, path, path.name)

    assert refused.value.file_name == "prc-csp-bad-count.ods, sheet '2024_25'"
    assert (refused.value.row, refused.value.column) == (4, "number_of_offences")
    assert "a whole number" in refused.value.expected


def test_a_quarter_written_q1_is_refused_naming_the_sheet_and_its_row(settings, tmp_path):
    """The rules run before anything casts the quarter (a DuckDB conversion error before)."""
    path = tmp_path / "prc-csp-q1.ods"
    write_ods(
        path,
        [
            ("2023_24", complete([CURRENT, murder("2023/24", 1, "Leicestershire", "Blaby", 1)])),
            (
                "2024_25",
                [
                    CURRENT,
                    murder("2024/25", 1, "Leicestershire", "Blaby", 1),
                    murder("2024/25", "Q1", "Leicestershire", "Melton", 2),
                ],
            ),
        ],
    )

    with duckdb.connect() as con, pytest.raises(FileRefused) as refused:
        CspCrimeFormat(settings).stage(con, path, path.name)

    assert refused.value.file_name == "prc-csp-q1.ods, sheet '2024_25'"
    assert (refused.value.row, refused.value.column) == (3, "financial_quarter")
    assert (refused.value.found, refused.value.expected) == ("Q1", "1, 2, 3 or 4")


def test_a_year_sheet_without_the_columns_is_refused_with_its_header(settings, tmp_path):
    path = tmp_path / "prc-csp-renamed.ods"
    renamed = [*CURRENT[:2], "Force", *CURRENT[3:]]
    write_ods(path, [("2024_25", [renamed, murder("2024/25", 1, "Leicestershire", "Blaby", 1)])])

    with duckdb.connect() as con, pytest.raises(FileRefused) as refused:
        CspCrimeFormat(settings).stage(con, path, path.name)

    assert refused.value.file_name == "prc-csp-renamed.ods, sheet '2024_25'"
    assert (refused.value.row, refused.value.column) == (1, "force_name")
    assert "Police Force (or Force Name)" in refused.value.expected
    assert refused.value.found.startswith("Financial Year, Financial Quarter, Force, CSP Name")


def test_a_workbook_with_no_year_sheet_is_refused_listing_its_sheets(settings, tmp_path):
    path = write_xlsx(tmp_path / "prc-csp-summary.xlsx", [NOTES, ("Table 1", [CURRENT])])

    with duckdb.connect() as con, pytest.raises(FileRefused) as refused:
        CspCrimeFormat(settings).stage(con, path, path.name)

    assert refused.value.problem == "no sheet is named like a financial year"
    assert refused.value.found == "sheets Notes, Table 1"
    assert "2024_25" in refused.value.expected


def test_a_workbook_without_the_configured_forces_is_refused(settings, tmp_path):
    path = tmp_path / "prc-csp-other-force.ods"
    write_ods(path, [("2024_25", [CURRENT, murder("2024/25", 1, "Derbyshire", "Erewash", 1)])])

    with duckdb.connect() as con, pytest.raises(FileRefused) as refused:
        CspCrimeFormat(settings).stage(con, path, path.name)

    # Another force's rows are kept, but a quarter without the configured force would wipe it.
    assert "no rows for Leicestershire" in refused.value.problem
    assert "every configured force" in refused.value.expected


def test_a_damaged_ods_is_refused_not_a_crash(settings, tmp_path):
    path = tmp_path / "prc-csp-damaged.ods"
    write_ods(path, [("2024_25", [CURRENT, murder("2024/25", 1, "Leicestershire", "Blaby", 1)])])
    path.write_bytes(path.read_bytes()[:200])  # cut short, as by a failed download

    with duckdb.connect() as con, pytest.raises(FileRefused) as refused:
        CspCrimeFormat(settings).stage(con, path, path.name)

    assert refused.value.problem.startswith("not a readable OpenDocument (.ods) workbook")


def test_the_home_office_claims_ods_xlsx_and_csv(settings):
    fmt = CspCrimeFormat(settings)
    assert all(
        fmt.claims(name)
        for name in (
            "prc-csp-mar21-sep25-tables-290126.ods",
            "prc-csp-mar16-dec24-tables-240425.xlsx",
            "prc-csp-open-data-to-2025-09.csv",
        )
    )
    assert not fmt.claims("prc-csp-notes.pdf")


def test_ods_reader_expands_repeated_cells_and_rows_and_keeps_row_numbers(tmp_path):
    """LibreOffice writes runs of equal cells and repeated rows compactly, text in paragraphs
    and cell comments beside the value; the reader gives the cells back as a person sees them
    (a comment is not the value)."""
    path = tmp_path / "sheet.ods"
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body>'
        '<office:spreadsheet><table:table table:name="2024_25">'
        '<table:table-row><table:table-cell office:value-type="string"><office:annotation>'
        "<text:p>a comment</text:p></office:annotation><text:p>A</text:p>"
        '</table:table-cell><table:table-cell table:number-columns-repeated="2"/>'
        '<table:table-cell office:value-type="float" office:value="3.0"><text:p>3</text:p>'
        '</table:table-cell><table:table-cell table:number-columns-repeated="1020"/>'
        "</table:table-row>"
        '<table:table-row table:number-rows-repeated="2"><table:table-cell/></table:table-row>'
        '<table:table-row table:number-rows-repeated="2"><table:table-cell '
        'table:number-columns-repeated="2" office:value-type="float" office:value="0">'
        "<text:p>0</text:p></table:table-cell></table:table-row>"
        '<table:table-row><table:table-cell office:value-type="string"><text:p>two<text:s '
        'text:c="2"/>spaces</text:p><text:p>line</text:p></table:table-cell>'
        '<table:table-cell office:value-type="date" office:date-value="2025-03-31">'
        "<text:p>31/03/2025</text:p></table:table-cell></table:table-row>"
        '<table:table-row table:number-rows-repeated="1048570"><table:table-cell '
        'table:number-columns-repeated="16384"/></table:table-row>'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)

    rows = [(r.row, r.cells) for r in sheet_rows(path, path.name)]

    assert rows == [
        (1, ("A", "", "", "3")),
        (4, ("0", "0")),
        (5, ("0", "0")),
        (6, ("two  spaces\nline", "2025-03-31")),
    ]


def test_a_workbook_read_once_is_read_again_when_it_changes(settings, tmp_path):
    """The rows of the last workbook are kept for the next step of intake, but never for a
    different file under the same name."""
    path = tmp_path / "prc-csp-edition.ods"

    def edition(count: int) -> None:
        blaby = murder("2024/25", 1, "Leicestershire", "Blaby", count)
        write_ods(path, [("2024_25", complete([CURRENT, blaby]))])

    def blaby_murders() -> list[str]:
        return [r[5] for r in without_fillers(loaded(settings, path)[2]) if r[3] == "Blaby"]

    edition(1)
    assert blaby_murders() == ["1"]

    edition(22)

    assert blaby_murders() == ["22"]


@pytest.mark.parametrize(
    ("encoding", "bom"), [("utf-8", False), ("utf-8", True), ("cp1252", False)]
)
def test_a_csv_export_of_the_table_in_each_encoding_loads(settings, tmp_path, encoding, bom):
    """The table saved from the workbook as CSV: by LibreOffice (UTF-8), by Excel as "CSV UTF-8"
    (BOM) or plain "CSV" (Windows-1252), with CRLF and the count as Excel shows it."""
    path = tmp_path / "prc-csp-export.csv"
    charnwood = ["2024/25", 1, "Leicestershire", "Charnwood"]
    fillers = [",".join(map(str, row)) for row in complete([charnwood])[1:]]
    lines = [",".join(CURRENT),
             '2024/25,1,Leicestershire,Charnwood,Harassment – racially aggravated,'
             'Violence against the person,Stalking and harassment,8M,"1,204"',
             *fillers]  # fmt: skip
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + "\r\n".join(lines).encode(encoding))

    _, rows, table = loaded(settings, path)

    assert rows == 1 + 8  # and the shoplifting rows of the other CSPs
    assert [r[3:6] for r in without_fillers(table)] == [("Charnwood", "8M", "1204")]
    with duckdb.connect() as con:
        CspCrimeFormat(settings).stage(con, path, path.name)
        assert con.execute(
            "select offence_description from _incoming_csp where offence_code = '8M'"
        ).fetchall() == [("Harassment – racially aggravated",)]


def test_the_benchmarks_national_table_has_the_published_layout():
    """``make bench --only ods`` measures a generated national file: it must be the layout the
    Home Office publishes, or the figure means nothing."""
    from itertools import islice

    from orchestration.bench import ODS_HEADER, national_csp_sheets

    sheets = national_csp_sheets()
    name, rows = next(sheets)
    first = list(islice(rows, 3))
    names = [name] + [n for n, _ in sheets]

    assert list(ODS_HEADER) == CURRENT
    assert names == ["2020_21", "2021_22", "2022_23", "2023_24", "2024_25", "2025_26", "Notes"]
    assert first[0] == ODS_HEADER and first[1][:3] == ("2020/21", 1, "Avon and Somerset")


def test_a_year_sheet_with_a_column_twice_is_refused_as_a_csv_is(settings, tmp_path):
    """Two 'Offence Count' columns: which one is meant cannot be told (the first was taken
    silently); the rule is the CSV header's (``tabular.column_positions``)."""
    path = tmp_path / "prc-csp-twice.ods"
    twice = [*CURRENT, "Offence Count"]
    write_ods(
        path, [("2024_25", [twice, [*murder("2024/25", 1, "Leicestershire", "Blaby", 1), 9]])]
    )

    with duckdb.connect() as con, pytest.raises(FileRefused) as refused:
        CspCrimeFormat(settings).stage(con, path, path.name)

    assert refused.value.file_name == "prc-csp-twice.ods, sheet '2024_25'"
    assert (refused.value.row, refused.value.column) == (1, "number_of_offences")
    assert refused.value.problem == (
        "column 'number_of_offences' appears 2 times in the header (columns 9, 10)"
    )
    assert refused.value.expected == "each column once"
