"""Plausibility rules, one test per rule: a figure outside its unit's range, an unknown area,
CSP, force or metric, a repeated key, and a Home Office quarter short of a CSP each refuse the
file, naming the file, line, column, what was found and what was expected; the good file
beside it loads; and a refused file leaves what was loaded before exactly as it was.
(The 10x rule, "loaded but suspect", is a dbt unit test: a_figure_ten_times_off_its_recent_range
_is_suspect in dbt_project/models/intermediate/_int_metric_periods_unit_tests.yml.)
Real DuckDB, real files, real Great Expectations where a rule lives in a suite."""

from __future__ import annotations

import duckdb
import pytest

from orchestration.defs.csew.format import CsewFormat
from orchestration.defs.home_office.checks import CSP_CRIME_SUITE
from orchestration.defs.home_office.format import CspCrimeFormat
from orchestration.defs.partner_returns.checks import RETURNS_SUITE
from orchestration.defs.partner_returns.format import PartnerReturnFormat
from orchestration.defs.stats19.format import Stats19Format
from orchestration.defs.victim_survey.format import VictimSurveyFormat
from orchestration.landing.files import LandedFile
from orchestration.landing.refusal import FileRefused
from orchestration.reference import metric_catalogue, metric_units
from orchestration.settings import Settings, load_settings
from tests.unit.test_intake_audit import manifest, raw_rows, take
from tests.unit.test_returns_and_tables_formats import (
    CSEW_HEADER,
    HO_HEADER,
    LLR_CSPS,
    RETURN_HEADER,
    write,
)


@pytest.fixture
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def refusal(fmt, con, path) -> FileRefused:
    with pytest.raises(FileRefused) as refused:
        fmt.stage(con, path, path.name)
    return refused.value


def assert_names(refused: FileRefused, name: str, line: int | None, column: str, found, expected):
    """The refusal says which file, line and column, what was found and what was expected."""
    assert (refused.file_name, refused.row, refused.column) == (name, line, column)
    assert refused.found == found
    assert expected in refused.expected
    text = str(refused)
    assert text.startswith(f"file {name}")
    assert (f"line {line}, " in text) == (line is not None)
    assert f"column '{column}'" in text and expected in text
    if refused.found_described:  # described, not quoted
        assert f"(found {found}; not shown:" in text
    elif found is not None:
        assert repr(found) in text


def partner_row(metric: str, area: str, period: str, value: str, num="", den="") -> list[str]:
    return [metric, area, period, value, num, den, "Someone", "2025-07-08"]


# Counts never negative, rates within the range their unit declares (seeds/metric_units.csv)


def test_every_catalogue_unit_has_a_declared_range():
    assert {m["unit"] for m in metric_catalogue().values()} <= set(metric_units())
    assert (metric_units()["percent"]["min_value"], metric_units()["percent"]["max_value"]) == (
        "0",
        "100",
    )
    assert metric_units()["proportion"]["max_value"] == "1"
    # Counts and hours stop at a billion a row: beyond, the marts' exact sums overflow.
    for unit in ("count", "hours"):
        assert (metric_units()[unit]["min_value"], metric_units()[unit]["max_value"]) == (
            "0",
            "1000000000",
        )


