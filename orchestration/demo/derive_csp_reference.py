"""Derive the national CSP seeds from the real public lookups and population files.

Run by hand when the real files change (it is not part of ``make run``)::

    .venv/bin/python -m orchestration.demo.derive_csp_reference ../shared/data/real

It writes facts, not rows of the files: ``seeds/csps.csv`` (every Community Safety Partnership
of England and Wales with its police force area, from the ONS December 2019 LAD -> CSP -> PFA
lookup), ``seeds/csp_population.csv`` (each CSP's mid-year population, the sum of its local
authorities' ONS mid-year estimates) and the illustrative ``seeds/csp_families.csv``.
"""

from __future__ import annotations

import csv
import math
import sys
from collections import defaultdict
from pathlib import Path

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
LOOKUP = (
    "lookups/Local_Authority_District_to_Community_Safety_Partnerships_to_Police_Force_Areas_"
    "(December_2019)_Lookup_in_England_and_Wales.csv"
)
POPULATION = "population/la_all_ages.csv"
REAL_YEARS = range(2016, 2022)
LAST_YEAR = 2025  # the demo runs to 2025/26: later mid-years are carried forward
FAMILY_SIZE = 15  # the Home Office's CSP families are groups of about 15
FAMILY_FROM = "2019-04-01"
HOME_PFA = "E23000021"
# Said once in seeds/_seeds.yml; each row says only which kind of figure it is.
SOURCE_REAL = "ONS mid-year estimate (NOMIS ualad19 LAs summed via LAD->CSP Dec 2019)"
SOURCE_CARRIED = "provisional: carried forward from mid-{year}"
FAMILY_SOURCE = (
    "illustrative (nearest 14 English CSPs by mid-2019 population), not the Home Office's "
    "family list"
)


def main(real: Path) -> None:
    with (real / LOOKUP).open(newline="", encoding="utf-8-sig") as handle:
        lookup = list(csv.DictReader(handle))
    la_population: dict[str, dict[int, int]] = {}
    with (real / POPULATION).open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            if row["Area"].startswith("ualad19:"):
                la_population[row["mnemonic"]] = {
                    y: int(row[str(y)]) for y in REAL_YEARS if row[str(y)].strip("- ")
                }
    csps: dict[str, dict[str, str]] = {}
    las: dict[str, list[str]] = defaultdict(list)
    for row in lookup:
        csps[row["CSP19CD"]] = {
            "csp_code": row["CSP19CD"],
            "csp_name": row["CSP19NM"],
            "pfa_code": row["PFA19CD"],
            "pfa_name": row["PFA19NM"],
        }
        las[row["CSP19CD"]].append(row["LAD19CD"])
    source = "ONS LAD to CSP to PFA lookup, December 2019"
    _write(SEEDS / "csps.csv", [{**c, "source": source} for c in sorted(csps.values(), key=_key)])
    population_rows = []
    mid_2019 = {}
    for code, csp in sorted(csps.items()):
        last_real, last_value = None, None
        for year in range(REAL_YEARS.start, LAST_YEAR + 1):
            values = [la_population[la].get(year) for la in las[code]]
            if year in REAL_YEARS and all(v is not None for v in values):
                last_real, last_value = year, sum(values)
                population, provisional, note = last_value, "false", SOURCE_REAL
            else:
                population, provisional = last_value, "true"
                note = SOURCE_CARRIED.format(year=last_real)
            population_rows.append(
                {"csp_code": code, "csp_name": csp["csp_name"], "mid_year": year,
                 "population": population, "is_provisional": provisional, "source": note}
            )  # fmt: skip
            if year == 2019:
                mid_2019[code] = population
    _write(SEEDS / "csp_population.csv", population_rows)
    english = [c for c in csps if c.startswith("E")]
    family_rows = []
    for home in sorted(c for c in csps if csps[c]["pfa_code"] == HOME_PFA):
        nearest = sorted(english, key=lambda c: (abs(math.log(mid_2019[c] / mid_2019[home])), c))[
            :FAMILY_SIZE
        ]
        family_rows += [
            {"csp_code": home, "family_csp_code": member, "effective_from": FAMILY_FROM,
             "effective_to": "", "source": FAMILY_SOURCE}
            for member in sorted(nearest)
        ]  # fmt: skip
    _write(SEEDS / "csp_families.csv", family_rows)


def _key(csp: dict[str, str]) -> str:
    return csp["csp_code"]


def _write(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
