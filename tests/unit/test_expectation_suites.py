"""The police.uk GX suite: passes good rows, warns on oddities, errors on breakage, and says
where in words and line numbers, never with the values in the cells."""

import pandas as pd
import pytest

from orchestration.defs.police_uk.format import RAW_COLUMNS
from orchestration.quality.expectation_suites import run_suite

PARAMS = {"months": ["2024-06"], "forces": ["Leicestershire Police"]}


def frame(rows: list[dict]) -> pd.DataFrame:
    base = {c: None for c in RAW_COLUMNS}
    df = pd.DataFrame([{**base, **row} for row in rows])
    df["source_line"] = range(2, len(df) + 2)
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
    assert warning.lines == (32,)  # the 31st row: line 32 of its file
    assert "community resolution" not in str(warning)  # where, never what the cell holds


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


def test_a_failure_says_what_where_how_many_and_what_was_expected(good_rows):
    rows = [*good_rows]
    for line in (5, 9, 12, 20, 25, 28, 30):  # lines 5.. hold rows 4..; make them broken
        rows[line - 2] = crime(longitude="12.5", crime_type="Burglary")
    outcome = run_suite("police_uk_street", frame(rows), PARAMS)

    [error] = outcome.errors
    assert error.column == "longitude_num" and error.unexpected_count == 7
    assert error.lines == (5, 9, 12, 20, 25)  # the first five
    text = str(outcome.refusal("2024-06-leicestershire-street.csv"))
    assert text.startswith("file 2024-06-leicestershire-street.csv: ")
    assert "inside Great Britain" in text  # the suite's meta.why
    assert "7 rows in column 'longitude_num'" in text
    assert "lines 5, 9, 12, 20, 25 and 2 more" in text
    assert "expect_column_values_to_be_between" in text
    assert "expected longitude_num from -8.7 to 1.8" in text
    assert "12.5" not in text


def test_a_conditional_expectation_names_its_condition(good_rows):
    outcome = run_suite("police_uk_street", frame([*good_rows, crime(crime_id=None)]), PARAMS)
    [error] = outcome.errors
    assert error.expected == (
        'a value in crime_id on every row where crime_type != "Anti-social behaviour"'
    )
    assert error.lines == (32,)


def test_an_expectation_that_cannot_be_evaluated_fails_closed(good_rows):
    broken_frame = frame(good_rows).drop(columns=["longitude_num"])
    outcome = run_suite("police_uk_street", broken_frame, PARAMS)
    [error] = outcome.errors  # an error-level expectation GX could not run refuses the rows
    assert error.column == "longitude_num"
    assert "could not be evaluated" in str(error)


def test_frame_rules_are_the_tolerances_and_name_the_columns_they_read():
    from orchestration.quality.expectation_suites import (
        frame_rule_columns,
        has_frame_rules,
        load_suite_definition,
        run_suite_here,
    )

    # lsoa_code may be empty on a few rows ("No Location"), not on many: a tolerance.
    assert frame_rule_columns("police_uk_street") == ["lsoa_code", "source_file", "source_line"]
    assert not has_frame_rules("police_uk_outcomes")
    rules = load_suite_definition("police_uk_street")["expectations"]
    tolerances = sum("mostly" in e["kwargs"] for e in rules)
    frame = pd.DataFrame({"lsoa_code": [None] * 3 + ["E01025631"] * 7, "source_line": range(10)})
    outcome = run_suite_here("police_uk_street", frame, PARAMS, rules="frame")
    assert outcome.evaluated == tolerances == 1
    [warning] = outcome.warnings  # 70% located, under the 90% expected
    assert warning.column == "lsoa_code"


def test_a_validated_frame_is_not_kept_by_the_reused_validation():
    """Each suite's validation definition is built once and reused (building it was most of a
    small run's cost); the frame a run was handed must not outlive the run, or the suite worker
    would hold a national batch beside the next one."""
    import gc
    import weakref

    from orchestration.quality.expectation_suites import run_suite_here

    rows = frame([crime(), crime(crime_id=None)])
    first = run_suite_here("police_uk_street", rows, PARAMS, release=False)
    kept = weakref.ref(rows)
    del rows
    gc.collect()
    assert kept() is None
    # The reused definition gives the same verdict on the next frame.
    assert (
        run_suite_here("police_uk_street", frame([crime(), crime(crime_id=None)]), PARAMS) == first
    )


def test_rows_are_validated_without_hashing_the_frame(good_rows, monkeypatch):
    """GX's batch fingerprint (a hash of every row, kept only as metadata) is not computed: a
    frame that cannot be hashed is validated all the same, and bad rows are still found."""
    from great_expectations.execution_engine import pandas_execution_engine

    def refuse(frame):
        raise AssertionError("the frame was hashed")

    monkeypatch.setattr(pandas_execution_engine, "hash_pandas_dataframe", refuse)
    outcome = run_suite("police_uk_street", frame(good_rows), PARAMS)
    assert outcome.failures == [] and outcome.rows == 30
    outcome = run_suite("police_uk_street", frame([*good_rows, crime(month="2024-13")]), PARAMS)
    assert [f.column for f in outcome.errors] == ["month"]