@pytest.mark.parametrize(
    ("row", "column", "found", "expected"),
    [
        # The hostile return: -660 neighbourhood officers (metric 24, a count).
        (
            partner_row("24", "E23000021", "2025/26-Q1", "-660"),
            "value",
            "-660",
            "from 0 to 1000000000",
        ),
        (partner_row("78", "E23000021", "2025/26-Q1", "187"), "value", "187", "from 0 to 100"),
        (
            partner_row("14", "E23000021", "2025/26-Q1", "-3.5"),
            "value",
            "-3.5",
            "from 0 to 1000000000",
        ),
        (partner_row("56", "Blaby", "2025/26-Q1", "1500"), "value", "1500", "from 0 to 1000"),
        (
            partner_row("78", "E23000021", "2025/26-Q1", "50", "-5", "-10"),
            "numerator",
            "-5",
            "from 0 to 1000000000",
        ),
        # Too large for the marts' exact sums, and numbers Python reads that are no figure.
        (
            partner_row("24", "E23000021", "2025/26-Q1", "9000000000000000000"),
            "value",
            "9000000000000000000",
            "from 0 to 1000000000",
        ),
        (
            partner_row("78", "E23000021", "2025/26-Q1", "50", "5", "1e10"),
            "denominator",
            "1e10",
            "from 0 to 1000000000",
        ),
        (partner_row("24", "E23000021", "2025/26-Q1", "inf"), "value", "inf", "a number in count"),
        (
            partner_row("78", "E23000021", "2025/26-Q1", "nan"),
            "value",
            "nan",
            "a number in percent",
        ),
        (
            partner_row("14", "E23000021", "2025/26-Q1", "1e400"),
            "value",
            "1e400",
            "a number in hours",
        ),
        (
            partner_row("78", "E23000021", "2025/26-Q1", "50", "NaN", "10"),
            "numerator",
            "NaN",
            "a number or empty",
        ),
    ],
)
def test_a_partner_figure_outside_its_units_range_is_refused(
    con, tmp_path, row, column, found, expected
):
    good = write(
        tmp_path / "partner-return-good.csv",
        RETURN_HEADER,
        [
            partner_row("24", "E23000021", "2025/26-Q1", "660"),
            partner_row("78", "E23000021", "2025/26-Q1", "0"),
            partner_row("14", "E23000021", "2025/26-Q1", "0"),
        ],
    )
    assert PartnerReturnFormat().stage(con, good, good.name) == 3
    bad = write(
        tmp_path / "partner-return-bad.csv",
        RETURN_HEADER,
        [
            partner_row("37", "Charnwood", "2025/26-Q1", "12"),
            row,
        ],
    )
    assert_names(refusal(PartnerReturnFormat(), con, bad), bad.name, 3, column, found, expected)


def test_a_csew_estimate_outside_0_100_is_refused(settings, con, tmp_path):
    bad = write(
        tmp_path / "csew-2025-03.csv",
        CSEW_HEADER,
        [
            ["Leicestershire Police", "2025-03", "confidence", "65.9", "62.1", "69.7", 600],
            ["Leicestershire Police", "2025-03", "good_job", "47", "43", "101", 600],
        ],
    )
    assert_names(
        refusal(CsewFormat(settings), con, bad), bad.name, 3, "ci_upper", "101", "from 0 to 100"
    )


def test_a_negative_stats19_count_is_refused(settings, con, tmp_path):
    header = "collision_index,collision_year,collision_ref_no,police_force,collision_severity,date,number_of_casualties"
    path = tmp_path / "dft-road-casualty-statistics-collision-2023.csv"
    path.write_text(
        f"{header}\n2023330000001,2023,330000001,33,2,14/03/2023,1\n"
        "2023330000002,2023,330000002,33,3,15/03/2023,-2\n"
    )
    assert_names(
        refusal(Stats19Format("collision", settings), con, path),
        path.name,
        3,
        "number_of_casualties",
        "-2",
        "from 0 to 1000000000",
    )


def test_a_stats19_count_too_large_to_sum_or_a_non_finite_decimal_is_refused(
    settings, con, tmp_path
):
    header = "collision_index,collision_year,collision_ref_no,police_force,collision_severity,date,number_of_casualties,collision_adjusted_severity_serious"
    path = tmp_path / "dft-road-casualty-statistics-collision-2023.csv"
    path.write_text(
        f"{header}\n2023330000001,2023,330000001,33,2,14/03/2023,1,0.5\n"
        "2023330000002,2023,330000002,33,3,15/03/2023,9000000000000000000,0\n"
    )
    assert_names(
        refusal(Stats19Format("collision", settings), con, path),
        path.name,
        3,
        "number_of_casualties",
        "9000000000000000000",
        "from 0 to 1000000000",
    )
    path.write_text(
        f"{header}\n2023330000001,2023,330000001,33,2,14/03/2023,1,0.5\n"
        "2023330000002,2023,330000002,33,3,15/03/2023,1,nan\n"
    )
    assert_names(
        refusal(Stats19Format("collision", settings), con, path),
        path.name,
        3,
        "collision_adjusted_severity_serious",
        "nan",
        "a number (decimal)",
    )


