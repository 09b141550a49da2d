"""Structural checks on police.uk files: every refusal names the file, line and column."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.defs.police_uk.format import (
    HEADER,
    OUTCOMES_HEADER,
    OutcomesFormat,
    StreetFormat,
    parse_file_name,
    stage_police_uk_file,
)
from orchestration.demo.crime_model import MonthKey
from orchestration.demo.police_uk import street_rows, write_street_csv
from orchestration.landing.files import LandedFile
from orchestration.landing.refusal import FileRefused

NAME = "2024-06-leicestershire-street.csv"


@pytest.fixture(scope="module")
def good_rows() -> list[list[str]]:
    return street_rows(MonthKey(2024, 6), release=MonthKey(2024, 8), seed=7)


@pytest.fixture
def good_file(tmp_path: Path, good_rows) -> Path:
    path = tmp_path / NAME
    write_street_csv(path, good_rows)
    return path


def stage(path: Path, name: str = NAME) -> tuple[int, duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    return stage_police_uk_file(con, path, parse_file_name(name), name), con


def refusal_of(path: Path, name: str = NAME) -> FileRefused:
    with pytest.raises(FileRefused) as caught:
        stage(path, name)
    return caught.value


def test_a_good_file_stages_every_row_in_order(good_file, good_rows):
    rows, con = stage(good_file)
    assert rows == len(good_rows)
    first = con.execute(
        'select "Crime ID", "LSOA name" from _incoming_street where rowid = 0'
    ).fetchall()
    assert first == [(good_rows[0][0] or None, good_rows[0][8] or None)]


def test_renamed_column_is_refused_naming_both_names(good_file):
    text = good_file.read_text(encoding="utf-8").replace("Crime type", "Crime category", 1)
    good_file.write_text(text, encoding="utf-8", newline="")
    refused = refusal_of(good_file)
    assert (refused.row, refused.column) == (1, "Crime type")
    assert "Crime category" in str(refused) and NAME in str(refused)


def test_missing_column_is_refused(tmp_path, good_rows):
    path = tmp_path / NAME
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(h for h in HEADER if h != "LSOA name") + "\r\n")
        for row in good_rows[:5]:
            handle.write(",".join(v for i, v in enumerate(row) if i != 8 and "," not in v) + "\r\n")
    refused = refusal_of(path)
    assert refused.column == "LSOA name" and "missing" in refused.problem


def test_truncated_last_line_is_refused_at_that_line(good_file, good_rows):
    data = good_file.read_bytes()
    good_file.write_bytes(data[: len(data) - 60])  # cut into the last line
    refused = refusal_of(good_file)
    assert refused.row == len(good_rows) + 1  # header is line 1
    assert "fields" in refused.problem and refused.expected.startswith("12")


def test_row_from_another_month_is_refused(tmp_path, good_rows):
    rows = [list(r) for r in good_rows]
    rows[9][1] = "2024-05"
    path = tmp_path / NAME
    write_street_csv(path, rows)
    refused = refusal_of(path)
    assert (refused.row, refused.column, refused.found) == (11, "Month", "2024-05")
    assert "2024-06" in refused.expected


@pytest.mark.parametrize("latitude", ["fifty-two", "nan", "inf", "1e400"])
def test_text_where_a_number_must_be_is_refused(tmp_path, good_rows, latitude):
    rows = [list(r) for r in good_rows]
    located = next(i for i, r in enumerate(rows) if r[4])
    rows[located][5] = latitude
    path = tmp_path / NAME
    write_street_csv(path, rows)
    refused = refusal_of(path)
    assert (refused.row, refused.column, refused.found) == (located + 2, "Latitude", latitude)


def test_another_forces_rows_are_refused(tmp_path, good_rows):
    rows = [list(r) for r in good_rows]
    rows[3][3] = "Nottinghamshire Police"
    path = tmp_path / NAME
    write_street_csv(path, rows)
    refused = refusal_of(path)
    assert (refused.row, refused.column) == (5, "Falls within")


def test_header_only_and_empty_files_are_refused(tmp_path):
    header_only = tmp_path / NAME
    write_street_csv(header_only, [])
    assert "no data rows" in refusal_of(header_only).problem
    header_only.write_bytes(b"")
    assert "empty" in refusal_of(header_only).problem


def test_windows_1252_file_is_read_correctly(tmp_path, good_rows):
    rows = [list(r) for r in good_rows]
    rows[0][6] = "On or near Café Rouge, £1 Shop"
    path = tmp_path / NAME
    text_path = tmp_path / "utf8.csv"
    write_street_csv(text_path, rows)
    path.write_bytes(text_path.read_text(encoding="utf-8").encode("cp1252"))
    count, con = stage(path)
    assert count == len(rows)
    location = con.execute('select "Location" from _incoming_street where rowid = 0').fetchall()
    assert location == [("On or near Café Rouge, £1 Shop",)]


def test_utf8_bom_and_lf_line_ends_are_read_correctly(tmp_path, good_rows):
    path = tmp_path / NAME
    write_street_csv(path, good_rows)
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    count, con = stage(path)
    assert count == len(good_rows)
    assert con.execute('select count(distinct "Month") from _incoming_street').fetchall() == [(1,)]


def test_unreadable_bytes_are_refused_with_their_line(good_file):
    lines = good_file.read_bytes().split(b"\r\n")
    lines[4] = lines[4].replace(b"On or near", b"On or \x81near", 1)
    good_file.write_bytes(b"\r\n".join(lines))
    refused = refusal_of(good_file)
    assert refused.row == 5 and "unreadable bytes" in refused.problem


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("leicestershire-2024-06.csv", "does not say which month"),
        ("2024-13-leicestershire-street.csv", "not a month"),
        ("2024-06-nottinghamshire-street.csv", "not configured"),
        ("2009-06-leicestershire-street.csv", "before the warehouse's history start"),
        (f"{date.today():%Y-%m}-leicestershire-street.csv", "not ended yet"),
    ],
)
def test_file_names_that_place_no_partition_are_refused(settings, name, problem):
    with pytest.raises(FileRefused) as caught:
        StreetFormat(settings.forces).partitions_of(LandedFile("police_uk", Path(name), "0" * 64))
    assert problem in caught.value.problem
    assert caught.value.file_name == name


def test_peer_forces_are_accepted_when_configured(settings):
    fmt = StreetFormat(("leicestershire", "nottinghamshire"))
    landed = LandedFile("police_uk", Path("2024-06-nottinghamshire-street.csv"), "0" * 64)
    assert fmt.partitions_of(landed) == ("2024-06",)


def test_outcomes_file_with_the_published_header_and_exact_duplicate_rows_loads_every_line(
    tmp_path,
):
    """police.uk outcomes files (header as published, ../shared/data/real/FORMATS.md) hold
    outcomes recorded in the file's month for crimes of earlier months, and some rows twice.
    Every line is kept (raw rows = the file's lines, each with its own source_line); a crime
    counts once downstream, where int_crime_outcomes_latest takes one outcome per Crime ID."""
    assert ",".join(OUTCOMES_HEADER) == (
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
        "LSOA name,Outcome type"
    )
    name = "2024-06-leicestershire-outcomes.csv"
    row = (
        "ab12" * 16 + ",2024-06,Leicestershire Police,Leicestershire Police,-1.133,52.63,"
        "On or near Granby Street,E01013649,Leicester 039C,Unable to prosecute suspect"
    )
    other = row.replace("ab12" * 16, "cd34" * 16).replace(
        "Unable to prosecute suspect", "Offender given a caution"
    )
    path = tmp_path / name
    path.write_text("\n".join([",".join(OUTCOMES_HEADER), row, other, row]) + "\n", "utf-8")
    fmt = OutcomesFormat(("leicestershire",))

    with duckdb.connect() as con:
        fmt.ensure_tables(con)
        assert fmt.stage(con, path, name) == 3
        fmt.replace(con, name, "a" * 64)
        loaded = con.execute(
            "select left(crime_id, 4), month, outcome_type, partition_month::varchar, source_line "
            "from raw.police_uk_outcomes order by source_line"
        ).fetchall()

    assert loaded == [
        ("ab12", "2024-06", "Unable to prosecute suspect", "2024-06-01", 2),
        ("cd34", "2024-06", "Offender given a caution", "2024-06-01", 3),
        ("ab12", "2024-06", "Unable to prosecute suspect", "2024-06-01", 4),
    ]


def test_street_csv_is_the_bytes_csv_writer_writes_for_every_kind_of_field(tmp_path, good_rows):
    """The writer joins plain rows itself for speed: every row, plain or one that needs quotes
    (comma, quote, CR, LF), a number, None or a single empty field, must come out as
    csv.writer writes it."""
    odd = [
        ["a,b", "x"],
        ['say "hi"', "x"],
        ["two\nlines", "x"],
        ["cr\rhere", "x"],
        [1, 2.5, None, "z"],
        [""],
        ["", ""],
        [],
    ]
    rows = [*good_rows[:50], *odd, *good_rows[50:60]]
    path = tmp_path / NAME
    write_street_csv(path, rows)
    expected = io.StringIO(newline="")
    writer = csv.writer(expected)
    writer.writerow(HEADER)
    writer.writerows(rows)
    assert path.read_bytes() == expected.getvalue().encode("utf-8")
