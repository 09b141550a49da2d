"""The real police.uk months in ../shared, read in place, reconcile exactly with the warehouse.

Expected figures come from the files themselves and ONS lookups (LSOA code -> local authority
-> Community Safety Partnership), a different route from the warehouse's, which reads the
authority from the LSOA name.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from orchestration.demo.police_uk import write_street_csv
from orchestration.refresh import refresh
from tests.conftest import REAL_DATA_DIR, land_copies, require_shared

pytestmark = [pytest.mark.real_data, pytest.mark.slow]

STREET_DIR = REAL_DATA_DIR / "police_uk_street_leicestershire"
STREET_2024_DIR = REAL_DATA_DIR / "police_uk_street_leicestershire_2024"
LOOKUPS = REAL_DATA_DIR / "lookups"
LAD_TO_CSP = "Local_Authority_District_to_Community_Safety_Partnerships_to_Police_Force_Areas_(December_2019)_Lookup_in_England_and_Wales.csv"
LSOA11_TO_LAD = (
    "Lower_Layer_Super_Output_Area_(2011)_to_Ward_(2019)_Lookup_in_England_and_Wales.csv"
)


def csp_of_lad() -> dict[str, str]:
    with (LOOKUPS / LAD_TO_CSP).open(newline="", encoding="utf-8-sig") as handle:
        return {
            r["LAD19CD"]: r["CSP19CD"]
            for r in csv.DictReader(handle)
            if r["PFA19CD"] == "E23000021"
        }


def csp_by_lsoa11() -> dict[str, str]:
    csps = csp_of_lad()
    with (LOOKUPS / LSOA11_TO_LAD).open(newline="", encoding="utf-8-sig") as handle:
        return {r["LSOA11CD"]: csps.get(r["LAD19CD"], "ZZ-OUTSIDE") for r in csv.DictReader(handle)}


def csp_by_msoa_name() -> dict[str, str]:
    """MSOA name ("Charnwood 009") -> CSP, from the ONS-derived MSOA lookup (both vintages)."""
    csps = csp_of_lad()
    with (LOOKUPS / "msoa_la.csv").open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    lookup = {}
    for row in rows:
        for name in (row["MSOANM"], row["MSOA11NM"]):
            if name:
                lookup[name] = csps.get(row["LADCD_ACTIVE"], "ZZ-OUTSIDE")
    return lookup


def expected_from_files(files: list[Path], place) -> Counter:
    counts: Counter = Counter()
    for path in files:
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                csp = place(row) if row["LSOA code"] else "ZZ-NOLOC"
                counts[(row["Month"], csp, row["Crime type"])] += 1
    return counts


def mart_month_counts(warehouse: Path) -> Counter:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            """select strftime(period_start, '%Y-%m'), csp_code, crime_type, crime_count
               from marts.mart_csp_crime where period_type = 'month' and crime_count > 0"""
        ).fetchall()
    return Counter({(m, c, t): n for m, c, t, n in rows})


def land_in_place(settings, files: list[Path]) -> None:
    """Deliver the real files into the test's landing (copies in its temporary data dir)."""
    land_copies(settings.landing_for("police_uk"), files)


def test_all_35_real_months_reconcile_exactly_per_csp(settings):
    files = sorted(require_shared(STREET_DIR, "Real police.uk street files").glob("*.csv"))
    assert len(files) == 35
    land_in_place(settings, files)

    summary = refresh(settings)

    assert summary.ok, summary.refused
    assert len(summary.months) == 35 and summary.months[0] == "2019-12"
    assert sum(rows for _, _, rows in summary.loaded) == 301_838
    lookup = csp_by_lsoa11()
    expected = expected_from_files(files, lambda row: lookup[row["LSOA code"]])
    actual = mart_month_counts(settings.warehouse_path)
    assert actual == expected
    # Per month and crime type the mart's members add up to the file's rows.
    by_month_type: Counter = Counter()
    for (month, _, crime_type), n in actual.items():
        by_month_type[(month, crime_type)] += n
    for path in files:
        with path.open(newline="", encoding="utf-8") as handle:
            in_file = Counter((r["Month"], r["Crime type"]) for r in csv.DictReader(handle))
        assert {k: v for k, v in by_month_type.items() if k[0] == path.name[:7]} == in_file
    # Sanity against PROVENANCE.md's own figures.
    leicester = sum(n for (_, csp, _), n in actual.items() if csp == "E22000168")
    assert leicester == 141_592
    assert sum(n for (_, csp, _), n in actual.items() if csp == "ZZ-NOLOC") == 7_463


def test_2024_months_with_2021_lsoa_codes_reconcile(settings):
    files = sorted(require_shared(STREET_2024_DIR, "Real police.uk 2024 files").glob("*.csv"))
    land_in_place(settings, files)

    assert refresh(settings).ok

    by_msoa = csp_by_msoa_name()
    expected = expected_from_files(files, lambda row: by_msoa[row["LSOA name"][:-1]])
    assert mart_month_counts(settings.warehouse_path) == expected
    assert sum(expected.values()) == 34_601


def test_the_demo_writer_reproduces_a_real_file_byte_for_byte(tmp_path):
    real = (
        require_shared(STREET_DIR, "Real police.uk street files")
        / "2019-12-leicestershire-street.csv"
    )
    with real.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))[1:]
    rewritten = tmp_path / real.name
    write_street_csv(rewritten, rows)
    assert rewritten.read_bytes() == real.read_bytes()


def test_a_truncated_real_file_is_refused_and_a_cp1252_copy_loads(settings):
    source = require_shared(STREET_DIR, "Real police.uk street files")
    good = (source / "2022-09-leicestershire-street.csv").read_bytes()
    lines = good.count(b"\r\n")
    folder = settings.landing_for("police_uk")
    folder.mkdir(parents=True, exist_ok=True)
    truncated = (source / "2022-10-leicestershire-street.csv").read_bytes()[:-200]
    broken_line = truncated.count(b"\r\n") + 1  # the partial line after the last line end
    (folder / "2022-10-leicestershire-street.csv").write_bytes(truncated)
    # Saved from Excel: Windows-1252 with a non-ASCII street name in it.
    text = good.decode("utf-8").replace("On or near ", "On or near Café ", 1)
    (folder / "2022-09-leicestershire-street.csv").write_bytes(text.encode("cp1252"))

    summary = refresh(settings)

    assert summary.months == ["2022-09"]
    assert [name for name, _ in summary.refused] == ["2022-10-leicestershire-street.csv"]
    assert f"line {broken_line}:" in summary.refused[0][1]
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        count, cafe = con.execute(
            "select count(*), count(*) filter (where location like 'On or near Café %') "
            "from raw.police_uk_street"
        ).fetchall()[0]
    assert (count, cafe) == (lines - 1, 1)