def test_a_home_office_count_too_large_to_sum_is_refused(settings, con, tmp_path):
    # 9e18 fits a BIGINT, so it passed intake; the marts' exact DECIMAL(38, 18) sum of a few
    # such rows overflowed and every build failed.
    rows = home_office_rows("2024/25", "1")
    rows[2][8] = "9000000000000000000"
    path = write(tmp_path / "prc-csp-huge.csv", HO_HEADER, rows)
    assert_names(
        refusal(CspCrimeFormat(settings), con, path),
        path.name,
        4,
        "number_of_offences",
        "9000000000000000000",
        "from 0 to 1000000000",
    )
    rows[2][8] = "-3"
    path = write(tmp_path / "prc-csp-negative.csv", HO_HEADER, rows)
    assert_names(
        refusal(CspCrimeFormat(settings), con, path),
        path.name,
        4,
        "number_of_offences",
        "-3",
        "from 0 to 1000000000",
    )
    rows[2][8] = "[x]"
    path = write(tmp_path / "prc-csp-text.csv", HO_HEADER, rows)
    assert_names(
        refusal(CspCrimeFormat(settings), con, path),
        path.name,
        4,
        "number_of_offences",
        "[x]",
        "a whole number from 0 to 1000000000",
    )


@pytest.mark.parametrize(
    ("cells", "column", "found", "expected"),
    [
        ({"unweighted_n": "5000000000"}, "unweighted_n", "5000000000", "from 0 to 1000000000"),
        ({"unweighted_n": "inf"}, "unweighted_n", "inf", "a whole number"),
        ({"estimate": "nan"}, "estimate", "nan", "from 0 to 100"),
        ({"ci_upper": "1e400"}, "ci_upper", "1e400", "from 0 to 100"),
    ],
)
def test_a_csew_figure_out_of_range_or_not_finite_is_refused(
    settings, con, tmp_path, cells, column, found, expected
):
    row = dict(
        zip(
            CSEW_HEADER,
            ["Leicestershire Police", "2025-03", "good_job", "47", "43", "51", "600"],
            strict=True,
        )
    )
    row.update(cells)
    path = write(
        tmp_path / "csew-2025-03.csv",
        CSEW_HEADER,
        [
            ["Leicestershire Police", "2025-03", "confidence", "65.9", "62.1", "69.7", 600],
            list(row.values()),
        ],
    )
    assert_names(refusal(CsewFormat(settings), con, path), path.name, 3, column, found, expected)


ONS_HEADER = ["Police Force Area", "Year ending", "Measure", "Estimate", "StandardError",
              "UnweightedCount"]  # fmt: skip


@pytest.mark.parametrize(
    ("estimate", "se", "column", "found"),
    [
        # A NaN standard error made the interval [0, 100]; a bad estimate was blamed on the
        # standard error.
        ("47", "nan", "standard_error", "nan"),
        ("47", "inf", "standard_error", "inf"),
        ("forty", "1.2", "estimate", "forty"),
        ("nan", "1.2", "estimate", "nan"),
    ],
)
def test_an_ons_estimate_or_standard_error_that_is_not_a_number_is_refused_by_its_column(
    settings, con, tmp_path, estimate, se, column, found
):
    path = write(
        tmp_path / "csew-ons.csv",
        ONS_HEADER,
        [
            [
                "Leicestershire",
                "Year ending March 2025",
                "Confidence in the local police",
                "65.9",
                "1.9",
                "600",
            ],
            [
                "Leicestershire",
                "Year ending March 2025",
                "Police do a good or excellent job",
                estimate,
                se,
                "600",
            ],
        ],
    )
    refused = refusal(CsewFormat(settings), con, path)
    assert (refused.row, refused.column, refused.found) == (3, column, found)


