"""DfT's many-year STATS19 files (``-last-5-years.csv``, ``-1979-latest-published-year.csv``),
split by year, from real DfT rows read in place in ../shared.

No real many-year file could be brought here (hundreds of MB), so one is built in the test's
temporary folder to DfT's layout (the same header as the year files, the years one after
another, BOM, unsorted) from the real 2023 rows of the crossroads-uk fixture (Cleveland, force
17), repeated as 2019 and 2015 with the year, date and index moved.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb
import pytest

from orchestration.defs.stats19.format import Stats19Format
from orchestration.landing.files import LandedFile
from orchestration.landing.refusal import FileRefused
from orchestration.settings import load_settings
from tests.conftest import REAL_DATA_DIR, require_shared

pytestmark = pytest.mark.real_data

FIXTURE = REAL_DATA_DIR / "stats19_samples" / "crossroads-uk_fixture_2023"


def real_rows(table: str) -> tuple[list[str], list[dict[str, str]]]:
    folder = require_shared(FIXTURE, "Real STATS19 2023 rows")
    with (folder / f"dft-road-casualty-statistics-{table}-2023.csv").open(
        encoding="utf-8-sig", newline=""
    ) as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def as_year(row: dict[str, str], year: int) -> dict[str, str]:
    """The same collision in another year: DfT's index starts with the year."""
    moved = dict(row)
    moved["accident_index"] = f"{year}{row['accident_index'][4:]}"
    moved["accident_year"] = str(year)
    if "date" in row:
        moved["date"] = f"{row['date'][:6]}{year}"
    return moved


def many_years(tmp_path: Path, table: str, span: str, years: tuple[int, ...]) -> Path:
    header, rows = real_rows(table)
    out = io.StringIO()
    writer = csv.DictWriter(out, header, lineterminator="\n")
    writer.writeheader()
    for year in years:
        writer.writerows(as_year(row, year) for row in rows)
    path = tmp_path / f"dft-road-casualty-statistics-{table}-{span}.csv"
    path.write_bytes(b"\xef\xbb\xbf" + out.getvalue().encode("utf-8"))
    return path


@pytest.fixture
def cleveland(settings, monkeypatch):
    monkeypatch.setenv("PCP_FORCES", "cleveland")
    monkeypatch.setenv("PCP_HOME_FORCE", "cleveland")
    return load_settings()


def test_last_five_years_is_split_by_year_from_the_history_start(cleveland, tmp_path):
    _, collisions = real_rows("collision")
    _, casualties = real_rows("casualty")
    years = (2023, 2015, 2019)  # 2015 is before the history start (2019-01): left out
    collision_file = many_years(tmp_path, "collision", "last-5-years", years)
    casualty_file = many_years(tmp_path, "casualty", "1979-latest-published-year", years)
    expected_months = tuple(f"{y}-{m:02d}" for y in (2019, 2023) for m in range(1, 13))
    months_2023 = {}
    for row in collisions:
        month = f"{row['date'][6:10]}-{row['date'][3:5]}"
        months_2023[month] = months_2023.get(month, 0) + 1

    with duckdb.connect(str(cleveland.warehouse_path)) as con:
        loaded = {}
        for table, path in (("collision", collision_file), ("casualty", casualty_file)):
            fmt = Stats19Format(table, cleveland)
            fmt.ensure_tables(con)
            assert fmt.partitions_of(LandedFile("stats19", path, "0" * 64)) == expected_months
            loaded[table] = fmt.stage(con, path, path.name)
            fmt.replace(con, path.name, "a" * 64)
        by_month = dict(
            con.execute(
                "select strftime(partition_month, '%Y-%m'), count(*) from raw.stats19_collision "
                "where collision_year = '2023' group by 1"
            ).fetchall()
        )
        years_loaded = con.execute(
            "select distinct collision_year from raw.stats19_casualty order by 1"
        ).fetchall()
        adjusted = con.execute(
            "select sum(cast(casualty_adjusted_severity_serious as double)) "
            "from raw.stats19_casualty where collision_year = '2023'"
        ).fetchall()[0][0]

    assert loaded == {"collision": 2 * len(collisions), "casualty": 2 * len(casualties)}
    assert by_month == months_2023
    assert years_loaded == [("2019",), ("2023",)]
    assert adjusted == pytest.approx(
        sum(float(c["casualty_adjusted_severity_serious"]) for c in casualties)
    )


def test_a_many_year_file_with_no_year_from_the_history_start_is_refused(cleveland, tmp_path):
    path = many_years(tmp_path, "collision", "last-5-years", (2015, 2016))

    with pytest.raises(FileRefused) as refused:
        Stats19Format("collision", cleveland).partitions_of(LandedFile("stats19", path, "0" * 64))

    assert "no rows for the configured forces from the history start" in refused.value.problem
    assert "from 2019" in refused.value.expected
