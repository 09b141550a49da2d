"""The delivery action tracker: the OPCC's spreadsheet of the plan's actions and their updates.

``action-tracker-<anything>.csv`` or ``.xlsx`` in landing/action_tracker/, one row per action per
update, all for one delivery board (seed 002 paras 10-17, 35):

board_date (one board of seeds/delivery_boards.csv per file), reference (the delivery plan
reference, e.g. ``10.3`` or ``2.0 / 12.1 / 12``, once per file), delivery_strategy, task_name,
lead (a lead_key of seeds/board_leads.csv), kind (one-off, annual, whole-plan), start_date,
due_date (not before the start), status (STATUSES), completion_date (only and always for the
completed statuses), update_date (not after the board), update_text, metric_ids (catalogue
refs separated by ``;``), added_by_board (the board that added the action, if one did),
change_agreed_by_board and change (the board that agreed a change to the due date or wording,
and what changed), and, for whole-plan actions only, milestone, milestone_due and
milestone_reached (the milestone the update reports on, when it is due and the day it was
reached, if it has been): a whole-plan action runs to the end of the plan, so its progress is
read by milestone. The README documents the template.

A corrected file under the same name replaces the earlier one. An action the lead did not
update for a board is simply absent from that board's file (readiness counts it missing).
"""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import duckdb

from orchestration.landing.files import LandedFile
from orchestration.landing.plausibility import refuse_repeated_keys
from orchestration.landing.refusal import FileRefused
from orchestration.landing.staged import StagedRows
from orchestration.landing.tabular import (
    Column,
    partitions_in_content,
    restricted_columns,
    stage_table,
)
from orchestration.reference import board_leads, metric_catalogue
from orchestration.settings import SEEDS_DIR

SOURCE = "action_tracker"
COLUMNS = (
    Column("board_date", aliases=("board",)),
    Column("reference", aliases=("plan_ref", "delivery_plan_ref", "ref")),
    Column("delivery_strategy", aliases=("strategy", "priority", "category")),
    Column("task_name", aliases=("task", "action")),
    Column("lead", aliases=("lead_key", "lead_id")),
    Column("kind"),
    Column("start_date"),
    Column("due_date"),
    Column("status"),
    Column("completion_date", required=False, aliases=("completed_on",)),
    Column("update_date"),
    Column("update_text", required=False, restricted=True),  # free text may name a person
    Column("metric_ids", required=False, aliases=("metrics",)),
    Column("added_by_board", required=False),
    Column("change_agreed_by_board", required=False),
    Column("change", required=False, aliases=("change_agreed",)),
    Column("milestone", required=False),
    Column("milestone_due", required=False, aliases=("milestone_due_date",)),
    Column("milestone_reached", required=False, aliases=("milestone_reached_date",)),
)
STATUSES = (
    "not started",
    "in progress",
    "completed",
    "completed ahead of schedule",
    "at risk",
    "deferred",
    "withdrawn",
)
COMPLETED = ("completed", "completed ahead of schedule")
KINDS = ("one-off", "annual", "whole-plan")
TABLE_DDL = """
create schema if not exists raw;
create table if not exists raw.action_tracker (
    board_date date not null,
    reference varchar not null,
    delivery_strategy varchar not null,
    task_name varchar not null,
    lead_key varchar not null,
    kind varchar not null,
    start_date date not null,
    due_date date not null,
    status varchar not null,
    completion_date date,
    update_date date not null,
    update_text varchar,
    metric_ids varchar[] not null,
    added_by_board date,
    change_agreed_by_board date,
    change varchar,
    milestone varchar,
    milestone_due date,
    milestone_reached date,
    source_file varchar not null,
    source_sha256 varchar not null,
    source_line integer not null,
    loaded_at timestamptz not null default current_timestamp
);
"""
STAGED = "_incoming_actions"
STAGED_COLUMNS = (
    "board_date date, reference varchar, delivery_strategy varchar, task_name varchar, "
    "lead_key varchar, kind varchar, start_date date, due_date date, status varchar, "
    "completion_date date, update_date date, update_text varchar, metric_ids varchar[], "
    "added_by_board date, change_agreed_by_board date, change varchar, milestone varchar, "
    "milestone_due date, milestone_reached date, source_line integer"
)
NAMES = (
    "board_date, reference, delivery_strategy, task_name, lead_key, kind, start_date, "
    "due_date, status, completion_date, update_date, update_text, metric_ids, added_by_board, "
    "change_agreed_by_board, change, milestone, milestone_due, milestone_reached"
)
# Warehouses from before milestones were tracked: their table gains the columns, empty.
MILESTONE_COLUMNS_DDL = """
alter table raw.action_tracker add column if not exists milestone varchar;
alter table raw.action_tracker add column if not exists milestone_due date;
alter table raw.action_tracker add column if not exists milestone_reached date;
"""