# Codes and names must be known: refuse the file and name the unknown value


def test_an_unknown_partner_area_or_metric_is_refused_by_name(con, tmp_path):
    path = write(
        tmp_path / "partner-return-x.csv",
        RETURN_HEADER,
        [
            partner_row("37", "Charnwood", "2025/26-Q1", "12"),
            partner_row("37", "E07999999", "2025/26-Q1", "12"),
        ],
    )
    assert_names(
        refusal(PartnerReturnFormat(), con, path),
        path.name,
        3,
        "area",
        "E07999999",
        "the force or a local authority / CSP",
    )
    path = write(
        tmp_path / "partner-return-y.csv",
        RETURN_HEADER,
        [
            partner_row("999", "Charnwood", "2025/26-Q1", "12"),
        ],
    )
    assert_names(
        refusal(PartnerReturnFormat(), con, path),
        path.name,
        2,
        "metric_id",
        "999",
        "a ref from the metric catalogue",
    )


def home_office_rows(year: str, quarter: str, csps=LLR_CSPS, count: str = "5") -> list[list[str]]:
    return [[year, quarter, "Leicestershire", csp, "Murder", "Violence against the person",
             "Homicide", "1", count] for csp in csps]  # fmt: skip


def test_an_unknown_csp_in_the_home_office_table_is_refused_by_name(settings, con, tmp_path):
    # The hostile table: a CSP "Atlantis" in place of Blaby. Loaded, it replaced the quarter
    # and Blaby became 0 in a quarter that still counted as complete.
    rows = home_office_rows("2024/25", "1", [c if c != "Blaby" else "Atlantis" for c in LLR_CSPS])
    path = write(tmp_path / "prc-csp-atlantis.csv", HO_HEADER, rows)
    assert_names(
        refusal(CspCrimeFormat(settings), con, path), path.name, 3, "csp_name", "Atlantis", "Blaby"
    )


def test_the_home_office_unassigned_row_and_other_forces_csps_load(settings, con, tmp_path):
    rows = [
        *home_office_rows("2024/25", "1"),
        *home_office_rows("2024/25", "1", ["Unassigned Leicestershire"]),
        ["2024/25", "1", "Nottinghamshire", "Ashfield", "Murder", "VAP", "Homicide", "1", "1"],
    ]
    path = write(tmp_path / "prc-csp-good.csv", HO_HEADER, rows)
    assert CspCrimeFormat(settings).stage(con, path, path.name) == 11  # Ashfield's row kept


def test_an_unknown_survey_area_code_is_refused_naming_its_line(con, tmp_path):
    """Named by line and column, described not quoted: a survey's cells are never quoted."""
    header = ["response_id", "response_date", "overall_satisfaction", "area_code", "comment"]
    name = "victim-survey-force-2025-04.csv"
    good = write(
        tmp_path / name,
        header,
        [
            ["F-1", "2025-04-01", "4", "E07000130", "fine"],
            ["F-2", "2025-04-02", "5", "E22000164", ""],  # a CSP code
            ["F-3", "2025-04-03", "5", "", ""],
            ["F-4", "2025-04-03", "5", "Leicester", ""],  # a known name: loads, the suite warns
        ],
    )
    assert VictimSurveyFormat().stage(con, good, name) == 4
    bad = write(
        tmp_path / name,
        header,
        [
            ["F-1", "2025-04-01", "4", "E07000130", "fine"],
            ["F-2", "2025-04-02", "5", "E07999999", "a comment"],
        ],
    )
    refused = refusal(VictimSurveyFormat(), con, bad)
    assert_names(refused, name, 3, "area_code", "9 characters", "a local authority or CSP code")
    assert refused.found_described
    assert "a comment" not in str(refused) and "E07999999" not in str(refused)


