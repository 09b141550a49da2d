"""The action tracker template: a good update loads; a bad one is refused naming row, column and
what was expected (unknown lead, status outside the list, due before start, a reference twice)."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from orchestration.defs.action_tracker.format import (
    TABLE_DDL,
    ActionTrackerFormat,
    quarter_partition,
)
from orchestration.landing.files import LandedFile, list_landed
from orchestration.landing.intake import take_in
from orchestration.landing.refusal import FileRefused

HEADER = ["board_date", "reference", "delivery_strategy", "task_name", "lead", "kind",
          "start_date", "due_date", "status", "completion_date", "update_date", "update_text",
          "metric_ids", "added_by_board", "change_agreed_by_board", "change", "milestone",
          "milestone_due", "milestone_reached"]  # fmt: skip
GOOD = [
    ["2025-07-30", "10.3", "Road Safety", "Plan for future young drivers provision",
     "lead_road_safety", "one-off", "2025-07-30", "2026-03-31", "not started", "",
     "2025-07-30", "Added by the board", "62", "2025-07-30", "", "", "", "", ""],
    ["2025-07-30", "2.0 / 12.1 / 12", "Supporting Victims", "Victim Pathway Team",
     "lead_supporting_victims", "whole-plan", "2025-04-01", "2029-03-31", "in progress", "",
     "2025-07-14", "Team recruited", "78;79", "", "2025-07-30", "wording",
     "Pathway team in post", "2025-09-30", "2025-07-01"],
    ["2025-07-30", "9.1", "Business Crime", "Body worn video devices for business owners",
     "lead_business_crime", "one-off", "2025-04-01", "2025-09-30",
     "completed ahead of schedule", "2025-06-20", "2025-07-10", "110 BWVs", "55;56", "", "",
     "", "", "", ""],
]  # fmt: skip


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


@pytest.fixture
def con():
    connection = duckdb.connect()
    ActionTrackerFormat().ensure_tables(connection)
    yield connection
    connection.close()


def load(con, path: Path) -> None:
    fmt = ActionTrackerFormat()
    fmt.stage(con, path, path.name)
    fmt.replace(con, path.name, "sha")


def test_a_good_update_loads_with_its_metrics_and_board_changes(con, tmp_path):
    load(con, write(tmp_path / "action-tracker-2025-07-30.csv", GOOD))
    rows = con.execute(
        "select reference, lead_key, kind, status, completion_date::varchar, metric_ids, "
        "added_by_board::varchar, change_agreed_by_board::varchar, source_line "
        "from raw.action_tracker order by source_line"
    ).fetchall()
    assert rows == [
        ("10.3", "lead_road_safety", "one-off", "not started", None, ["62"], "2025-07-30",
         None, 2),
        ("2.0 / 12.1 / 12", "lead_supporting_victims", "whole-plan", "in progress", None,
         ["78", "79"], None, "2025-07-30", 3),
        ("9.1", "lead_business_crime", "one-off", "completed ahead of schedule", "2025-06-20",
         ["55", "56"], None, None, 4),
    ]  # fmt: skip


def test_a_whole_plan_action_reports_its_milestone(con, tmp_path):
    load(con, write(tmp_path / "action-tracker-2025-07-30.csv", GOOD))
    rows = con.execute(
        "select reference, milestone, milestone_due::varchar, milestone_reached::varchar "
        "from raw.action_tracker order by source_line"
    ).fetchall()
    assert rows == [
        ("10.3", None, None, None),
        ("2.0 / 12.1 / 12", "Pathway team in post", "2025-09-30", "2025-07-01"),
        ("9.1", None, None, None),
    ]


def test_a_tracker_without_the_milestone_columns_loads_into_an_older_table(tmp_path):
    """A template from before milestones (no milestone columns) still loads, and a warehouse
    whose raw table predates them gains the columns, empty, rather than failing."""
    connection = duckdb.connect()
    old_ddl = TABLE_DDL.replace("    milestone varchar,\n    milestone_due date,\n", "")
    old_ddl = old_ddl.replace("    milestone_reached date,\n", "")
    assert "milestone" not in old_ddl
    connection.execute(old_ddl)
    ActionTrackerFormat().ensure_tables(connection)
    old_header = HEADER[:-3]
    path = tmp_path / "action-tracker-2025-07-30.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(old_header)
        writer.writerows(row[:-3] for row in GOOD)
    load(connection, path)
    assert connection.execute(
        "select count(*), count(milestone) from raw.action_tracker"
    ).fetchone() == (3, 0)


def test_a_resent_tracker_for_the_same_board_replaces_the_first_whatever_its_name(settings):
    """Each file is the whole tracker for its board: a corrected file sent under another name
    replaces the first one's rows (not added to them, which would count every action twice);
    another board's rows stay."""
    fmt = ActionTrackerFormat()
    folder = settings.landing_dir / "action_tracker"
    folder.mkdir(parents=True, exist_ok=True)
    later_board = [["2025-11-05", *row[1:10], "2025-10-20", *row[11:]] for row in GOOD[:1]]

    def take() -> None:
        take_in(
            settings, fmt, list_landed(settings.landing_dir, "action_tracker", fmt.claims), None
        )

    write(folder / "action-tracker-2025-07-30.csv", GOOD)
    write(folder / "action-tracker-2025-11-05.csv", later_board)
    take()
    write(folder / "action-tracker-2025-07-30-v2.csv", GOOD[1:])
    take()
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as warehouse:
        rows = warehouse.execute(
            "select board_date::varchar, reference, source_file from raw.action_tracker "
            "order by board_date, reference"
        ).fetchall()
        superseded = warehouse.execute(
            "select original_name from ops.file_manifest where status = 'superseded'"
        ).fetchall()
    assert rows == [
        ("2025-07-30", "2.0 / 12.1 / 12", "action-tracker-2025-07-30-v2.csv"),
        ("2025-07-30", "9.1", "action-tracker-2025-07-30-v2.csv"),
        ("2025-11-05", "10.3", "action-tracker-2025-11-05.csv"),
    ]
    assert superseded == [("action-tracker-2025-07-30.csv",)]


