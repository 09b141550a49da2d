"""The police.uk GX suite: passes good rows, warns on oddities, errors on breakage."""

import pandas as pd
import pytest

from orchestration.defs.police_uk.format import RAW_COLUMNS
from orchestration.quality.expectation_suites import run_suite

PARAMS = {"months": ["2024-06"], "forces": ["Leicestershire Police"]}


def frame(rows: list[dict]) -> pd.DataFrame:
    base = {c: None for c in RAW_COLUMNS}
    df = pd.DataFrame([{**base, **row} for row in rows])
    df["longitude_num"] = pd.to_numeric(df["longitude"])
    df["latitude_num"] = pd.to_numeric(df["latitude"])
    return df


def crime(**overrides) -> dict:
    row = {
        "crime_id": "a" * 64, "month": "2024-06", "reported_by": "Leicestershire Police",
        "falls_within": "Leicestershire Police", "longitude": "-1.13", "latitude": "52.63",
        "location": "On or near High Street", "lsoa_code": "E01025631",
        "lsoa_name": "Blaby 002A", "crime_type": "Burglary",
        "last_outcome_category": "Under investigation",
    }  # fmt: skip
    return {**row, **overrides}


def asb(**overrides) -> dict:
    return crime(
        crime_id=None, crime_type="Anti-social behaviour", last_outcome_category=None, **overrides
    )


@pytest.fixture(scope="module")
def good_rows() -> list[dict]:
    return [crime(), asb(), crime(crime_type="Robbery", crime_id="b" * 64)] * 10


def test_good_rows_pass(good_rows):
    outcome = run_suite("police_uk_street", frame(good_rows), PARAMS)
    assert outcome.failures == [] and outcome.rows == 30 and outcome.evaluated >= 10


def test_a_new_outcome_category_is_a_warning_not_an_error(good_rows):
    rows = [*good_rows, crime(last_outcome_category="Offender given a community resolution")]
    outcome = run_suite("police_uk_street", frame(rows), PARAMS)
    assert outcome.errors == []
    [warning] = outcome.warnings
    assert warning.column == "last_outcome_category" and warning.unexpected_count == 1
    assert warning.examples == ["Offender given a community resolution"]


@pytest.mark.parametrize(
    ("bad_row", "column"),
    [
        (crime(crime_id=None), "crime_id"),
        (crime(month="2024-05"), "month"),
        (crime(falls_within="Nottinghamshire Police"), "falls_within"),
        (crime(latitude="40.1"), "latitude_num"),
        (crime(lsoa_name="Blaby"), "lsoa_name"),
    ],
)
def test_breakage_is_an_error_naming_the_column(good_rows, bad_row, column):
    outcome = run_suite("police_uk_street", frame([*good_rows, bad_row]), PARAMS)
    assert [f.column for f in outcome.errors] == [column]
