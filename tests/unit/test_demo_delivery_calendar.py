"""The demo's delivery calendar: every file carries the day it would have been delivered (its
modification time, which intake records as the received time), never after the story date."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from orchestration.demo import delivery_calendar, write_demo_data
from orchestration.demo.crime_model import MonthKey

SEED = 20250730


def delivered(path: Path) -> date:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).date()


def test_publication_days_follow_each_source_lag():
    calendar = delivery_calendar
    assert calendar.police_uk(Path("2025-08-leicestershire-street.csv")) == date(2025, 10, 10)
    assert calendar.police_uk(Path("2025-12-leicestershire-outcomes.csv")) == date(2026, 2, 10)
    assert calendar.victim_survey(Path("victim-survey-domestic-abuse-2025-12.xlsx")) == date(
        2026, 1, 7
    )
    assert calendar.stats19(Path("dft-road-casualty-statistics-casualty-2024.csv")) == date(
        2025, 9, 30
    )
    assert calendar.stats19(
        Path("dft-road-casualty-statistics-collision-provisional-mid-year-unvalidated-2025.csv")
    ) == date(2025, 11, 30)
    assert calendar.story_date(MonthKey(2025, 9)) == date(2025, 10, 15)
    assert calendar.story_date(MonthKey(2025, 12)) == date(2026, 1, 15)


def test_demo_files_are_stamped_with_their_delivery_day_deterministically(tmp_path):
    first = write_demo_data(tmp_path / "a", start="2025-04", end="2025-09", seed=SEED)
    write_demo_data(tmp_path / "b", start="2025-04", end="2025-09", seed=SEED)
    story = date(2025, 10, 15)
    days = {
        path.name: delivered(path) for files in first.values() for path, _ in files
    }  # fmt: skip
    assert max(days.values()) == story  # everything is in by the story date
    assert days["2025-07-leicestershire-street.csv"] == date(2025, 9, 10)
    assert days["2025-09-leicestershire-street.csv"] == story  # due 2025-11-10: capped
    assert days["victim-survey-force-2025-08.csv"] == date(2025, 9, 7)
    assert days["partner-return-violence_vulnerability-2025-26-Q1.csv"] == date(2025, 7, 8)
    assert days["partner-return-workforce-2025-26-Q1.xlsx"] == date(2025, 7, 8)  # from XLSX
    assert days["csew-force-estimates-2025-06.csv"] == story  # due 2025-10-24: capped
    assert days["prc-csp-open-data-to-2025-09.ods"] == story
    # Same arguments, same bytes and the same delivery times.
    for source, files in first.items():
        for path, _ in files:
            twin = tmp_path / "b" / source / path.name
            assert twin.read_bytes() == path.read_bytes()
            assert twin.stat().st_mtime == path.stat().st_mtime
