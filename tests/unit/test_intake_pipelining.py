"""Batches of police.uk files validated while intake goes on: the suite worker (a real second
process, as `pcp refresh` starts it) judges one batch's rows while intake stages the next, and
each batch is loaded only once its own verdict is in. What loads, what is refused and why must
be exactly what taking the batches one after another gives."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from contextlib import nullcontext

import duckdb
import pytest

from orchestration.defs.police_uk.checks import STREET_SUITE
from orchestration.defs.police_uk.format import StreetFormat
from orchestration.demo.crime_model import MonthKey
from orchestration.demo.police_uk import street_rows
from orchestration.landing import intake
from orchestration.landing.files import list_landed
from orchestration.landing.intake import IntakeResult, take_in
from orchestration.quality.suite_worker import suites_in_a_second_process
from orchestration.settings import Settings
from tests.unit.test_intake_batches import deliver, name_of

RELEASE = MonthKey(2024, 12)
MONTHS = range(1, 7)


def month_of(name: str) -> int:
    return int(name[5:7])


@pytest.fixture(scope="module")
def rows_by_month() -> dict[int, list[list[str]]]:
    return {m: street_rows(MonthKey(2024, m), release=RELEASE, seed=11) for m in MONTHS}


class RecordingFormat(StreetFormat):
    """The street format, noting when each batch is staged."""

    def __init__(self, forces: tuple[str, ...], events: list[tuple[str, tuple[int, ...]]]):
        super().__init__(forces)
        self.events = events

    def stage_batch(self, con, files):
        self.events.append(("staged", tuple(month_of(name) for _, name in files)))
        return super().stage_batch(con, files)


class RecordingAudit:
    """The street suite's audit, noting when a batch's row rules are asked for and when their
    verdict is collected."""

    def __init__(self, settings: Settings, events: list[tuple[str, tuple[int, ...]]]):
        self.audit = STREET_SUITE.audit(settings)
        self.has_frame_rules = self.audit.has_frame_rules
        self.events = events

    @property
    def validates_elsewhere(self) -> bool:
        return self.audit.validates_elsewhere

    def __call__(self, con, rows, partitions: Sequence[str], rules: str = "all"):
        return self.audit(con, rows, partitions, rules)

    def defer(self, con, rows, partitions: Sequence[str], rules: str = "all") -> Callable:
        months = tuple(int(p[5:7]) for p in partitions)
        if rules == "row":
            self.events.append(("asked", months))
        waiting = self.audit.defer(con, rows, partitions, rules=rules)

        def collected():
            if rules == "row":
                self.events.append(("collected", months))
            return waiting()

        return collected


def take(settings: Settings, events: list, bound: int, worker: bool = True) -> IntakeResult:
    """Intake of landing's street files, batches of two files, with the suite worker (or
    validating in this process)."""
    files = list_landed(settings.landing_dir, "police_uk")
    fmt = RecordingFormat(settings.forces, events)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(intake, "AUDITED_BATCH_BYTES", bound)
        with suites_in_a_second_process(settings.data_dir) if worker else nullcontext():
            return take_in(settings, fmt, files, "test", audit=RecordingAudit(settings, events))


def two_files_a_batch(settings: Settings) -> int:
    """A batch bound that closes each batch at its second file."""
    sizes = [p.stat().st_size for p in settings.landing_for("police_uk").iterdir()]
    return max(sizes) + 1


def raw_lines(settings: Settings) -> dict[int, int]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        rows = con.execute(
            "select month(partition_month), count(*) from raw.police_uk_street group by all"
        ).fetchall()
    return dict(rows)


def test_the_next_batch_is_staged_while_the_worker_judges_the_one_before(settings, rows_by_month):
    # One row of March without its crime type: an error-level expectation of the suite.
    broken = [list(row) for row in rows_by_month[3]]
    broken[4][9] = ""
    for month in MONTHS:
        deliver(settings, month, broken if month == 3 else rows_by_month[month])
    events: list[tuple[str, tuple[int, ...]]] = []

    result = take(settings, events, two_files_a_batch(settings))

    assert events == [
        ("staged", (1, 2)),
        ("asked", (1, 2)),
        ("staged", (3, 4)),
        ("asked", (3, 4)),
        ("collected", (1, 2)),  # January and February judged once March and April are staged
        ("staged", (5, 6)),
        ("asked", (5, 6)),
        ("collected", (3, 4)),
        ("collected", (5, 6)),
    ]
    assert [f.name for f in result.loaded] == [name_of(m) for m in (1, 2, 4, 5, 6)]
    assert [f.name for f in result.refused] == [name_of(3)]
    assert "crime_type" in result.refused[0].reason and "line 6" in result.refused[0].reason
    # Each loaded month's every row is in raw, and nothing of the refused one.
    assert raw_lines(settings) == {m: len(rows_by_month[m]) for m in (1, 2, 4, 5, 6)}


def test_a_twin_of_a_file_in_the_batch_still_being_judged_is_a_duplicate(settings, rows_by_month):
    for month in (1, 2, 3, 4):
        deliver(settings, month, rows_by_month[month])
    # March's bytes again under May's name, after the batch holding March.
    folder = settings.landing_for("police_uk")
    shutil.copy(folder / name_of(3), folder / name_of(5))
    events: list[tuple[str, tuple[int, ...]]] = []

    result = take(settings, events, two_files_a_batch(settings))

    # March's batch is judged and loaded before its twin is looked at, as one by one: the
    # twin is then a duplicate, not a file for May whose rows say March.
    assert events == [
        ("staged", (1, 2)),
        ("asked", (1, 2)),
        ("staged", (3, 4)),
        ("asked", (3, 4)),
        ("collected", (1, 2)),
        ("collected", (3, 4)),
    ]
    assert result.duplicates == [name_of(5)]
    assert not result.refused
    assert [f.name for f in result.loaded] == [name_of(m) for m in (1, 2, 3, 4)]
    assert 5 not in raw_lines(settings)


def test_without_the_worker_each_batch_loads_before_the_next_is_staged(settings, rows_by_month):
    # Validated in this process there is nothing to overlap: a second batch staged meanwhile
    # would only hold memory.
    for month in (1, 2, 3, 4):
        deliver(settings, month, rows_by_month[month])
    events: list[tuple[str, tuple[int, ...]]] = []

    result = take(settings, events, two_files_a_batch(settings), worker=False)

    assert events == [
        ("staged", (1, 2)),
        ("asked", (1, 2)),
        ("collected", (1, 2)),
        ("staged", (3, 4)),
        ("asked", (3, 4)),
        ("collected", (3, 4)),
    ]
    assert [f.name for f in result.loaded] == [name_of(m) for m in (1, 2, 3, 4)]
