"""Demo DfT STATS19 files: collision, casualty and vehicle CSVs per year, as DfT publishes them.

UTF-8 with BOM, CRLF, rows in no particular order; ``accident_*`` column names up to 2023 and
``collision_*`` from 2024 (the 2024 rename); the 2019 files spell the adjusted columns as the
data guide does (``casualty_adjusted_serious``). Final files for complete years, a provisional
mid-year file (January-June) for the last year. A few Nottinghamshire rows ride along, as in
DfT's national files, to be filtered out.

Calibrated to the metric catalogue: adjusted KSI for FY 2024/25 equals the dashboard baseline
(metric 62) and the rolling year to June 2025 lands near its "latest".
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from orchestration.demo.crime_model import MonthKey, _stable_seed, catalogue_figures, year_level
from orchestration.demo.police_uk import lsoas

SOURCE = "stats19"
HOME_CODE, NEIGHBOUR_CODE = 33, 31
NEIGHBOUR_SHARE = 0.05
KSI_METRIC = "62"

# Severity mix of casualties and the mean adjusted-serious probability by recorded severity.
P_FATAL, P_SERIOUS = 0.03, 0.15
ADJ_SERIOUS_BETA = {2: (8.0, 1.4), 3: (0.6, 9.4)}
EXPECTED_KSI_PER_CASUALTY = P_FATAL + P_SERIOUS * 8 / 9.4 + (1 - P_FATAL - P_SERIOUS) * 0.06
# Level of each financial year's adjusted KSI relative to FY 2024/25 (earlier years: 2018's).
YEAR_LEVEL = {2018: 1.12, 2019: 1.1, 2020: 0.84, 2021: 0.95, 2022: 1.0, 2023: 1.02, 2024: 1.0}
SEASON = np.array([0.92, 0.97, 1.0, 1.02, 0.98, 1.0, 1.06, 1.1, 1.05, 0.95, 0.93, 1.02])  # Apr..Mar
SEASON = SEASON * 12 / SEASON.sum()

# ONS local authority code -> STATS19 numeric local_authority_district (older files).
LA_DISTRICT = {
    "E07000129": 360, "E07000132": 361, "E07000130": 362, "E07000131": 363, "E06000016": 364,
    "E07000133": 365, "E07000134": 366, "E07000135": 367, "E06000017": 368,
}  # fmt: skip
LA_BY_NAME = {
    "Blaby": "E07000129", "Hinckley and Bosworth": "E07000132", "Charnwood": "E07000130",
    "Harborough": "E07000131", "Leicester": "E06000016", "Melton": "E07000133",
    "North West Leicestershire": "E07000134", "Oadby and Wigston": "E07000135",
    "Rutland": "E06000017",
}  # fmt: skip


@dataclass
class Casualty:
    month: MonthKey
    severity: int
    adjusted_serious: float
    age: int
    casualty_class: int


def fy_adjusted_ksi(fy: int) -> float:
    baseline, latest = (float(v) for v in catalogue_figures(KSI_METRIC))
    if fy <= 2024:
        return baseline * year_level(YEAR_LEVEL, fy)
    # After the baseline: the level that puts the year to June 2025 at the dashboard's latest.
    q1_share = SEASON[:3].sum()
    return (latest * 12 - baseline * (12 - q1_share)) / q1_share


@cache
def fy_casualties(fy: int, seed: int) -> tuple[tuple[Casualty, ...], ...]:
    """Twelve months (April..March) of home-force casualties for one financial year."""
    rng = np.random.default_rng(_stable_seed(seed, "stats19", fy))
    target = fy_adjusted_ksi(fy)
    expected = target / EXPECTED_KSI_PER_CASUALTY / 12 * SEASON
    counts = rng.poisson(expected * rng.gamma(40, 1 / 40, size=12))
    months = [MonthKey(fy + (m + 3) // 12, (m + 3) % 12 + 1) for m in range(12)]
    casualties: list[list[Casualty]] = []
    for month, n in zip(months, counts, strict=True):
        severity = rng.choice([1, 2, 3], size=n, p=[P_FATAL, P_SERIOUS, 1 - P_FATAL - P_SERIOUS])
        adjusted = np.zeros(n)
        for level, (a, b) in ADJ_SERIOUS_BETA.items():
            mask = severity == level
            adjusted[mask] = rng.beta(a, b, size=mask.sum())
        ages = rng.integers(5, 90, size=n)
        classes = rng.choice([1, 2, 3], size=n, p=[0.6, 0.25, 0.15])
        casualties.append(
            [
                Casualty(month, int(s), float(a), int(g), int(c))
                for s, a, g, c in zip(severity, adjusted, ages, classes, strict=True)
            ]
        )
    # Scale the non-fatal probabilities so the year's adjusted KSI is the calibrated figure.
    fatal = sum(c.severity == 1 for month in casualties for c in month)
    non_fatal = sum(c.adjusted_serious for month in casualties for c in month if c.severity != 1)
    factor = (target - fatal) / non_fatal if non_fatal else 1.0
    for month in casualties:
        for c in month:
            if c.severity != 1:
                c.adjusted_serious = min(c.adjusted_serious * factor, 1.0)
    return tuple(tuple(month) for month in casualties)


def month_casualties(month: MonthKey, seed: int) -> tuple[Casualty, ...]:
    return fy_casualties(month.fy_start_year, seed)[month.fiscal_index]


def _places(rng: np.random.Generator, n: int) -> list[tuple[str, str, float, float]]:
    """(LA code, LSOA code, longitude, latitude) for n collisions, spread like the LSOAs."""
    pool = [lsoa for lsoa in lsoas() if lsoa.in_force_area and lsoa.weight_before_2024 > 0]
    weights = np.array([lsoa.weight_before_2024 for lsoa in pool])
    picks = rng.choice(len(pool), size=n, p=weights / weights.sum())
    return [
        (LA_BY_NAME[pool[i].la_name], pool[i].code, pool[i].longitude, pool[i].latitude)
        for i in picks
    ]


def year_tables(year: int, last_month: int, seed: int) -> dict[str, list[dict[str, object]]]:
    """Collision, casualty and vehicle rows of one calendar year, months 1..last_month."""
    rng = np.random.default_rng(_stable_seed(seed, "stats19-year", year))
    tables: dict[str, list[dict[str, object]]] = defaultdict(list)
    serial = 0
    for month_number in range(1, last_month + 1):
        month = MonthKey(year, month_number)
        home = list(month_casualties(month, seed))
        neighbour_n = rng.poisson(len(home) * NEIGHBOUR_SHARE / (1 - NEIGHBOUR_SHARE))
        for force, casualties in ((HOME_CODE, home), (NEIGHBOUR_CODE, [None] * neighbour_n)):
            sizes = []
            remaining = len(casualties)
            while remaining > 0:
                size = min(1 + rng.poisson(0.35), remaining)
                sizes.append(size)
                remaining -= size
            places = _places(rng, len(sizes))
            start = 0
            for size, place in zip(sizes, places, strict=True):
                serial += 1
                index = f"{year}{force:02d}{serial:07d}"
                group = casualties[start : start + size]
                start += size
                if force == NEIGHBOUR_CODE:
                    group = [Casualty(month, 3, float(rng.beta(0.6, 9.4)), 30, 1) for _ in group]
                    place = ("E06000018", "E01013812", -1.15, 52.95)
                vehicles = max(1, min(size, 1 + rng.poisson(0.6)))
                day = int(rng.integers(1, 29))
                tables["collision"].append(
                    {
                        "index": index,
                        "year": year,
                        "ref": index[4:],
                        "police_force": force,
                        "severity": min(c.severity for c in group),
                        "vehicles": vehicles,
                        "casualties": size,
                        "date": f"{day:02d}/{month_number:02d}/{year}",
                        "time": f"{int(rng.integers(0, 24)):02d}:{int(rng.integers(0, 60)):02d}",
                        "la_district": LA_DISTRICT.get(place[0], -1),
                        "la_ons": place[0],
                        "lsoa": place[1],
                        "lon": round(place[2] + rng.normal(0, 0.01), 6),
                        "lat": round(place[3] + rng.normal(0, 0.01), 6),
                        "urban": 1 if place[0] == "E06000016" else int(rng.choice([1, 2])),
                        "adj_serious": max(
                            (1.0 if c.severity == 1 else c.adjusted_serious for c in group),
                            default=0,
                        ),
                    }
                )
                for number in range(1, vehicles + 1):
                    tables["vehicle"].append(
                        {
                            "index": index,
                            "year": year,
                            "ref": index[4:],
                            "vehicle": number,
                            "type": int(rng.choice([9, 9, 9, 1, 3, 11, 19])),
                            "age_of_driver": int(rng.integers(17, 85)),
                        }
                    )
                for number, casualty in enumerate(group, start=1):
                    fatal = casualty.severity == 1
                    tables["casualty"].append(
                        {
                            "index": index,
                            "year": year,
                            "ref": index[4:],
                            "vehicle": min(number, vehicles),
                            "casualty": number,
                            "class": casualty.casualty_class,
                            "severity": casualty.severity,
                            "age": casualty.age,
                            "type": 9,
                            "adj_serious": 0.0 if fatal else round(casualty.adjusted_serious, 6),
                            "adj_slight": 0.0 if fatal else round(1 - casualty.adjusted_serious, 6),
                        }
                    )
    return tables


def _header(table: str, year: int) -> list[tuple[str, str]]:
    """(column name in this year's file, key in the generated row)."""
    old = year <= 2023
    ident = [
        ("accident_index" if old else "collision_index", "index"),
        ("accident_year" if old else "collision_year", "year"),
        ("accident_reference" if old else "collision_ref_no", "ref"),
    ]
    guide_spelling = year == 2019
    if table == "collision":
        return [
            *ident, ("longitude", "lon"), ("latitude", "lat"), ("police_force", "police_force"),
            ("accident_severity" if old else "collision_severity", "severity"),
            ("number_of_vehicles", "vehicles"), ("number_of_casualties", "casualties"),
            ("date", "date"), ("time", "time"), ("local_authority_district", "la_district"),
            ("local_authority_ons_district", "la_ons"), ("urban_or_rural_area", "urban"),
            ("lsoa_of_accident_location", "lsoa"),
            ("collision_adjusted_serious" if guide_spelling
             else "collision_adjusted_severity_serious", "adj_serious"),
        ]  # fmt: skip
    if table == "casualty":
        return [
            *ident, ("vehicle_reference", "vehicle"), ("casualty_reference", "casualty"),
            ("casualty_class", "class"), ("casualty_severity", "severity"),
            ("age_of_casualty", "age"), ("casualty_type", "type"),
            ("casualty_adjusted_serious" if guide_spelling
             else "casualty_adjusted_severity_serious", "adj_serious"),
            ("casualty_adjusted_slight" if guide_spelling
             else "casualty_adjusted_severity_slight", "adj_slight"),
        ]  # fmt: skip
    return [*ident, ("vehicle_reference", "vehicle"), ("vehicle_type", "type"),
            ("age_of_driver", "age_of_driver")]  # fmt: skip


def write_year(out_dir: Path, year: int, last_month: int, seed: int) -> list[tuple[Path, int]]:
    """Write the year's three files; a year cut short is the provisional mid-year release."""
    folder = out_dir / SOURCE
    folder.mkdir(parents=True, exist_ok=True)
    provisional = last_month < 12
    tables = year_tables(year, last_month, seed)
    rng = np.random.default_rng(_stable_seed(seed, "stats19-order", year))
    written = []
    for table in ("collision", "casualty", "vehicle"):
        stem = "provisional-mid-year-unvalidated-" if provisional else ""
        path = folder / f"dft-road-casualty-statistics-{table}-{stem}{year}.csv"
        columns = _header(table, year)
        rows = tables[table]
        order = rng.permutation(len(rows))  # DfT's rows are not in index order
        partial = path.with_suffix(".csv.part")
        with partial.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow([name for name, _ in columns])
            for i in order:
                writer.writerow([rows[i][key] for _, key in columns])
        partial.replace(path)
        written.append((path, len(rows)))
    return written


def releases(months: list[MonthKey]) -> list[tuple[int, int]]:
    """(year, last month) of the files published by the last month: final years, then the
    provisional January-June of the last year once its first half has ended."""
    first, last = months[0], months[-1]
    years = [(year, 12) for year in range(first.year, last.year)]
    if last.month >= 7:
        years.append((last.year, 6))
    return years
