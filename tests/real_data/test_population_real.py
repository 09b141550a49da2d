"""The population seed agrees with the ONS files in ../shared, read in place.

The seed's mid-2011..mid-2020 figures were taken from the mid-2020 release's MYE4 sheet (an
.xls, which needs xlrd, not a project dependency). These tests check them by other routes:
mid-2016..mid-2020 against the NOMIS extract (`la_all_ages.csv`, un-rebased values) and mid-2011
and mid-2022 against the mid-2022 release's MYE4 (`mye22final.xlsx`).
"""

from __future__ import annotations

import csv

import pytest
from openpyxl import load_workbook

from orchestration.settings import SEEDS_DIR
from tests.conftest import REAL_DATA_DIR, require_shared

pytestmark = pytest.mark.real_data

POPULATION = REAL_DATA_DIR / "population"


def seed_population() -> dict[tuple[str, int], int]:
    with (SEEDS_DIR / "population.csv").open(newline="", encoding="utf-8") as handle:
        return {
            (row["area_code"], int(row["mid_year"])): int(row["population"])
            for row in csv.DictReader(handle)
        }


def seed_areas() -> set[str]:
    return {area for area, _ in seed_population()}


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
