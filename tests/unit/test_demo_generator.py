"""The demo generator: published format, deterministic, realistic, calibrated to the seed."""

from __future__ import annotations

import csv
import hashlib
import re
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from orchestration.defs.police_uk.format import CRIME_TYPES, HEADER
from orchestration.demo import home_office, month_range, stats19, write_demo_data
from orchestration.demo.crime_model import fy_expected_total, year_level
from orchestration.demo.police_uk import DATA_DIR as DEMO_DATA_DIR
from orchestration.reference import force_population
from orchestration.settings import SEEDS_DIR

SEED = 20250730
CALIBRATED = {  # crime type -> seed dashboard FY 2024/25 rate per 1,000
    "Burglary": 2.75,
    "Vehicle crime": 6.06,
    "Theft from the person": 0.80,
    "Robbery": 0.75,
    "Shoplifting": 7.6,
}
LATEST = {"Burglary": 2.54, "Vehicle crime": 5.88, "Theft from the person": 0.75,
          "Robbery": 0.77, "Shoplifting": 8.0}  # fmt: skip


def population(mid_year: int) -> int:
    """The force's residents: its local authorities' rows (not the seed's police force areas)."""
    with (SEEDS_DIR / "population.csv").open(newline="", encoding="utf-8") as handle:
        return sum(
            int(r["population"])
            for r in csv.DictReader(handle)
            if int(r["mid_year"]) == mid_year and not r["area_code"].startswith(("E23", "W15"))
        )


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    """April 2019 to September 2025, as `make run` writes it."""
    out = tmp_path_factory.mktemp("landing")
    write_demo_data(out, start="2019-04", end="2025-09", seed=SEED)
    return out / "police_uk"