def test_an_unknown_stats19_police_force_code_is_refused_by_name(settings, con, tmp_path):
    header = "collision_index,collision_year,collision_ref_no,police_force,collision_severity,date"
    path = tmp_path / "dft-road-casualty-statistics-collision-2023.csv"
    # 99 is Police Scotland: a national file holds it, and it is known (not loaded).
    path.write_text(
        f"{header}\n2023330000001,2023,330000001,33,2,14/03/2023\n"
        "2023990000002,2023,990000002,99,3,15/03/2023\n"
    )
    assert Stats19Format("collision", settings).stage(con, path, path.name) == 1
    path.write_text(
        f"{header}\n2023330000001,2023,330000001,33,2,14/03/2023\n"
        "2023770000002,2023,770000002,77,3,15/03/2023\n"
    )
    assert_names(
        refusal(Stats19Format("collision", settings), con, path),
        path.name,
        3,
        "police_force",
        "77",
        "seeds/forces.csv",
    )


def test_an_unknown_csew_force_or_measure_is_refused_by_name(settings, con, tmp_path):
    path = write(
        tmp_path / "csew-2025-03.csv",
        CSEW_HEADER,
        [
            ["Leicestershire Police", "2025-03", "confidence", "65.9", "62.1", "69.7", 600],
            ["Atlantis Constabulary", "2025-03", "confidence", "60", "56", "64", 500],
        ],
    )
    assert_names(
        refusal(CsewFormat(settings), con, path),
        path.name,
        3,
        "force",
        "Atlantis Constabulary",
        "a force name",
    )


# Repeated keys refused, naming the lines


def test_a_repeated_partner_figure_is_refused_naming_its_lines(con, tmp_path):
    # Before, the last of the two silently won. "Blaby" and its code are the same area.
    path = write(
        tmp_path / "partner-return-x.csv",
        RETURN_HEADER,
        [
            partner_row("37", "Blaby", "2025/26-Q1", "12"),
            partner_row("37", "Charnwood", "2025/26-Q1", "9"),
            partner_row("37", "E07000129", "2025/26-Q1", "21"),
        ],
    )
    refused = refusal(PartnerReturnFormat(), con, path)
    assert_names(
        refused,
        path.name,
        2,
        "period",
        "37 x E07000129 x 2025/26-Q1",
        "one row per metric x area x period",
    )
    assert "lines 2 and 4" in refused.problem


def test_a_repeated_survey_response_is_refused_naming_its_lines(con, tmp_path):
    name = "victim-survey-force-2025-04.csv"
    path = write(
        tmp_path / name,
        ["response_id", "response_date", "overall_satisfaction"],
        [
            ["F-1", "2025-04-01", "4"],
            ["F-2", "2025-04-01", "4"],
            ["F-1", "2025-04-02", "3"],
            ["F-1", "2025-04-03", "3"],
        ],
    )
    refused = refusal(VictimSurveyFormat(), con, path)
    assert_names(refused, name, 2, "response_id", None, "one row per response id")
    assert "lines 2, 4 and 5" in refused.problem  # the lines, never the id (a survey's cell)


STATS19_IDENTITY = "collision_index,collision_year,collision_ref_no"


def with_2023_collisions(settings, con, tmp_path) -> None:
    """Casualties and vehicles take their collision's month: two collisions of 2023 loaded."""
    path = tmp_path / "dft-road-casualty-statistics-collision-2023.csv"
    path.write_text(
        f"{STATS19_IDENTITY},police_force,collision_severity,date\n"
        "2023330000001,2023,330000001,33,2,14/03/2023\n"
        "2023330000002,2023,330000002,33,3,15/03/2023\n"
    )
    collisions = Stats19Format("collision", settings)
    collisions.ensure_tables(con)
    assert collisions.stage(con, path, path.name) == 2
    collisions.replace(con, path.name, "sha-collisions")


