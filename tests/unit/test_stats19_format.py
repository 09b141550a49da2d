"""STATS19 intake: both DfT column generations, force filtering, months, refusals."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.defs.stats19.format import Stats19Format, parse_file_name
from orchestration.landing.files import LandedFile
from orchestration.landing.refusal import FileNotReady, FileRefused

OLD_COLLISION = (
    "accident_index,accident_year,accident_reference,police_force,accident_severity,date,"
    "local_authority_ons_district,collision_adjusted_severity_serious"
)
NEW_CASUALTY = (
    "collision_index,collision_year,collision_ref_no,vehicle_reference,casualty_reference,"
    "casualty_severity,casualty_adjusted_serious"  # the data guide's spelling
)


def write(path: Path, header: str, rows: list[str], bom: bool = True) -> Path:
    text = "\r\n".join([header, *rows]) + "\r\n"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


@pytest.fixture
def con(settings):
    connection = duckdb.connect(str(settings.warehouse_path))
    for table in ("collision", "casualty", "vehicle"):
        Stats19Format(table, settings).ensure_tables(connection)
    yield connection
    connection.close()


def collisions_2023(tmp_path: Path) -> Path:
    return write(
        tmp_path / "dft-road-casualty-statistics-accident-2023.csv",
        OLD_COLLISION,
        [
            "2023330000001,2023,330000001,33,2,14/03/2023,E07000130,0.9",
            "2023330000002,2023,330000002,33,3,30/11/2023,E06000016,0.1",
            "2023310000003,2023,310000003,31,1,01/01/2023,E06000018,1",  # another force
        ],
    )


def test_file_names_give_table_year_and_months():
    final = parse_file_name("dft-road-casualty-statistics-collision-2024.csv")
    provisional = parse_file_name(
        "dft-road-casualty-statistics-casualty-provisional-mid-year-unvalidated-2025.csv"
    )
    older = parse_file_name("dft-road-casualty-statistics-accident-2019.csv")
    assert (final.table, final.year, final.months[0], final.months[-1]) == (
        "collision",
        2024,
        "2024-01",
        "2024-12",
    )
    assert (provisional.table, provisional.provisional, provisional.months[-1]) == (
        "casualty",
        True,
        "2025-06",
    )
    assert older.table == "collision"


def test_old_column_names_load_and_other_forces_are_left_out(settings, con, tmp_path):
    fmt = Stats19Format("collision", settings)
    path = collisions_2023(tmp_path)
    assert fmt.stage(con, path, path.name) == 2
    fmt.replace(con, path.name, "a" * 64)
    rows = con.execute(
        "select collision_index, collision_severity, strftime(partition_month, '%Y-%m'), source_line "
        "from raw.stats19_collision order by 1"
    ).fetchall()
    assert rows == [("2023330000001", "2", "2023-03", 2), ("2023330000002", "3", "2023-11", 3)]


def test_casualties_wait_for_their_collisions_then_take_their_month(settings, con, tmp_path):
    casualties = write(
        tmp_path / "dft-road-casualty-statistics-casualty-2023.csv",
        NEW_CASUALTY,
        ["2023330000001,2023,330000001,1,1,2,0.93", "2023310000003,2023,310000003,1,1,1,0"],
        bom=False,
    )
    fmt = Stats19Format("casualty", settings)
    with pytest.raises(FileNotReady, match="collision file for 2023"):
        fmt.stage(con, casualties, casualties.name)
    collisions = collisions_2023(tmp_path)
    collision_fmt = Stats19Format("collision", settings)
    collision_fmt.stage(con, collisions, collisions.name)
    collision_fmt.replace(con, collisions.name, "a" * 64)
    assert fmt.stage(con, casualties, casualties.name) == 1  # force 31 left out by its index
    fmt.replace(con, casualties.name, "b" * 64)
    assert con.execute(
        "select casualty_adjusted_severity_serious, strftime(partition_month, '%Y-%m') "
        "from raw.stats19_casualty"
    ).fetchall() == [("0.93", "2023-03")]


def test_a_casualty_without_its_collision_is_refused(settings, con, tmp_path):
    collisions = collisions_2023(tmp_path)
    collision_fmt = Stats19Format("collision", settings)
    collision_fmt.stage(con, collisions, collisions.name)
    collision_fmt.replace(con, collisions.name, "a" * 64)
    casualties = write(
        tmp_path / "dft-road-casualty-statistics-casualty-2023.csv",
        NEW_CASUALTY,
        ["2023330000001,2023,330000001,1,1,3,0.1", "2023330009999,2023,330009999,1,1,3,0.1"],
    )
    with pytest.raises(FileRefused) as refused:
        Stats19Format("casualty", settings).stage(con, casualties, casualties.name)
    assert (refused.value.row, refused.value.column, refused.value.found) == (
        3,
        "collision_index",
        "2023330009999",
    )


@pytest.mark.parametrize(
    ("rows", "header", "column", "problem"),
    [
        (
            ["2023330000001,2023,330000001,33,2,14/03/2023"],
            "accident_index,accident_year,accident_reference,police_force,date,x",
            "collision_severity",
            "missing",
        ),
        (
            ["2023330000001,2023,330000001,33,two,14/03/2023,E07000130,0.9"],
            OLD_COLLISION,
            "collision_severity",
            "text where a number",
        ),
        (
            ["2023330000001,2023,330000001,33,2,31/02/2023,E07000130,0.9"],
            OLD_COLLISION,
            "date",
            "not a date",
        ),
        (
            ["2023330000001,2023,330000001,33,2,14/03/2022,E07000130,0.9"],
            OLD_COLLISION,
            "date",
            "outside the months",
        ),
        (
            ["2023170000001,2023,170000001,17,2,14/03/2023,E06000001,0.9"],
            OLD_COLLISION,
            None,
            "none for the configured forces",
        ),
    ],
)
def test_structural_problems_are_refused_with_line_and_column(
    settings, con, tmp_path, rows, header, column, problem
):
    path = write(tmp_path / "dft-road-casualty-statistics-collision-2023.csv", header, rows)
    with pytest.raises(FileRefused) as refused:
        Stats19Format("collision", settings).stage(con, path, path.name)
    assert problem in refused.value.problem
    assert refused.value.column == column
    assert refused.value.row in (None, 1, 2)


def test_future_or_too_early_years_are_refused(settings):
    fmt = Stats19Format("collision", settings)
    for name in (
        "dft-road-casualty-statistics-collision-2026.csv",
        "dft-road-casualty-statistics-collision-2009.csv",
    ):
        with pytest.raises(FileRefused):
            fmt.partitions_of(LandedFile("stats19", Path(name), "0" * 64))


def test_the_final_year_replaces_the_provisional_months(settings, con, tmp_path):
    provisional = write(
        tmp_path
        / "dft-road-casualty-statistics-collision-provisional-mid-year-unvalidated-2023.csv",
        OLD_COLLISION,
        [
            "2023330000001,2023,330000001,33,3,14/03/2023,E07000130,0.1",
            "2023330000002,2023,330000002,33,3,20/05/2023,E07000130,0.1",
        ],
    )
    final = write(
        tmp_path / "dft-road-casualty-statistics-collision-2023.csv",
        OLD_COLLISION,
        [
            "2023330000001,2023,330000001,33,2,14/03/2023,E07000130,0.8",  # severity revised
            "2023330000007,2023,330000007,33,3,02/10/2023,E07000130,0.1",
        ],  # a late-reported one
    )
    fmt = Stats19Format("collision", settings)
    for path, replacing in ((provisional, False), (final, True)):
        fmt.stage(con, path, path.name)
        fmt.replace(con, path.name, path.name[:8] * 8, replacing)
    assert con.execute(
        "select collision_index, collision_severity, is_provisional, strftime(partition_month, '%Y-%m') "
        "from raw.stats19_collision order by 1"
    ).fetchall() == [
        ("2023330000001", "2", False, "2023-03"),
        ("2023330000007", "3", False, "2023-10"),
    ]


@pytest.mark.parametrize(
    ("name", "table", "span"),
    [
        ("dft-road-casualty-statistics-collision-last-5-years.csv", "collision", "last-5-years"),
        (
            "dft-road-casualty-statistics-vehicle-1979-latest-published-year.csv",
            "vehicle",
            "1979-latest-published-year",
        ),
        ("dft-road-casualty-statistics-casualty-last-5-years.csv", "casualty", "last-5-years"),
    ],
)
def test_many_year_file_names_say_their_table_and_not_a_year(settings, name, table, span):
    parsed = parse_file_name(name)
    assert (parsed.table, parsed.year, parsed.span, parsed.months) == (table, None, span, ())
    assert Stats19Format(table, settings).claims(name)


def test_the_data_guide_spelling_of_the_adjusted_collision_columns_loads(settings, con, tmp_path):
    path = write(
        tmp_path / "dft-road-casualty-statistics-collision-2023.csv",
        "collision_index,collision_year,collision_ref_no,police_force,collision_severity,date,"
        "collision_adjusted_serious,collision_adjusted_slight",
        ["2023330000001,2023,330000001,33,3,14/03/2023,0.25,0.75"],
        bom=False,
    )
    fmt = Stats19Format("collision", settings)
    fmt.stage(con, path, path.name)
    fmt.replace(con, path.name, "a" * 64)
    assert con.execute(
        "select collision_adjusted_severity_serious, collision_adjusted_severity_slight "
        "from raw.stats19_collision"
    ).fetchall() == [("0.25", "0.75")]


@pytest.mark.parametrize(
    ("last_line", "kind"),
    [
        ('2023330000009,2023,"CANARY-7f3 330000009,33,2,14/03/2023', "never closed"),
        ('2023330000009,2023,"CANARY-7f3"x,33,2,14/03/2023', "never closed"),
        ("2023330000009,2023,330000009,33,2,14/03/2023,CANARY-7f3", None),
    ],
)
def test_a_many_year_file_duckdb_cannot_read_is_refused_saying_only_what_kind(
    settings, tmp_path, last_line, kind
):
    """DuckDB's error quotes the line (and the path it read): the refusal says only what
    kind of error it was, and where, as for every other CSV."""
    header = "collision_index,collision_year,collision_ref_no,police_force,collision_severity,date"
    good = [f"20233300{i:05d},2023,3300{i:05d},33,2,14/03/2023" for i in range(30_000)]
    path = write(
        tmp_path / "dft-road-casualty-statistics-collision-last-5-years.csv",
        header,
        [*good, last_line],
        bom=False,
    )
    landed = LandedFile("stats19", path, "0" * 64)

    with pytest.raises(FileRefused) as refused:
        Stats19Format("collision", settings).partitions_of(landed)

    assert refused.value.problem.startswith("the CSV cannot be parsed")
    assert kind is None or kind in refused.value.problem
    assert refused.value.row == 30_002 and refused.value.found is None
    for leak in ("CANARY", str(tmp_path), "Error", "Original Line"):
        assert leak not in str(refused.value)