@pytest.fixture(scope="module")
def monthly(demo) -> dict[str, Counter]:
    """month -> Counter of crime types, read straight from the files."""
    counts: dict[str, Counter] = {}
    for path in sorted(demo.glob("*-street.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            counts[path.name[:7]] = Counter(row["Crime type"] for row in csv.DictReader(handle))
    return counts


def fy_months(fy_start: int) -> list[str]:
    return [m.label for m in month_range(f"{fy_start}-04", f"{fy_start + 1}-03")]


def test_one_street_and_one_outcomes_file_per_month_named_as_police_uk_names_them(demo):
    names = sorted(p.name for p in demo.iterdir())
    assert len(names) == 2 * 78
    assert names[0] == "2019-04-leicestershire-outcomes.csv"
    assert names[-1] == "2025-09-leicestershire-street.csv"
    assert all(re.fullmatch(r"\d{4}-\d{2}-leicestershire-(street|outcomes)\.csv", n) for n in names)


def test_outcomes_files_agree_with_the_street_files(demo):
    """An outcome recorded in month M belongs to a crime of month M or earlier, and a crime's
    newest outcome in the outcomes files is its last outcome in the street file."""
    street: dict[str, tuple[str, str]] = {}
    for path in demo.glob("*-street.csv"):
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row["Crime ID"]:
                    street[row["Crime ID"]] = (row["Month"], row["Last outcome category"])
    latest: dict[str, tuple[str, str]] = {}
    for path in sorted(demo.glob("*-outcomes.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row["Crime ID"] not in street:
                    # Outcomes of crimes from before the first street file (up to 36 months).
                    assert row["Month"] < "2022-04"
                    continue
                crime_month, _ = street[row["Crime ID"]]
                assert crime_month <= row["Month"]
                latest[row["Crime ID"]] = (row["Month"], row["Outcome type"])
    assert len(latest) > 0.6 * len(street)
    assert all(street[crime][1] == outcome for crime, (_, outcome) in latest.items())
    pending = [c for c, (_, outcome) in street.items() if outcome == "Under investigation"]
    assert not set(pending) & set(latest)


def test_bytes_follow_the_published_format(demo):
    data = (demo / "2024-06-leicestershire-street.csv").read_bytes()
    assert data.startswith(",".join(HEADER).encode() + b"\r\n")
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    rows = list(csv.reader(data.decode("utf-8").splitlines()))[1:]
    assert all(len(r) == 12 for r in rows)
    # Minimal quoting: only fields holding a comma are quoted.
    for line in data.decode("utf-8").split("\r\n")[1:200]:
        for field in re.findall(r'"([^"]*)"', line):
            assert "," in field


def test_same_seed_same_bytes_and_a_month_does_not_depend_on_the_range(tmp_path, demo):
    write_demo_data(tmp_path / "a", start="2024-05", end="2025-09", seed=SEED)
    write_demo_data(tmp_path / "b", start="2024-05", end="2025-09", seed=SEED + 1)

    def digest(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    name = "2024-06-leicestershire-street.csv"
    assert digest(tmp_path / "a" / "police_uk" / name) == digest(demo / name)
    assert digest(tmp_path / "b" / "police_uk" / name) != digest(demo / name)


def test_every_demo_file_is_the_same_bytes_when_generated_again(tmp_path):
    """`make run` twice must load nothing twice: every source's files, CSV and XLSX alike."""

    def digests(root: Path) -> dict[str, str]:
        return {
            str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))
            if p.is_file()
        }

    write_demo_data(tmp_path / "first", start="2025-01", end="2025-06", seed=SEED)
    write_demo_data(tmp_path / "second", start="2025-01", end="2025-06", seed=SEED)
    first, second = digests(tmp_path / "first"), digests(tmp_path / "second")
    assert first == second
    assert any(name.endswith(".xlsx") for name in first)
    assert {name.split("/")[0] for name in first} == {
        "police_uk", "victim_survey", "home_office", "partner_returns", "csew",
    }  # fmt: skip


def test_police_uk_written_apart_is_the_same_files_as_written_in_process(tmp_path):
    """A long range writes police.uk in a second process: the same bytes and delivery times
    (so a warehouse built from either loads nothing twice), and the same summary."""

    def files(root: Path) -> dict[str, tuple[str, float]]:
        return {
            str(p.relative_to(root)): (
                hashlib.sha256(p.read_bytes()).hexdigest(),
                p.stat().st_mtime,
            )
            for p in sorted(root.rglob("*"))
            if p.is_file()
        }

    # With a peer force: apart, the home force's files and the peers' are written by two
    # processes, and the list of what was written still comes in one order.
    range_ = {"start": "2025-01", "end": "2025-04", "seed": SEED, "peer_forces": ("derbyshire",)}
    kept = write_demo_data(tmp_path / "kept", **range_, police_uk_apart=False)
    apart = write_demo_data(tmp_path / "apart", **range_, police_uk_apart=True)
    assert any("derbyshire" in path.name for path, _ in apart["police_uk"])
    assert [path.relative_to(tmp_path / "apart") for path, _ in apart["police_uk"]] == [
        path.relative_to(tmp_path / "kept") for path, _ in kept["police_uk"]
    ]
    assert files(tmp_path / "kept") == files(tmp_path / "apart")
    assert list(apart) == list(kept)  # the sources in the same order, as `pcp demo-data` prints
    assert [rows for _, rows in apart["police_uk"]] == [rows for _, rows in kept["police_uk"]]
    assert sum(rows for _, rows in apart["police_uk"]) > 10_000


def test_rows_look_like_police_uk_rows(demo, monthly):
    for month, counts in monthly.items():
        assert 7_000 <= sum(counts.values()) <= 11_500, month
        assert set(counts) == set(CRIME_TYPES), month
    with (demo / "2024-06-leicestershire-street.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    asb = [r for r in rows if r["Crime type"] == "Anti-social behaviour"]
    crimes = [r for r in rows if r["Crime type"] != "Anti-social behaviour"]
    assert asb and all(r["Crime ID"] == "" and r["Last outcome category"] == "" for r in asb)
    assert all(re.fullmatch(r"[0-9a-f]{64}", r["Crime ID"]) for r in crimes)
    assert len({r["Crime ID"] for r in crimes}) == len(crimes)
    assert all(r["Last outcome category"] for r in crimes)
    no_location = [r for r in rows if r["Location"] == "No Location"]
    assert 0.005 < len(no_location) / len(rows) < 0.06
    assert all(r["LSOA code"] == r["Longitude"] == "" for r in no_location)
    llr = {"Leicester", "Rutland", "Blaby", "Charnwood", "Harborough", "Hinckley and Bosworth",
           "Melton", "North West Leicestershire", "Oadby and Wigston"}  # fmt: skip
    outside = [r for r in rows if r["LSOA name"] and r["LSOA name"].rsplit(" ", 1)[0] not in llr]
    assert 0 < len(outside) / len(rows) < 0.01


def test_lsoa_codes_of_both_vintages_appear(demo):
    def codes(month: str) -> set[str]:
        with (demo / f"{month}-leicestershire-street.csv").open(newline="", encoding="utf-8") as h:
            return {r["LSOA code"] for r in csv.DictReader(h) if r["LSOA code"]}

    # Codes missing from the ONS 2011 LSOA lookup are 2021 codes (classified in lsoas.csv).
    with (DEMO_DATA_DIR / "lsoas.csv").open(newline="", encoding="utf-8") as handle:
        vintage = {r["lsoa_code"]: r["vintage"] for r in csv.DictReader(handle)}
    assert {vintage[c] for c in codes("2023-06")} <= {"2011", "both"}
    newer = Counter(vintage[c] for c in codes("2024-06"))
    assert newer["2021"] > 0 and newer["both"] > 0 and newer["2011"] == 0


def test_outcomes_settle_as_months_age(demo):
    def pending_share(month: str) -> float:
        with (demo / f"{month}-leicestershire-street.csv").open(newline="", encoding="utf-8") as h:
            rows = [r for r in csv.DictReader(h) if r["Crime ID"]]
        return sum(r["Last outcome category"] == "Under investigation" for r in rows) / len(rows)

    assert pending_share("2025-09") > 0.4 > 0.05 > pending_share("2023-09")


@pytest.mark.parametrize("crime_type", sorted(CALIBRATED))
def test_fy_2024_25_rates_are_within_5_percent_of_the_seed_baselines(monthly, crime_type):
    count = sum(monthly[m][crime_type] for m in fy_months(2024))
    rate = count / population(2024) * 1000
    assert rate == pytest.approx(CALIBRATED[crime_type], rel=0.05)


def test_neighbourhood_crime_is_near_the_seed_count(monthly):
    parts = ("Burglary", "Robbery", "Theft from the person", "Vehicle crime")
    count = sum(monthly[m][t] for m in fy_months(2024) for t in parts)
    # The police.uk types approximate the Home Office definition (the brief: ~11,800 vs 11,545).
    assert 11_000 < count < 12_300


@pytest.mark.parametrize("crime_type", sorted(LATEST))
def test_year_to_q1_2025_26_is_near_the_seed_latest(monthly, crime_type):
    months = [m.label for m in month_range("2024-07", "2025-06")]
    rate = sum(monthly[m][crime_type] for m in months) / population(2025) * 1000
    assert rate == pytest.approx(LATEST[crime_type], rel=0.08)


def pearson_dispersion(series: dict[str, int]) -> tuple[float, int]:
    """Pearson chi-square / df of monthly counts around a seasonal mean (year x month-of-year).

    Computed here from scratch (not with the generator's code): expected = year total x the
    month's share of all years' counts.
    """
    by_year: dict[int, dict[int, int]] = defaultdict(dict)
    for label, count in series.items():
        year, month = int(label[:4]), int(label[5:])
        fy = year if month >= 4 else year - 1
        by_year[fy][(month - 4) % 12] = count
    years = sorted(fy for fy, months in by_year.items() if len(months) == 12)
    table = np.array([[by_year[fy][m] for m in range(12)] for fy in years], dtype=float)
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    chi2 = float(((table - expected) ** 2 / expected).sum())
    df = (len(years) - 1) * 11
    return chi2 / df, df


@pytest.mark.parametrize("crime_type", ["Shoplifting", "Violence and sexual offences", "Burglary"])
def test_monthly_counts_are_over_dispersed_like_real_crime(monthly, crime_type):
    phi, df = pearson_dispersion({m: c[crime_type] for m, c in monthly.items()})
    assert phi > 1.5
    # And significantly so: Poisson noise alone would give chi-square/df near 1.
    assert stats.chi2.sf(phi * df, df) < 0.001


def test_crime_is_seasonal(monthly):
    violence = {m: c["Violence and sexual offences"] for m, c in monthly.items()}
    summer = np.mean([violence[f"{y}-07"] for y in range(2019, 2025)])
    winter = np.mean([violence[f"{y}-02"] for y in range(2020, 2025)])
    assert summer > winter * 1.1


def test_history_before_the_level_tables_is_flat_not_a_step_back_to_the_baseline():
    """Years before a level table's first (2018 for crime and KSI, 2019 for the Home Office
    table) keep that year's level: ASB, shoplifting and bicycle theft must not snap to their
    FY 2024/25 level (half or 1.5 times 2018's) at the table's edge."""
    for crime_type in CRIME_TYPES:
        edge = fy_expected_total(crime_type, 2018)
        for fy in range(2011, 2018):
            # Calibrated types move with the population only (1.02m in 2011, 1.09m in 2018).
            assert fy_expected_total(crime_type, fy) == pytest.approx(edge, rel=0.08), (
                crime_type,
                fy,
            )
    assert stats19.fy_adjusted_ksi(2011) == stats19.fy_adjusted_ksi(2018)
    assert year_level(home_office.YEAR_LEVEL, 2011) == home_office.YEAR_LEVEL[2019]


@pytest.mark.parametrize("start", ["2011-04", "2015-04"])
def test_early_history_is_written_with_volumes_like_2019s(tmp_path, monthly, start):
    """`make bench` writes ten years from 2015-04; the population seed reaches back to 2011."""
    year = int(start[:4])
    end = f"{year}-06"
    written = write_demo_data(tmp_path, start=start, end=end, seed=SEED)
    street = sorted((tmp_path / "police_uk").glob("*-street.csv"))
    assert [p.name[:7] for p in street] == [m.label for m in month_range(start, end)]
    for path, same_month_2019 in zip(street, ("2019-04", "2019-05", "2019-06"), strict=True):
        with path.open(newline="", encoding="utf-8") as handle:
            crimes = sum(1 for _ in csv.DictReader(handle))
        assert 0.85 <= crimes / monthly[same_month_2019].total() <= 1.1, path.name
    # Partner returns give a rate's count on that year's population.
    rows = [
        row
        for path, _ in written["partner_returns"]
        if path.suffix == ".csv"
        for row in csv.DictReader(path.read_text(encoding="utf-8").splitlines())
        if row["numerator"] and row["denominator"] == ""
    ]
    assert rows and all(row["period"].startswith(f"{year}/") for row in rows)
    for row in rows:
        expected = float(row["value"]) * force_population(year) / 1000
        assert int(row["numerator"]) == round(expected)