def quarter_partition(reporting_quarter: str) -> str:
    """A board's reporting quarter as its quarterly partition key: "2025/26-Q1" -> "2025-04"."""
    year, quarter = int(reporting_quarter[:4]), int(reporting_quarter[-1])
    month = 3 * quarter + 1  # April, July, October, then January of the next year
    return f"{year + (month > 12)}-{(month - 1) % 12 + 1:02d}"


def delivery_boards() -> list[dict[str, str]]:
    """The delivery boards (seeds/delivery_boards.csv): board_date, reporting_quarter, status."""
    with (SEEDS_DIR / "delivery_boards.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(str(text).strip()[:10])
    except ValueError:
        return None


class ActionTrackerFormat:
    dataset = SOURCE
    landing_folder = SOURCE
    table = "raw.action_tracker"

    def claims(self, file_name: str) -> bool:
        return bool(re.match(r"^action-tracker.*\.(csv|xlsx)$", file_name, re.IGNORECASE))

    def describe_files(self) -> str:
        return "action tracker updates named action-tracker-*.csv or .xlsx (see the README)"

    def scope_of(self, file_name: str) -> str:
        # Each file is the whole tracker as it stood for its board: a newer file for the same
        # board replaces the earlier one whatever it is called (a "-v2" resend included).
        return ""

    def ensure_tables(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute(TABLE_DDL)
        con.execute(MILESTONE_COLUMNS_DDL)

    def partitions_of(self, landed: LandedFile) -> tuple[str, ...]:
        """The quarter the file's board reviews (one board per file)."""
        quarters = {b["board_date"]: b["reporting_quarter"] for b in delivery_boards()}
        boards = partitions_in_content(
            self.stage,
            landed.path,
            landed.name,
            f"select distinct strftime(board_date, '%Y-%m-%d') from {STAGED}",
        )
        return tuple(quarter_partition(quarters[b]) for b in boards)

    def stage(self, con: duckdb.DuckDBPyConnection, path: Path, file_name: str) -> int:
        rows = stage_table(con, path, file_name, COLUMNS, "_delivered_actions")
        names = ", ".join(c.name for c in COLUMNS)
        staged = con.execute(
            f"select source_line, {names} from _delivered_actions order by source_line"
        ).fetchall()
        leads = {row["lead_key"] for row in board_leads()}
        strategies = {row["delivery_strategy"] for row in board_leads()} - {""}
        boards = {date.fromisoformat(row["board_date"]) for row in delivery_boards()}
        catalogue = metric_catalogue()
        clean = []
        for line, *cells in staged:
            row = dict(zip((c.name for c in COLUMNS), cells, strict=True))

            def refuse(column: str, problem: str, expected: str, line=line, row=row):
                raise FileRefused.at_cell(
                    file_name,
                    line,
                    column,
                    problem,
                    expected,
                    row[column],
                    restricted=column in restricted_columns(COLUMNS),
                )

            def a_date(column: str, required: bool = True, row=row) -> date | None:
                parsed = _date(row[column])
                if parsed is None and (required or row[column]):
                    refuse(column, "not a date", "a date as YYYY-MM-DD")
                return parsed

            def a_board(column: str, required: bool = True) -> date | None:
                day = a_date(column, required)
                if day is not None and day not in boards:
                    refuse(column, "not a delivery board", "a board date in delivery_boards.csv")
                return day

            board = a_board("board_date")
            for column in ("reference", "task_name"):
                if not row[column]:
                    refuse(column, f"no {column.replace('_', ' ')}", "text")
            if row["delivery_strategy"] not in strategies:
                refuse(
                    "delivery_strategy",
                    "not a delivery strategy of the plan",
                    "one of " + ", ".join(sorted(strategies)),
                )
            if row["lead"] not in leads:
                refuse("lead", "not a board lead", "a lead_key from seeds/board_leads.csv")
            kind = (row["kind"] or "").lower()
            if kind not in KINDS:
                refuse("kind", "not a kind of action", " or ".join(KINDS))
            start, due = a_date("start_date"), a_date("due_date")
            if due < start:
                refuse("due_date", f"due before the action starts ({start})", "a due date on "
                       "or after start_date")  # fmt: skip
            status = (row["status"] or "").lower()
            if status not in STATUSES:
                refuse("status", "not a status of the tracker", ", ".join(STATUSES))
            completed = a_date("completion_date", required=status in COMPLETED)
            if completed is not None and status not in COMPLETED:
                refuse(
                    "completion_date",
                    f"a completion date for an action {status}",
                    "empty unless the status is completed or completed ahead of schedule",
                )
            updated = a_date("update_date")
            if updated > board:
                refuse("update_date", f"after the board it is for ({board})", "a date on or "
                       "before board_date")  # fmt: skip
            if completed is not None and completed > updated:
                refuse("completion_date", f"after the update reporting it ({updated})",
                       "a date on or before update_date")  # fmt: skip
            metrics = [m.strip() for m in (row["metric_ids"] or "").split(";") if m.strip()]
            for metric in metrics:
                if metric not in catalogue:
                    refuse("metric_ids", f"{metric} is not a metric of the plan",
                           "catalogue refs separated by ';' (e.g. 55;57)")  # fmt: skip
            added = a_board("added_by_board", required=False)
            changed = a_board("change_agreed_by_board", required=False)
            if changed is not None and not row["change"]:
                refuse("change", "a change agreed without saying what changed",
                       "what changed, e.g. 'due date 2025-09-30 to 2026-03-31'")  # fmt: skip
            milestone = (row["milestone"] or "").strip() or None
            if milestone is not None and kind != "whole-plan":
                refuse("milestone", f"a milestone for a {kind} action",
                       "empty unless the kind is whole-plan")  # fmt: skip
            milestone_due = a_date("milestone_due", required=milestone is not None)
            milestone_reached = a_date("milestone_reached", required=False)
            if milestone is None and (milestone_due or milestone_reached):
                column = "milestone_due" if milestone_due else "milestone_reached"
                refuse(column, "a milestone date without its milestone",
                       "a milestone name beside it, or both empty")  # fmt: skip
            if milestone_reached is not None and milestone_reached > updated:
                refuse("milestone_reached", f"after the update reporting it ({updated})",
                       "a date on or before update_date")  # fmt: skip
            clean.append(
                (
                    board,
                    row["reference"],
                    row["delivery_strategy"],
                    row["task_name"],
                    row["lead"],
                    kind,
                    start,
                    due,
                    status,
                    completed,
                    updated,
                    row["update_text"],
                    metrics,
                    added,
                    changed,
                    row["change"],
                    milestone,
                    milestone_due,
                    milestone_reached,
                    line,
                )
            )
        con.execute(f"create or replace temp table {STAGED} ({STAGED_COLUMNS})")
        con.executemany(f"insert into {STAGED} values ({', '.join(['?'] * 20)})", clean)
        for board, *_, line in clean:
            if board != clean[0][0]:
                raise FileRefused.at_cell(
                    file_name,
                    line,
                    "board_date",
                    f"a second board in one update (the first row is for {clean[0][0]})",
                    "one board per file",
                    board,
                )
        # One update gives each action once: two rows for one reference would make its status
        # a guess.
        refuse_repeated_keys(con, STAGED, file_name, ("reference",), "plan reference")
        return rows

    def staged_rows(self, file_name: str) -> StagedRows:
        """The staged updates, as ``replace`` writes them."""
        return StagedRows(
            f"select {NAMES}, ?::varchar as source_file, source_line from {STAGED}",
            [file_name],
        )

    def replace(
        self, con: duckdb.DuckDBPyConnection, file_name: str, sha256: str, replacing: bool = True
    ) -> None:
        # The board's rows, from whichever file delivered them (scope_of), and this file's own.
        con.execute(
            f"delete from {self.table} where board_date in (select board_date from {STAGED}) "
            "or lower(source_file) = ?",
            [file_name.lower()],
        )
        con.execute(
            f"insert into {self.table} ({NAMES}, source_file, source_sha256, source_line) "
            f"select {NAMES}, ?, ?, source_line from {STAGED} order by source_line",
            [file_name, sha256],
        )
