"""Taking police.uk files in batches: one read and one check of many files, one insert.

A batch must give exactly what taking the files one at a time gives: the same rows with the
same line numbers, and a bad file refused with the same reason (line, column) while the good
files beside it load.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.defs.police_uk.format import (
    OUTCOMES_HEADER,
    OutcomesFormat,
    StreetFormat,
    parse_file_name,
    stage_police_uk_file,
)
from orchestration.demo.crime_model import MonthKey
from orchestration.demo.police_uk import outcome_rows, street_rows, write_street_csv
from orchestration.landing.files import list_landed
from orchestration.landing.intake import BatchFormat, IntakeResult, take_in
from orchestration.landing.refusal import FileRefused
from orchestration.settings import Settings

RELEASE = MonthKey(2024, 12)


def name_of(month: int) -> str:
    return f"2024-{month:02d}-leicestershire-street.csv"


@pytest.fixture(scope="module")
def rows_by_month() -> dict[int, list[list[str]]]:
    return {m: street_rows(MonthKey(2024, m), release=RELEASE, seed=7) for m in range(1, 9)}


def deliver(settings: Settings, month: int, rows: list[list[str]]) -> Path:
    folder = settings.landing_for("police_uk")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name_of(month)
    write_street_csv(path, rows)
    return path


class OneAtATime:
    """The same format without its batch capability: intake takes each file alone."""

    def __init__(self, fmt: StreetFormat):
        self._fmt = fmt

    def __getattr__(self, name: str):
        if name in {"stage_batch", "replace_batch"}:
            raise AttributeError(name)
        return getattr(self._fmt, name)


def take(settings: Settings, fmt=None) -> IntakeResult:
    fmt = fmt or StreetFormat(settings.forces)
    files = list_landed(settings.landing_dir, "police_uk")
    return take_in(settings, fmt, files, run_id="test")


def alone(path: Path) -> FileRefused:
    """The refusal of a file staged on its own (the one-file-at-a-time path)."""
    with duckdb.connect() as con, pytest.raises(FileRefused) as caught:
        stage_police_uk_file(con, path, parse_file_name(path.name), path.name)
    return caught.value


def file_lines(path: Path) -> dict[int, tuple[str | None, ...]]:
    """line number -> (Crime ID, Location, LSOA code, Crime type), read by Python, not DuckDB."""
    lines = path.read_bytes().decode("utf-8-sig").split("\r\n")
    found = {}
    for number, text in enumerate(lines, start=1):
        if number == 1 or not text:
            continue
        (row,) = csv.reader([text])
        found[number] = tuple(v or None for v in (row[0], row[6], row[7], row[9]))
    return found


def loaded_lines(settings: Settings, month: int) -> dict[int, tuple[str | None, ...]]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        rows = con.execute(
            """
            select source_line, crime_id, location, lsoa_code, crime_type
            from raw.police_uk_street where partition_month = ?
            """,
            [f"2024-{month:02d}-01"],
        ).fetchall()
    return {line: tuple(rest) for line, *rest in rows}


def raw_table(settings: Settings) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(
            "select * exclude (loaded_at) from raw.police_uk_street order by all"
        ).fetchall()


def test_police_uk_formats_take_files_in_batches(settings):
    assert isinstance(StreetFormat(settings.forces), BatchFormat)
    assert not isinstance(OneAtATime(StreetFormat(settings.forces)), BatchFormat)


def test_a_batch_of_good_files_loads_every_line_where_it_is_in_its_file(
    settings, rows_by_month, monkeypatch
):
    paths = {m: deliver(settings, m, rows_by_month[m]) for m in (1, 2, 3)}
    expected = {m: file_lines(path) for m, path in paths.items()}
    alone_calls = []
    real_stage = StreetFormat.stage
    monkeypatch.setattr(
        StreetFormat, "stage", lambda self, *a: alone_calls.append(a) or real_stage(self, *a)
    )

    result = take(settings)

    assert alone_calls == []  # the batch took them all
    assert [f.name for f in result.loaded] == [name_of(m) for m in (1, 2, 3)]
    assert [f.rows for f in result.loaded] == [len(rows_by_month[m]) for m in (1, 2, 3)]
    assert [f.version for f in result.loaded] == [1, 1, 1]
    for month in (1, 2, 3):
        assert loaded_lines(settings, month) == expected[month]


BAD_FILES = {
    "truncated": lambda path: path.write_bytes(path.read_bytes()[:-60]),
    "renamed column": lambda path: path.write_bytes(
        path.read_bytes().replace(b"Crime type", b"Crime category", 1)
    ),
    "text for a number": lambda path: path.write_bytes(
        path.read_bytes().replace(b",52.", b",fifty-two.", 1)
    ),
    "another force": lambda path: path.write_bytes(
        path.read_bytes().replace(b"Leicestershire Police", b"Nottinghamshire Police", 7)
    ),
    "unreadable bytes": lambda path: path.write_bytes(
        path.read_bytes().replace(b"On or near", b"On or \x81near", 1)
    ),
    "header only": lambda path: path.write_bytes(path.read_bytes().split(b"\r\n")[0] + b"\r\n"),
    "empty": lambda path: path.write_bytes(b""),
}


@pytest.mark.parametrize("damage", sorted(BAD_FILES))
def test_one_bad_file_in_a_batch_is_refused_as_if_alone_and_the_rest_load(
    settings, rows_by_month, tmp_path, damage
):
    paths = {m: deliver(settings, m, rows_by_month[m]) for m in (1, 2, 3, 4)}
    BAD_FILES[damage](paths[3])
    shutil.copy(paths[3], tmp_path / name_of(3))
    expected_reason = str(alone(tmp_path / name_of(3)))
    expected = {m: file_lines(paths[m]) for m in (1, 2, 4)}

    result = take(settings)

    assert [(f.name, f.reason) for f in result.refused] == [(name_of(3), expected_reason)]
    assert sorted(f.name for f in result.loaded) == [name_of(m) for m in (1, 2, 4)]
    for month in (1, 2, 4):
        assert loaded_lines(settings, month) == expected[month]
    assert loaded_lines(settings, 3) == {}  # nothing of the refused file
    assert not any(settings.landing_for("police_uk").iterdir())


def test_rule_breaks_in_several_files_name_each_files_first_line(settings, rows_by_month):
    rows = {m: [list(r) for r in rows_by_month[m]] for m in (1, 2, 3)}
    rows[1][9][1] = "2024-02"  # line 11
    rows[3][3][3] = "Nottinghamshire Police"  # line 5
    rows[3][20][1] = "2024-01"  # a later break in the same file
    for month in (1, 2, 3):
        deliver(settings, month, rows[month])

    result = take(settings)

    refused = {f.name: f.reason for f in result.refused}
    assert set(refused) == {name_of(1), name_of(3)}
    assert "line 11, column 'Month'" in refused[name_of(1)]
    assert "line 5, column 'Falls within'" in refused[name_of(3)]
    assert [f.name for f in result.loaded] == [name_of(2)]


def test_awkward_but_valid_files_load_in_or_beside_the_batch(settings, rows_by_month):
    paths = {m: deliver(settings, m, rows_by_month[m]) for m in (1, 2, 3, 4)}
    expected = {m: file_lines(path) for m, path in paths.items()}
    paths[2].write_bytes(b"\xef\xbb\xbf" + paths[2].read_bytes())  # BOM
    text = paths[3].read_text(encoding="utf-8")  # Windows-1252, as Excel saves it
    paths[3].write_bytes(text.replace("On or near ", "On or near Café ", 1).encode("cp1252"))
    cafe_line, cafe = next(
        (line, row)
        for line, row in sorted(expected[3].items())
        if row[1] and row[1].startswith("On or near ")
    )
    expected[3][cafe_line] = (
        cafe[0],
        cafe[1].replace("On or near ", "On or near Café "),
        *cafe[2:],
    )
    paths[4].write_bytes(paths[4].read_bytes().replace(b"\r\n", b"\n"))  # LF line ends

    result = take(settings)

    assert result.refused == []
    assert sorted(f.name for f in result.loaded) == [name_of(m) for m in (1, 2, 3, 4)]
    for month in (1, 2, 3, 4):
        assert loaded_lines(settings, month) == expected[month]


def test_the_same_bytes_twice_in_one_batch_load_once(settings, rows_by_month):
    first = deliver(settings, 1, rows_by_month[1])
    deliver(settings, 2, rows_by_month[2])
    again = first.with_name(name_of(5))
    shutil.copy(first, again)  # January's bytes again, under May's name

    result = take(settings)

    assert sorted(f.name for f in result.loaded) == [name_of(1), name_of(2)]
    assert result.duplicates == [name_of(5)]  # as if taken one at a time: January went first
    assert loaded_lines(settings, 5) == {}


def test_a_file_loaded_before_is_a_duplicate_and_the_rest_of_the_batch_loads(
    settings, rows_by_month
):
    january = deliver(settings, 1, rows_by_month[1])
    january_bytes = january.read_bytes()
    assert [f.name for f in take(settings).loaded] == [name_of(1)]
    january.write_bytes(january_bytes)
    for month in (2, 3):
        deliver(settings, month, rows_by_month[month])

    result = take(settings)

    assert result.duplicates == [name_of(1)]
    assert sorted(f.name for f in result.loaded) == [name_of(2), name_of(3)]


def test_a_revised_month_in_a_batch_replaces_its_rows_and_keeps_both_versions(
    settings, rows_by_month
):
    deliver(settings, 1, rows_by_month[1])
    deliver(settings, 2, rows_by_month[2])
    assert len(take(settings).loaded) == 2
    revised = street_rows(MonthKey(2024, 2), release=MonthKey(2025, 6), seed=7)
    revised_path = deliver(settings, 2, revised)
    expected = file_lines(revised_path)
    deliver(settings, 3, rows_by_month[3])

    result = take(settings)

    assert {f.name: f.version for f in result.loaded} == {name_of(2): 2, name_of(3): 1}
    assert loaded_lines(settings, 2) == expected  # the old rows are gone
    assert len(loaded_lines(settings, 1)) == len(rows_by_month[1])  # January untouched
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        versions = con.execute(
            "select original_name, version, status from ops.file_manifest order by all"
        ).fetchall()
    assert versions == [
        (name_of(1), 1, "loaded"),
        (name_of(2), 1, "superseded"),
        (name_of(2), 2, "loaded"),
        (name_of(3), 1, "loaded"),
    ]


def test_batches_and_one_file_at_a_time_give_the_same_warehouse(settings, rows_by_month, tmp_path):
    other = Settings(data_dir=tmp_path / "one-at-a-time", forces=settings.forces)
    other.ensure_dirs()
    for target in (settings, other):
        for month in (1, 2, 3, 4, 5, 6):
            deliver(target, month, rows_by_month[month])
        bad = target.landing_for("police_uk") / name_of(4)
        bad.write_bytes(bad.read_bytes()[:-60])

    batched = take(settings)
    single = take(other, OneAtATime(StreetFormat(other.forces)))

    assert [(f.name, f.rows) for f in batched.loaded] == [(f.name, f.rows) for f in single.loaded]
    assert [(f.name, f.reason) for f in batched.refused] == [
        (f.name, f.reason) for f in single.refused
    ]
    assert raw_table(settings) == raw_table(other)


def test_outcomes_files_go_in_batches_and_an_outcome_without_its_crime_is_refused(
    settings, tmp_path
):
    folder = settings.landing_for("police_uk")
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for month in (1, 2, 3):
        rows = [list(r) for r in outcome_rows(MonthKey(2024, month), seed=7)]
        if month == 2:
            rows[6][0] = ""  # line 8: an outcome without its Crime ID
        paths[month] = folder / f"2024-{month:02d}-leicestershire-outcomes.csv"
        write_street_csv(paths[month], rows, OUTCOMES_HEADER)
    alone_copy = shutil.copy(paths[2], tmp_path / paths[2].name)
    with duckdb.connect() as con, pytest.raises(FileRefused) as caught:
        stage_police_uk_file(
            con, alone_copy, parse_file_name(paths[2].name), paths[2].name, OUTCOMES_HEADER
        )
    lines = {m: len(paths[m].read_bytes().split(b"\r\n")) - 2 for m in (1, 3)}

    result = take(settings, OutcomesFormat(settings.forces))

    assert [(f.name, f.reason) for f in result.refused] == [(paths[2].name, str(caught.value))]
    assert "line 8, column 'Crime ID'" in result.refused[0].reason
    assert {f.name: f.rows for f in result.loaded} == {paths[m].name: lines[m] for m in (1, 3)}
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        spans = con.execute(
            "select strftime(partition_month, '%m'), min(source_line), max(source_line), count(*)"
            " from raw.police_uk_outcomes group by all order by all"
        ).fetchall()
    assert spans == [(f"{m:02d}", 2, lines[m] + 1, lines[m]) for m in (1, 3)]
