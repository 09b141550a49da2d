"""`pcp demo-data` refuses a month range it cannot generate with one error line naming the
option, the value given and what was expected: exit status 2, no traceback, nothing written.
The library call (`month_range`, which `write_demo_data` uses) refuses the same ranges."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.demo import MonthRangeError, month_range
from orchestration.demo.crime_model import MonthKey
from orchestration.settings import SEEDS_DIR

PCP = Path(sys.executable).with_name("pcp")  # the installed command, as a user runs it
FORM = "expected a month as YYYY-MM (e.g. 2019-04)"


def population_years() -> tuple[int, int]:
    """First and last mid-year of the population seed, read here rather than from the code."""
    with (SEEDS_DIR / "population.csv").open(newline="", encoding="utf-8") as handle:
        years = {int(row["mid_year"]) for row in csv.DictReader(handle)}
    return min(years), max(years)


def too_early(start: str) -> str:
    first, last = population_years()
    return (
        f"--start {start}: demo data needs a population estimate; the population seed covers "
        f"mid-{first} to mid-{last}, so the earliest start is {first}-04"
    )


# (--start, --end, the error line after "Error: ")
BAD_RANGES = [
    ("2025-13", "2025-09", f"--start '2025-13': {FORM}"),
    ("2025-00", "2025-09", f"--start '2025-00': {FORM}"),
    ("2025/04", "2025-09", f"--start '2025/04': {FORM}"),
    ("abc", "2025-09", f"--start 'abc': {FORM}"),
    ("2025-4", "2025-09", f"--start '2025-4': {FORM}"),
    ("2019-04", "abc", f"--end 'abc': {FORM}"),
    ("2019-04", "2019-01", "--end 2019-01 is before --start 2019-04"),
    ("2009-04", "2009-06", too_early("2009-04")),
    ("2011-03", "2011-06", too_early("2011-03")),
]


@pytest.mark.parametrize(("start", "end", "message"), BAD_RANGES)
def test_month_range_refuses_with_the_message_the_command_prints(start, end, message):
    with pytest.raises(MonthRangeError) as refused:
        month_range(start, end)
    assert str(refused.value) == message


@pytest.mark.parametrize(("start", "end", "message"), BAD_RANGES)
def test_pcp_demo_data_refuses_a_bad_range_in_one_line_with_exit_status_2(
    tmp_path, start, end, message
):
    out = tmp_path / "landing"
    result = subprocess.run(
        [str(PCP), "demo-data", "--out", str(out), "--start", start, "--end", end],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert errors == [f"Error: {message}"]
    assert result.stdout == ""
    assert not out.exists()  # refused before anything was written


def test_the_first_month_with_a_population_estimate_is_accepted():
    first, _ = population_years()
    assert month_range(f"{first}-04", f"{first}-05") == [MonthKey(first, 4), MonthKey(first, 5)]