def test_a_repeated_stats19_collision_is_refused_naming_its_lines(settings, con, tmp_path):
    path = tmp_path / "dft-road-casualty-statistics-collision-2023.csv"
    path.write_text(
        f"{STATS19_IDENTITY},police_force,collision_severity,date\n"
        "2023330000001,2023,330000001,33,2,14/03/2023\n"
        "2023330000001,2023,330000001,33,3,15/03/2023\n"
    )
    refused = refusal(Stats19Format("collision", settings), con, path)
    assert_names(refused, path.name, 2, "collision_index", "2023330000001", "one row per")
    assert "the same collision_index is on lines 2 and 3" in refused.problem


def test_a_repeated_stats19_casualty_is_refused_naming_its_lines(settings, con, tmp_path):
    """stg_stats19__casualties tests collision_index || ':' || casualty_reference unique: a
    repeat loaded would fail the whole dbt build, so the file is refused instead. The same
    casualty number in another collision, or another force's repeat (not loaded), is fine."""
    with_2023_collisions(settings, con, tmp_path)
    header = f"{STATS19_IDENTITY},vehicle_reference,casualty_reference,casualty_severity"
    path = tmp_path / "dft-road-casualty-statistics-casualty-2023.csv"
    path.write_text(
        f"{header}\n"
        "2023330000001,2023,330000001,1,1,3\n"
        "2023330000001,2023,330000001,1,2,3\n"
        "2023330000002,2023,330000002,1,1,2\n"
        "2023990000009,2023,990000009,1,1,3\n"
        "2023990000009,2023,990000009,1,1,3\n"
    )
    casualties = Stats19Format("casualty", settings)
    casualties.ensure_tables(con)
    assert casualties.stage(con, path, path.name) == 3
    path.write_text(
        f"{header}\n"
        "2023330000001,2023,330000001,1,1,3\n"
        "2023330000002,2023,330000002,1,1,2\n"
        "2023330000001,2023,330000001,2,1,2\n"
    )
    refused = refusal(casualties, con, path)
    assert_names(
        refused, path.name, 2, "casualty_reference", "2023330000001 x 1", "one row per casualty"
    )
    assert "lines 2 and 4" in refused.problem


def test_a_repeated_stats19_vehicle_is_refused_naming_its_lines(settings, con, tmp_path):
    with_2023_collisions(settings, con, tmp_path)
    header = f"{STATS19_IDENTITY},vehicle_reference"
    path = tmp_path / "dft-road-casualty-statistics-vehicle-2023.csv"
    path.write_text(
        f"{header}\n2023330000001,2023,330000001,1\n2023330000001,2023,330000001,2\n"
        "2023330000002,2023,330000002,1\n"
    )
    vehicles = Stats19Format("vehicle", settings)
    vehicles.ensure_tables(con)
    assert vehicles.stage(con, path, path.name) == 3
    path.write_text(
        f"{header}\n2023330000001,2023,330000001,1\n2023330000002,2023,330000002,1\n"
        "2023330000002,2023,330000002,2\n2023330000002,2023,330000002,1\n"
    )
    refused = refusal(vehicles, con, path)
    assert_names(
        refused, path.name, 3, "vehicle_reference", "2023330000002 x 1", "one row per vehicle"
    )
    assert "lines 3 and 5" in refused.problem


def test_a_repeated_csew_estimate_is_refused_naming_its_lines(settings, con, tmp_path):
    path = write(
        tmp_path / "csew-2025-03.csv",
        CSEW_HEADER,
        [
            ["Leicestershire Police", "2025-03", "confidence", "65.9", "62.1", "69.7", 600],
            [
                "Leicestershire Police",
                "Year ending March 2025",
                "confidence",
                "60",
                "56",
                "64",
                500,
            ],
        ],
    )
    refused = refusal(CsewFormat(settings), con, path)
    assert_names(
        refused,
        path.name,
        2,
        "measure",
        "leicestershire x 2025-03-01 x confidence",
        "one row per force x period x measure",
    )
    assert "lines 2 and 3" in refused.problem


