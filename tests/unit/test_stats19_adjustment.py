"""DfT's severity adjustment lookups: each layout DfT has used, split by year, the configured
forces' rows only, and refusals naming file, line, column and the expected form."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.defs.intake_sources import INTAKE_SOURCES
from orchestration.defs.stats19.adjustment import Stats19AdjustmentFormat
from orchestration.landing.files import LandedFile
from orchestration.landing.refusal import FileRefused

CASUALTY_LOOKUP = (
    "dft-road-casualty-statistics-casualty-adjustment-lookup_2004-latest-published-year.csv"
)
CASUALTY_FIVE_YEARS = "dft-road-casualty-statistics-casualties-adjustment-last-5-years.csv"
COLLISION_LOOKUP = (
    "dft-road-casualty-statistics-collision-adjustment-lookup_2004-latest-published-year.csv"
)
COLLISION_FIVE_YEARS = "dft-road-casualty-statistics-collision-adjustment-last-5-years.csv"

# The names of the current casualty file (collision_* identity, casualty_adjusted_severity_*).
NEW_GENERATION = (
    "collision_index,collision_year,collision_ref_no,casualty_reference,"
    "casualty_adjusted_severity_serious,casualty_adjusted_severity_slight,casualty_injury_based"
)
# The older lookups: accident_index alone (the year is in it), capitalised, vehicle reference.
ADJUSTED_SERIOUS_STYLE = (
    "accident_index,Vehicle_Reference,Casualty_Reference,Adjusted_Serious,Adjusted_Slight,"
    "Injury_Based"
)
# accident_* identity with the data guide's spelling of the probabilities.
ACCIDENT_IDENTITY = (
    "accident_index,accident_year,accident_reference,casualty_reference,"
    "casualty_adjusted_serious,casualty_adjusted_slight"
)


def write(path: Path, header: str, rows: list[str], bom: bool = True) -> Path:
    text = "\r\n".join([header, *rows]) + "\r\n"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


@pytest.fixture
def con(settings):
    connection = duckdb.connect(str(settings.warehouse_path))
    for table in ("casualty", "collision"):
        Stats19AdjustmentFormat(table, settings).ensure_tables(connection)
    yield connection
    connection.close()


def load(settings, con, path: Path, table: str = "casualty") -> int:
    fmt = Stats19AdjustmentFormat(table, settings)
    rows = fmt.stage(con, path, path.name)
    fmt.replace(con, path.name, path.name[:8] * 8)
    return rows


def loaded(con, table: str = "casualty") -> list[tuple]:
    return con.execute(
        f"select collision_index, {'casualty_reference, ' if table == 'casualty' else ''}"
        f"{table}_adjusted_severity_serious, {table}_adjusted_severity_slight, partition_year "
        f"from raw.stats19_{table}_adjustment order by all"
    ).fetchall()


def test_each_published_name_is_claimed_by_its_table_and_no_longer_unrecognised(settings):
    claimed = {
        name: [
            f.dataset for f in (s.make_format(settings) for s in INTAKE_SOURCES) if f.claims(name)
        ]
        for name in (CASUALTY_LOOKUP, CASUALTY_FIVE_YEARS, COLLISION_LOOKUP, COLLISION_FIVE_YEARS)
    }
    assert claimed == {
        CASUALTY_LOOKUP: ["stats19_casualty_adjustment"],
        CASUALTY_FIVE_YEARS: ["stats19_casualty_adjustment"],
        COLLISION_LOOKUP: ["stats19_collision_adjustment"],
        COLLISION_FIVE_YEARS: ["stats19_collision_adjustment"],
    }


def test_new_generation_names_load_by_year_for_the_configured_forces(settings, con, tmp_path):
    path = write(
        tmp_path / CASUALTY_FIVE_YEARS,
        NEW_GENERATION,
        [
            "2021330000001,2021,330000001,1,0.25,0.75,1",
            "2022330000002,2022,330000002,2,0,0,0",  # fatal: both 0
            "2022310000003,2022,310000003,1,0.5,0.5,1",  # another force
            "2004330000004,2004,330000004,1,0.5,0.5,0",  # before the history start
        ],
        bom=False,
    )
    fmt = Stats19AdjustmentFormat("casualty", settings)
    months = fmt.partitions_of(LandedFile("stats19", path, "0" * 64))
    assert (months[0], months[-1], len(months)) == ("2021-01", "2022-12", 24)
    assert load(settings, con, path) == 2
    assert loaded(con) == [
        ("2021330000001", "1", "0.25", "0.75", 2021),
        ("2022330000002", "2", "0", "0", 2022),
    ]


def test_older_adjusted_serious_style_takes_the_year_from_the_index(settings, con, tmp_path):
    path = write(
        tmp_path / CASUALTY_LOOKUP,
        ADJUSTED_SERIOUS_STYLE,
        [
            "2019330000001,1,1,0.0251234,0.9748766,1",
            "2019330000001,2,2,0.4,0.6,0",
            "2020330000009,1,1,0.999,0.001,1",
            "2018330000005,1,1,0.4,0.6,0",  # before the history start (2019-01): left out
        ],
    )
    assert load(settings, con, path) == 3
    assert loaded(con) == [
        ("2019330000001", "1", "0.0251234", "0.9748766", 2019),
        ("2019330000001", "2", "0.4", "0.6", 2019),
        ("2020330000009", "1", "0.999", "0.001", 2020),
    ]
    assert con.execute(
        "select distinct vehicle_reference, casualty_injury_based from "
        "raw.stats19_casualty_adjustment where casualty_reference = '2'"
    ).fetchall() == [("2", "0")]


def test_accident_index_identity_and_the_guides_spelling_load(settings, con, tmp_path):
    path = write(
        tmp_path / CASUALTY_FIVE_YEARS,
        ACCIDENT_IDENTITY,
        ["2020330000001,2020,330000001,1,0.3,0.7", "2020330000001,2020,330000001,2,0.6,0.4"],
    )
    assert load(settings, con, path) == 2
    assert [row[:2] for row in loaded(con)] == [("2020330000001", "1"), ("2020330000001", "2")]


def test_the_collision_lookup_is_the_same_per_collision(settings, con, tmp_path):
    path = write(
        tmp_path / COLLISION_LOOKUP,
        "accident_index,Adjusted_Serious,Adjusted_Slight,Injury_Based",
        ["2019330000001,0.102342824232806,0.897657175767194,0"],
    )
    assert load(settings, con, path, "collision") == 1
    assert loaded(con, "collision") == [
        ("2019330000001", "0.102342824232806", "0.897657175767194", 2019)
    ]


def test_a_newer_file_replaces_the_years_it_holds(settings, con, tmp_path):
    first = write(
        tmp_path / CASUALTY_LOOKUP,
        ADJUSTED_SERIOUS_STYLE,
        ["2019330000001,1,1,0.1,0.9,1", "2020330000002,1,1,0.2,0.8,1"],
    )
    load(settings, con, first)
    newer = write(
        tmp_path / CASUALTY_FIVE_YEARS, NEW_GENERATION, ["2020330000003,2020,x,1,0.3,0.7,1"]
    )
    load(settings, con, newer)
    assert [row[0] for row in loaded(con)] == ["2019330000001", "2020330000003"]


@pytest.mark.parametrize(
    ("header", "rows", "line", "column", "problem", "expected"),
    [
        (
            ADJUSTED_SERIOUS_STYLE,
            ["2019330000001,1,1,0.2,0.8,1", "2019330000002,1,1,1.2,-0.2,1"],
            3,
            "casualty_adjusted_severity_serious",
            "not a number from 0 to 1",
            "from 0 to 1",
        ),
        (
            ADJUSTED_SERIOUS_STYLE,
            ["2019330000001,1,1,-1,-1,1"],
            2,
            "casualty_adjusted_severity_serious",
            "not a number from 0 to 1",
            "from 0 to 1",
        ),
        (
            ADJUSTED_SERIOUS_STYLE,
            ["2019330000001,1,1,0.2,,1"],
            2,
            "casualty_adjusted_severity_slight",
            "not a number from 0 to 1",
            "from 0 to 1",
        ),
        (
            ADJUSTED_SERIOUS_STYLE,
            ["2019330000001,1,1,0.2,0.8,1", "2019330000002,1,1,0.2,0.7,1"],
            3,
            "casualty_adjusted_severity_serious",
            "do not add up to 1",
            "serious + slight = 1",
        ),
        (
            "accident_index,Casualty_Reference,Adjusted_Serious",
            ["2019330000001,1,0.2"],
            1,
            "casualty_adjusted_severity_slight",
            "is missing",
            "adjusted_slight",
        ),
        (
            "accident_index,Adjusted_Serious,Adjusted_Slight",
            ["2019330000001,0.2,0.8"],
            1,
            "casualty_reference",
            "is missing",
            "casualty_reference",
        ),
        (
            ADJUSTED_SERIOUS_STYLE,
            ["2019330000001,1,1,0.2,0.8,1", "2019330000001,1,1,0.3,0.7,1"],
            2,
            "casualty_reference",
            "on lines 2 and 3",
            "one row per casualty",
        ),
    ],
)
def test_bad_lookups_are_refused_naming_line_column_and_expected(
    settings, con, tmp_path, header, rows, line, column, problem, expected
):
    path = write(tmp_path / CASUALTY_LOOKUP, header, rows)
    with pytest.raises(FileRefused) as refused:
        Stats19AdjustmentFormat("casualty", settings).stage(con, path, path.name)
    assert (refused.value.row, refused.value.column) == (line, column)
    assert problem in refused.value.problem and expected in refused.value.expected
    assert refused.value.file_name == CASUALTY_LOOKUP
    assert con.execute("select count(*) from raw.stats19_casualty_adjustment").fetchone() == (0,)


def test_a_lookup_of_only_other_forces_is_refused(settings, con, tmp_path):
    path = write(
        tmp_path / CASUALTY_LOOKUP, ADJUSTED_SERIOUS_STYLE, ["2019010000001,1,1,0.2,0.8,1"]
    )
    with pytest.raises(FileRefused, match="no rows for the configured forces"):
        Stats19AdjustmentFormat("casualty", settings).partitions_of(
            LandedFile("stats19", path, "0" * 64)
        )