def test_the_partition_is_the_quarter_the_board_reviews(tmp_path):
    path = write(tmp_path / "action-tracker-2025-07-30.csv", GOOD)
    assert ActionTrackerFormat().partitions_of(
        LandedFile(source="action_tracker", path=path, sha256="x")
    ) == ("2025-04",)
    assert quarter_partition("2025/26-Q4") == "2026-01"


def bad(row: int, column: str, value: str) -> list[list[str]]:
    rows = [list(r) for r in GOOD]
    rows[row][HEADER.index(column)] = value
    return rows


@pytest.mark.parametrize(
    ("rows", "line", "column", "problem", "expected"),
    [
        (bad(1, "lead", "lead_nobody"), 3, "lead", "not a board lead", "board_leads.csv"),
        (bad(0, "status", "nearly done"), 2, "status", "not a status", "deferred, withdrawn"),
        (bad(2, "due_date", "2025-03-01"), 4, "due_date", "due before the action starts",
         "on or after start_date"),
        ([*GOOD, GOOD[0]], 2, "reference", "the same plan reference is on lines 2 and 5", ""),
        (bad(0, "kind", "weekly"), 2, "kind", "not a kind of action", "one-off or annual"),
        (bad(2, "completion_date", ""), 4, "completion_date", "not a date", "YYYY-MM-DD"),
        (bad(1, "metric_ids", "78;999"), 3, "metric_ids", "999 is not a metric", "catalogue"),
        (bad(1, "board_date", "2025-11-05"), 3, "board_date", "a second board", "one board"),
        (bad(0, "board_date", "2025-08-01"), 2, "board_date", "not a delivery board",
         "delivery_boards.csv"),
        (bad(1, "change", ""), 3, "change", "without saying what changed", "what changed"),
        (bad(0, "milestone", "Year 1"), 2, "milestone", "a milestone for a one-off action",
         "unless the kind is whole-plan"),
        (bad(1, "milestone_due", ""), 3, "milestone_due", "not a date", "YYYY-MM-DD"),
        (bad(1, "milestone", ""), 3, "milestone_due", "a milestone date without its milestone",
         "a milestone name"),
        (bad(1, "milestone_reached", "2025-07-20"), 3, "milestone_reached",
         "after the update reporting it", "on or before update_date"),
    ],
)  # fmt: skip
def test_a_bad_update_is_refused_naming_row_column_and_expected(
    con, tmp_path, rows, line, column, problem, expected
):
    path = write(tmp_path / "action-tracker-2025-07-30.csv", rows)
    with pytest.raises(FileRefused) as refused:
        ActionTrackerFormat().stage(con, path, path.name)
    reason = refused.value
    assert (reason.file_name, reason.row, reason.column) == (path.name, line, column)
    assert problem in reason.problem
    assert expected in reason.expected


def test_update_text_is_never_quoted_in_a_refusal(con, tmp_path):
    rows = bad(0, "update_date", "2025-08-15")  # after its board: refused on update_date
    path = write(tmp_path / "action-tracker-2025-07-30.csv", rows)
    with pytest.raises(FileRefused) as refused:
        ActionTrackerFormat().stage(con, path, path.name)
    assert refused.value.column == "update_date"
    assert "Added by the board" not in str(refused.value)


def test_the_demo_tracker_files_load_and_are_the_same_bytes_for_any_seed(con, tmp_path):
    from orchestration.demo import action_tracker
    from orchestration.demo.crime_model import MonthKey

    months = [MonthKey(2025, month) for month in range(4, 10)]
    written = action_tracker.write_tracker(tmp_path / "a", months, seed=1)
    other = action_tracker.write_tracker(tmp_path / "b", months, seed=2)
    assert [p.name for p, _ in written] == [
        "action-tracker-2025-07-30.csv",
        "action-tracker-2025-11-05.csv",
    ]
    for (path, rows), (same, _) in zip(written, other, strict=True):
        assert path.read_bytes() == same.read_bytes()
        assert ActionTrackerFormat().stage(con, path, path.name) == rows == 132
