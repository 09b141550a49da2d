"""When each demo file would have been delivered: the demo's delivery calendar.

Intake dates a delivery by the file's modification time (``ops.file_manifest.received_at``), and
readiness asks what had arrived by a day. So the demo stamps every file it writes with the day it
would have been published: its period end plus the source's usual lag (seeds/source_publication
.csv), one function per source below, but never later than the demo's *story date*, the 15th of
the month after ``--end``: with ``--end 2025-09`` everything is in by 2025-10-15, the point from
which `make run` looks at the 2025-11-05 board. Same arguments, same days: the stamps are
deterministic, like the bytes.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from pathlib import Path

from orchestration.demo.crime_model import MonthKey
from orchestration.landing.spreadsheets import sheet_rows

# Files are stamped at this time of day (UTC): the same calendar day in London all year.
DELIVERY_TIME = time(9, 0)
STORY_DAY = 15


def _month_start(year: int, month: int, add: int = 0) -> date:
    index = year * 12 + month - 1 + add
    return date(index // 12, index % 12 + 1, 1)


def story_date(end: MonthKey) -> date:
    """The demo's "today": the 15th of the month after the last month generated."""
    return _month_start(end.year, end.month, 1).replace(day=STORY_DAY)


def police_uk(path: Path) -> date:
    """police.uk publishes a month during the month after next, around the 10th."""
    year, month = int(path.name[:4]), int(path.name[5:7])
    return _month_start(year, month, 2).replace(day=10)


def victim_survey(path: Path) -> date:
    """The survey team sends a month's responses in the following month, around the 7th."""
    label = path.stem.rsplit("-", 2)
    return _month_start(int(label[-2]), int(label[-1]), 1).replace(day=7)


def stats19(path: Path) -> date:
    """DfT: the final year at the end of September of the next year; the provisional first
    half-year (a ``-provisional-mid-year-unvalidated-`` file) at the end of November."""
    year = int(path.stem[-4:])
    if "provisional" in path.name:
        return date(year, 11, 30)
    return date(year + 1, 9, 30)


def home_office(path: Path) -> date:
    """The Home Office table appears about four months after the latest quarter it holds
    (read from the workbook: its newest financial year and quarter), around the 20th."""
    latest = max(
        (int(row.cells[0][:4]), int(row.cells[1]))
        for row in sheet_rows(path, path.name, lambda name: name != "Notes")
        if row.row > 1  # each year sheet's header is its first row
    )
    fy, quarter = latest
    quarter_end = _month_start(fy, 4, 3 * quarter - 1)  # first day of the quarter's last month
    return _month_start(quarter_end.year, quarter_end.month, 4).replace(day=20)


def csew(path: Path) -> date:
    """ONS publishes year-ending estimates about four months after the year ends (the period
    read from the file), around the 24th."""
    with path.open(newline="", encoding="utf-8") as handle:
        period = max(row["period"] for row in csv.DictReader(handle))
    return _month_start(int(period[:4]), int(period[5:7]), 4).replace(day=24)


def partner_return(path: Path) -> date:
    """A lead's return arrives the day it was submitted (its newest ``submitted_at``)."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True)
        rows = workbook.active.iter_rows(values_only=True)
        header = [str(cell) for cell in next(rows)]
        column = header.index("submitted_at")
        submitted = [str(row[column]) for row in rows]
        workbook.close()
    else:
        with path.open(newline="", encoding="utf-8") as handle:
            submitted = [row["submitted_at"] for row in csv.DictReader(handle)]
    return date.fromisoformat(max(submitted)[:10])


def action_tracker(path: Path) -> date:
    """The OPCC sends a board's tracker the day of its newest update (``update_date``)."""
    with path.open(newline="", encoding="utf-8") as handle:
        return date.fromisoformat(max(row["update_date"] for row in csv.DictReader(handle)))


# landing folder -> when a file of it is delivered
CALENDAR: dict[str, Callable[[Path], date]] = {
    "police_uk": police_uk,
    "stats19": stats19,
    "victim_survey": victim_survey,
    "home_office": home_office,
    "csew": csew,
    "partner_returns": partner_return,
    "action_tracker": action_tracker,
}


def delivery_date(source: str, path: Path, story: date) -> date:
    """The day ``path`` (a file of landing folder ``source``) is delivered in the demo."""
    return min(CALENDAR[source](path), story)


def stamp(path: Path, day: date) -> None:
    """Set the file's modification time to ``day`` (intake's received time)."""
    moment = datetime.combine(day, DELIVERY_TIME, tzinfo=UTC).timestamp()
    os.utime(path, (moment, moment))
