"""Victim survey files: CSV or XLSX, codes or labels, refusals that name line and column."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook

from orchestration.defs.victim_survey.format import VictimSurveyFormat
from orchestration.landing.refusal import FileRefused

HEADER = [
    "Response ID",
    "Response Date",
    "Overall Satisfaction",
    "Crime Group",
    "Area Code",
    "Comment",
]
NAME = "victim-survey-force-2025-04.csv"


def write_csv(path: Path, rows: list[list[object]], header=HEADER, encoding="utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "w.duckdb"))
    VictimSurveyFormat().ensure_tables(connection)
    yield connection
    connection.close()


def load(con, path: Path, name: str) -> None:
    fmt = VictimSurveyFormat()
    fmt.stage(con, path, name)
    fmt.replace(con, name, "f" * 64)


def test_csv_codes_and_comments_split_between_raw_and_restricted(con, tmp_path):
    path = write_csv(
        tmp_path / NAME,
        [
            ["F-1", "2025-04-03", 5, "Burglary", "E07000130", "PC Example-1 was great"],
            ["F-2", "17/04/2025", "", "Theft", "", ""],
        ],
    )
    load(con, path, NAME)
    assert con.execute(
        "select response_id, response_date, overall_satisfaction from raw.victim_survey_responses order by 1"
    ).fetchall() == [("F-1", date(2025, 4, 3), 5), ("F-2", date(2025, 4, 17), None)]
    assert con.execute(
        "select response_id, comment from restricted.victim_survey_comments"
    ).fetchall() == [("F-1", "PC Example-1 was great")]
    columns = [r[0] for r in con.execute("describe raw.victim_survey_responses").fetchall()]
    assert "comment" not in columns


def test_xlsx_with_labels_and_real_dates(con, tmp_path):
    name = "victim-survey-domestic-abuse-2025-04.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(["D-1", date(2025, 4, 9), "Fairly satisfied", "Domestic abuse", "E06000016", None])
    sheet.append(["D-2", date(2025, 4, 30), "Very dissatisfied", "Domestic abuse", None, "Café £5"])
    sheet.append([None] * 6)  # a formatted but empty row, as Excel leaves them
    workbook.save(tmp_path / name)
    load(con, tmp_path / name, name)
    assert con.execute(
        "select survey, response_id, overall_satisfaction from raw.victim_survey_responses order by 2"
    ).fetchall() == [("domestic-abuse", "D-1", 4), ("domestic-abuse", "D-2", 1)]


def test_windows_1252_csv_is_read(con, tmp_path):
    name = "victim-survey-opcc-services-2025-04.csv"
    path = write_csv(
        tmp_path / name,
        [["O-1", "2025-04-01", 4, "Victim First", "", "£20 café"]],
        encoding="cp1252",
    )
    load(con, path, name)
    assert con.execute("select comment from restricted.victim_survey_comments").fetchall() == [
        ("£20 café",)
    ]


@pytest.mark.parametrize(
    ("rows", "line", "column", "problem"),
    [
        ([["F-1", "2025-04-01", 4], ["F-2", "2025-05-01", 4]], 3, "response_date", "another month"),
        ([["F-1", "2025-04-31", 4]], 2, "response_date", "not a date"),
        ([["F-1", "2025-04-01", 7]], 2, "overall_satisfaction", "off the 5-point scale"),
        (
            [["F-1", "2025-04-01", "Quite happy"]],
            2,
            "overall_satisfaction",
            "off the 5-point scale",
        ),
        (
            [["F-1", "2025-04-01", 4], ["F-1", "2025-04-02", 3]],
            2,
            "response_id",
            "is on lines 2 and 3",
        ),
        ([["", "2025-04-01", 4]], 2, "response_id", "without its id"),
    ],
)
def test_bad_rows_refuse_the_file_naming_line_and_column(
    con, tmp_path, rows, line, column, problem
):
    path = write_csv(tmp_path / NAME, rows, header=HEADER[:3])
    with pytest.raises(FileRefused) as refused:
        VictimSurveyFormat().stage(con, path, NAME)
    assert (refused.value.row, refused.value.column) == (line, column)
    assert problem in refused.value.problem


def test_a_missing_column_and_a_broken_workbook_are_refused(con, tmp_path):
    path = write_csv(tmp_path / NAME, [["F-1", "2025-04-01"]], header=HEADER[:2])
    with pytest.raises(FileRefused, match="overall_satisfaction"):
        VictimSurveyFormat().stage(con, path, NAME)
    broken = tmp_path / "victim-survey-force-2025-04.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(FileRefused, match="not a readable Excel"):
        VictimSurveyFormat().stage(con, broken, broken.name)