def test_a_repeated_home_office_offence_row_is_refused_by_its_suite(settings):
    rows = [*home_office_rows("2024/25", "1"), *home_office_rows("2024/25", "1", ["Melton"], "7")]
    folder = settings.landing_for("home_office")
    folder.mkdir(parents=True, exist_ok=True)
    write(folder / "prc-csp-2024.csv", HO_HEADER, rows)

    result = take(settings, CspCrimeFormat(settings), CSP_CRIME_SUITE, "home_office")

    [refused] = result.refused
    assert refused.reason.startswith(
        "file prc-csp-2024.csv: rows break the Great Expectations suite home_office_csp_crime: "
        "one row per CSP x quarter x offence code: 2 rows in columns 'financial_year', "
        "'financial_quarter', 'csp_name', 'offence_code' (lines 7, 11; "
    )
    assert refused.reason.endswith(
        "expected each combination of financial_year, financial_quarter, csp_name, offence_code "
        "on one row only"
    )
    assert raw_rows(settings, "raw.home_office_csp_crime") == []


# A Home Office quarter covers every configured CSP or is refused as incomplete


def test_a_home_office_quarter_short_of_a_csp_is_refused_naming_the_missing(
    settings, con, tmp_path
):
    rows = [
        *home_office_rows("2024/25", "1"),
        *home_office_rows("2024/25", "2", [c for c in LLR_CSPS if c not in ("Blaby", "Rutland")]),
    ]
    path = write(tmp_path / "prc-csp-2024.csv", HO_HEADER, rows)
    refused = refusal(CspCrimeFormat(settings), con, path)
    assert_names(
        refused,
        path.name,
        None,
        "csp_name",
        None,
        "every quarter to cover all 9 CSPs of Leicestershire",
    )
    assert refused.problem == (
        "2024/25 quarter 2 is incomplete: no rows for Leicestershire CSPs Blaby, Rutland"
    )


def two_forces(monkeypatch) -> Settings:
    monkeypatch.setenv("PCP_FORCES", "leicestershire,nottinghamshire")
    return load_settings()


def notts_rows(year: str, quarter: str) -> list[list[str]]:
    # The areas seed lists no Nottinghamshire CSP: any of its CSPs is taken.
    return [[year, quarter, "Nottinghamshire", "Ashfield", "Murder", "VAP", "Homicide", "1", "2"]]


def test_a_home_office_quarter_without_a_configured_force_is_refused_and_wipes_nothing(
    settings, monkeypatch, tmp_path
):
    """A quarter replaces every configured force's rows: a file whose quarter holds only
    Nottinghamshire's rows would have deleted Leicestershire's (and the other way round)."""
    both = two_forces(monkeypatch)
    fmt = CspCrimeFormat(both)
    with duckdb.connect() as con:
        fmt.ensure_tables(con)
        first = write(
            tmp_path / "prc-csp-first.csv",
            HO_HEADER,
            [
                *home_office_rows("2024/25", "1"),
                *notts_rows("2024/25", "1"),
            ],
        )
        fmt.stage(con, first, first.name)
        fmt.replace(con, first.name, "a" * 64)
        before = con.execute("select * from raw.home_office_csp_crime order by all").fetchall()
        assert {r[2] for r in before} == {"Leicestershire", "Nottinghamshire"}

        only_notts = write(
            tmp_path / "prc-csp-notts.csv",
            HO_HEADER,
            [
                *home_office_rows("2024/25", "2"),
                *notts_rows("2024/25", "2"),
                *notts_rows("2024/25", "1"),
            ],
        )
        refused = refusal(fmt, con, only_notts)
        assert_names(
            refused,
            only_notts.name,
            None,
            "force_name",
            None,
            "every quarter to hold rows for every configured force",
        )
        assert refused.problem == "2024/25 quarter 1 is incomplete: no rows for Leicestershire"

        only_leics = write(
            tmp_path / "prc-csp-leics.csv", HO_HEADER, home_office_rows("2024/25", "1")
        )
        refused = refusal(fmt, con, only_leics)
        assert refused.problem == "2024/25 quarter 1 is incomplete: no rows for Nottinghamshire"
        assert con.execute("select * from raw.home_office_csp_crime order by all").fetchall() == (
            before
        )


