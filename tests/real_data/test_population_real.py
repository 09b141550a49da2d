"""The population seed agrees with the ONS files in ../shared, read in place.

The seed's mid-2011..mid-2020 figures were taken from the mid-2020 release's MYE4 sheet (an
.xls, which needs xlrd, not a project dependency). These tests check them by other routes:
mid-2016..mid-2020 against the NOMIS extract (`la_all_ages.csv`, un-rebased values) and mid-2011
and mid-2022 against the mid-2022 release's MYE4 (`mye22final.xlsx`). The police force area
rows are checked the same way, each summed here from the same files' authorities with the ONS
LAD19 -> PFA19 lookup (authorities merged since 2019 through the LAD history).
"""

from __future__ import annotations

import csv

import pytest
from openpyxl import load_workbook

from orchestration.settings import SEEDS_DIR
from tests.conftest import REAL_DATA_DIR, require_shared

pytestmark = pytest.mark.real_data

POPULATION = REAL_DATA_DIR / "population"
LOOKUPS = REAL_DATA_DIR / "lookups"
LAD_TO_PFA = (
    "Local_Authority_District_to_Community_Safety_Partnerships_to_Police_Force_Areas_"
    "(December_2019)_Lookup_in_England_and_Wales.csv"
)


def seed_population() -> dict[tuple[str, int], int]:
    with (SEEDS_DIR / "population.csv").open(newline="", encoding="utf-8") as handle:
        return {
            (row["area_code"], int(row["mid_year"])): int(row["population"])
            for row in csv.DictReader(handle)
        }


def pfa_codes() -> set[str]:
    with (SEEDS_DIR / "forces.csv").open(newline="", encoding="utf-8") as handle:
        return {row["pfa_code"] for row in csv.DictReader(handle)}


def seed_areas() -> set[str]:
    """The local authorities (the seed's police force area rows are checked apart)."""
    return {area for area, _ in seed_population()} - pfa_codes()


def pfa_of_authority() -> dict[str, str]:
    """Local authority code -> police force area code: the ONS December 2019 lookup, and for an
    authority created since (North Northamptonshire, Cumberland, ...) the one force area of the
    2019 authorities it replaced (ONS LAD history)."""
    with (LOOKUPS / LAD_TO_PFA).open(newline="", encoding="utf-8-sig") as handle:
        lookup = {row["LAD19CD"]: row["PFA19CD"] for row in csv.DictReader(handle)}
    successors: dict[str, set[str]] = {}
    with (LOOKUPS / "la_all_codes.csv").open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            if row["LADCD"] in lookup:
                successors.setdefault(row["LADCD_ACTIVE"], set()).add(lookup[row["LADCD"]])
    for code, forces in successors.items():
        assert len(forces) == 1, (code, forces)  # no authority straddles two force areas
        lookup.setdefault(code, forces.pop())
    return lookup


def summed_by_pfa(by_authority: dict[str, int]) -> dict[str, int]:
    pfa = pfa_of_authority()
    totals: dict[str, int] = {}
    for code, population in by_authority.items():
        if code in pfa:
            totals[pfa[code]] = totals.get(pfa[code], 0) + population
    return totals


def test_mid_2016_to_mid_2020_match_the_nomis_extract():
    path = require_shared(POPULATION / "la_all_ages.csv", "NOMIS mid-year population extract")
    with path.open(newline="", encoding="utf-8") as handle:
        # Each authority appears under several geography prefixes with the same figures.
        nomis = {r["mnemonic"]: r for r in csv.DictReader(handle) if r["Area"].startswith("ladu:")}
    seed = seed_population()
    for area in seed_areas():
        for year in range(2016, 2021):
            assert seed[area, year] == int(nomis[area][str(year)]), (area, year)


def test_mid_2011_and_mid_2022_match_the_mid_2022_release():
    path = require_shared(POPULATION / "mye22final.xlsx", "ONS mid-2022 estimates (MYE4)")
    workbook = load_workbook(path, read_only=True, data_only=True)
    rows = list(workbook["MYE4"].iter_rows(values_only=True))
    workbook.close()
    header_at = next(i for i, row in enumerate(rows) if row[0] == "Code")
    header = rows[header_at]
    by_area = {row[0]: dict(zip(header, row, strict=True)) for row in rows[header_at + 1 :]}
    seed = seed_population()
    for area in seed_areas():
        assert seed[area, 2011] == by_area[area]["Mid-2011"], area
        assert seed[area, 2022] == by_area[area]["Mid-2022"], area


def test_police_force_areas_mid_2016_to_mid_2021_are_their_authorities_summed():
    path = require_shared(POPULATION / "la_all_ages.csv", "NOMIS mid-year population extract")
    require_shared(LOOKUPS / LAD_TO_PFA, "ONS LAD -> PFA lookup")
    with path.open(newline="", encoding="utf-8") as handle:
        nomis = [r for r in csv.DictReader(handle) if r["Area"].startswith("ladu:")]
    seed = seed_population()
    for year in range(2016, 2022):
        expected = summed_by_pfa({r["mnemonic"]: int(r[str(year)]) for r in nomis})
        assert set(expected) == pfa_codes(), year  # all 43 force areas, none left empty
        for pfa, population in expected.items():
            assert seed[pfa, year] == population, (pfa, year)


def test_police_force_areas_mid_2011_and_mid_2022_add_up_to_england_and_wales():
    path = require_shared(POPULATION / "mye22final.xlsx", "ONS mid-2022 estimates (MYE4)")
    workbook = load_workbook(path, read_only=True, data_only=True)
    rows = list(workbook["MYE4"].iter_rows(values_only=True))
    workbook.close()
    header_at = next(i for i, row in enumerate(rows) if row[0] == "Code")
    header = rows[header_at]
    by_area = {row[0]: dict(zip(header, row, strict=True)) for row in rows[header_at + 1 :]}
    seed = seed_population()
    for year in (2011, 2022):
        column = f"Mid-{year}"
        expected = summed_by_pfa({code: row[column] for code, row in by_area.items()})
        assert expected == {pfa: seed[pfa, year] for pfa in pfa_codes()}, year
        assert sum(expected.values()) == by_area["K04000001"][column], year