def test_a_home_office_quarter_that_is_not_1_to_4_is_refused_at_its_line(settings, con, tmp_path):
    # The staged table casts the quarter: 'Q1' was a DuckDB conversion error, a vague refusal.
    rows = home_office_rows("2024/25", "1")
    rows[4][1] = "Q1"
    path = write(tmp_path / "prc-csp-q1.csv", HO_HEADER, rows)
    assert_names(
        refusal(CspCrimeFormat(settings), con, path),
        path.name,
        6,
        "financial_quarter",
        "Q1",
        "1, 2, 3 or 4",
    )
    with pytest.raises(FileRefused) as early:  # as intake first asks it, for its quarters
        CspCrimeFormat(settings).partitions_of(LandedFile("home_office", path, "0" * 64))
    assert (early.value.row, early.value.column) == (6, "financial_quarter")


# Nothing refused changes what was loaded before


def test_a_refused_file_leaves_the_rows_loaded_before_unchanged(settings):
    """The hostile Home Office table (Atlantis for Blaby) and the hostile partner return (-660
    officers) arrive as revisions of files that loaded: both are refused, and every row
    loaded before stays exactly as it was, in raw and in the manifest."""
    home_office = settings.landing_for("home_office")
    home_office.mkdir(parents=True, exist_ok=True)
    returns = settings.landing_for("partner_returns")
    returns.mkdir(parents=True, exist_ok=True)
    table = home_office / "prc-csp-2024.csv"
    write(table, HO_HEADER, home_office_rows("2024/25", "1"))
    ret = returns / "partner-return-hr.csv"
    write(ret, RETURN_HEADER, [partner_row("24", "E23000021", "2025/26-Q1", "660")])
    csp = (CspCrimeFormat(settings), CSP_CRIME_SUITE, "home_office")
    partner = (PartnerReturnFormat(), RETURNS_SUITE, "partner_returns")
    assert len(take(settings, *csp).loaded) == 1
    assert len(take(settings, *partner).loaded) == 1
    before = (
        raw_rows(settings, "raw.home_office_csp_crime"),
        raw_rows(settings, "raw.partner_returns"),
    )
    assert ("Blaby", "5") in [(r[3], r[8]) for r in before[0]]

    write(
        table,
        HO_HEADER,
        home_office_rows(
            "2024/25", "1", [c if c != "Blaby" else "Atlantis" for c in LLR_CSPS], "6"
        ),
    )
    write(ret, RETURN_HEADER, [partner_row("24", "E23000021", "2025/26-Q1", "-660")])
    refused = [*take(settings, *csp).refused, *take(settings, *partner).refused]

    assert [r.name for r in refused] == ["prc-csp-2024.csv", "partner-return-hr.csv"]
    assert "(found 'Atlantis')" in refused[0].reason
    assert "(found '-660')" in refused[1].reason
    after = (
        raw_rows(settings, "raw.home_office_csp_crime"),
        raw_rows(settings, "raw.partner_returns"),
    )
    assert after == before
    statuses = sorted((name, status) for name, status, _, _ in manifest(settings))
    assert statuses == [
        ("partner-return-hr.csv", "loaded"), ("partner-return-hr.csv", "refused"),
        ("prc-csp-2024.csv", "loaded"), ("prc-csp-2024.csv", "refused"),
    ]  # fmt: skip
