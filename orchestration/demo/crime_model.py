"""How many crimes of each type the demo records each month.

Calibration comes from the project's own reference data, not from numbers repeated here: the
five calibrated crime types take their FY 2024/25 rate and their "latest" (rolling 12 months to
Q1 2025/26) from the metric catalogue seed, and the population from the population seed.

Monthly counts are over-dispersed, as real crime is: expected count x seasonality x a gamma
month effect, then Poisson. Within each financial year the draws are rescaled so the year lands
on its calibrated total (month-to-month variation is kept); a month's counts depend only on the
seed, the crime type and the financial year, so the same month comes out the same whatever
range is generated.
"""

from __future__ import annotations

import csv
import zlib
from dataclasses import dataclass
from functools import cache

import numpy as np

from orchestration.forces import all_forces
from orchestration.settings import SEEDS_DIR

BASELINE_FY = 2024  # FY 2024/25, the plan's baseline year

# police.uk crime type -> catalogue metric whose printed figures calibrate it.
CALIBRATED_BY_METRIC = {
    "Burglary": "69",
    "Vehicle crime": "70",
    "Theft from the person": "71",
    "Robbery": "72",
    "Shoplifting": "55",
}

# FY 2024/25 counts for the types the dashboard does not calibrate: police.uk Leicestershire
# levels in early 2024 (monthly mean x 12, rounded).
UNCALIBRATED_FY_COUNTS = {
    "Violence and sexual offences": 39_000,
    "Public order": 9_700,
    "Anti-social behaviour": 8_600,
    "Criminal damage and arson": 9_300,
    "Other theft": 7_900,
    "Drugs": 3_060,
    "Other crime": 2_300,
    "Bicycle theft": 1_240,
    "Possession of weapons": 960,
}

# Level of each financial year relative to FY 2024/25 (the pandemic dip, the shoplifting rise,
# the fall in recorded ASB after 2021), for history before the baseline. Years before a table's
# first year take that year's level (see `year_level`).
_GENERAL_YEAR_LEVEL = {2018: 1.02, 2019: 1.04, 2020: 0.93, 2021: 1.00, 2022: 1.03, 2023: 1.01}
_YEAR_LEVEL_BY_TYPE = {
    "Shoplifting": {2018: 0.66, 2019: 0.62, 2020: 0.45, 2021: 0.52, 2022: 0.66, 2023: 0.86},
    "Anti-social behaviour": {2018: 2.0, 2019: 2.1, 2020: 2.6, 2021: 1.6, 2022: 1.2, 2023: 1.05},
    "Bicycle theft": {2018: 1.5, 2019: 1.5, 2020: 1.6, 2021: 1.4, 2022: 1.3, 2023: 1.1},
}
_AFTER_BASELINE_LEVEL = 0.99  # uncalibrated types drift gently down after the baseline

# Seasonality, April..March (financial order), before normalising to mean 1.
_SEASONS = {
    "summer": (1.00, 1.08, 1.08, 1.10, 1.06, 1.02, 1.00, 0.95, 0.92, 0.90, 0.90, 0.99),
    "dark_nights": (0.92, 0.90, 0.88, 0.92, 0.95, 0.98, 1.08, 1.15, 1.12, 1.05, 1.02, 1.03),
    "retail": (0.97, 1.00, 0.97, 0.98, 0.98, 0.97, 1.02, 1.05, 1.08, 0.98, 0.96, 1.04),
    "flat": (1.0,) * 12,
}
_SEASON_OF = {
    "Anti-social behaviour": "summer",
    "Violence and sexual offences": "summer",
    "Public order": "summer",
    "Criminal damage and arson": "summer",
    "Bicycle theft": "summer",
    "Burglary": "dark_nights",
    "Vehicle crime": "dark_nights",
    "Robbery": "dark_nights",
    "Theft from the person": "retail",
    "Shoplifting": "retail",
}

# Month-effect coefficient of variation: variance = mu + (CV mu)^2, so over-dispersion grows
# with volume (phi around 3-4 for shoplifting, as the brief's worked example suggests).
MONTH_EFFECT_CV = 0.07

CRIME_TYPES = tuple(sorted([*CALIBRATED_BY_METRIC, *UNCALIBRATED_FY_COUNTS]))


def _percent_free(text: str) -> float:
    return float(text.replace(",", "").replace("%", ""))


@cache
def population_by_mid_year(pfa_code: str | None = None) -> dict[int, int]:
    """Mid-year -> residents: the home force's (the sum of its local authorities' rows), or,
    given ``pfa_code``, that police force area's own row (the seed holds every PFA, for peer
    forces)."""
    pfa_codes = {force.pfa_code for force in all_forces().values()}
    totals: dict[int, int] = {}
    with (SEEDS_DIR / "population.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            code = row["area_code"]
            wanted = code == pfa_code if pfa_code else code not in pfa_codes
            if not wanted:
                continue
            year = int(row["mid_year"])
            totals[year] = totals.get(year, 0) + int(row["population"])
    return totals


def population_for_fy(fy_start_year: int) -> int:
    """Mid-y estimate for FY y/y+1; the nearest published year outside the seed's range."""
    totals = population_by_mid_year()
    year = min(max(fy_start_year, min(totals)), max(totals))
    return totals[year]


@cache
def _catalogue() -> dict[str, dict[str, str]]:
    with (SEEDS_DIR / "metric_catalogue.csv").open(newline="", encoding="utf-8") as handle:
        return {row["metric_id"]: row for row in csv.DictReader(handle)}


def catalogue_figures(metric_id: str) -> tuple[float, float | None]:
    """(FY 2024/25 baseline, Q1 2025/26 latest or None) as the seed dashboard printed them."""
    row = _catalogue()[metric_id]
    latest = row["latest_q1_2025_26_as_printed"]
    return _percent_free(row["baseline_as_printed"]), _percent_free(latest) if latest else None


def catalogue_rates() -> dict[str, tuple[float, float]]:
    """Crime type -> (FY 2024/25 rate, latest R12 rate) per 1,000, as the seed printed them."""
    return {crime: catalogue_figures(metric) for crime, metric in CALIBRATED_BY_METRIC.items()}


def seasonality(crime_type: str) -> np.ndarray:
    """Twelve factors, April..March, mean exactly 1."""
    raw = np.array(_SEASONS[_SEASON_OF.get(crime_type, "flat")], dtype=float)
    return raw * 12 / raw.sum()


def year_level(levels: dict[int, float], fy_start_year: int, default: float = 1.0) -> float:
    """A financial year's level from a year -> level table; ``default`` for a year the table
    does not list. Years before the table's first carry its first level back: older history is
    flat rather than snapping back to the baseline level (a step no real series shows)."""
    first = min(levels)
    return levels[first] if fy_start_year < first else levels.get(fy_start_year, default)


def fy_expected_total(crime_type: str, fy_start_year: int) -> float:
    """Expected count for a whole financial year."""
    levels = _YEAR_LEVEL_BY_TYPE.get(crime_type, _GENERAL_YEAR_LEVEL)
    if crime_type in CALIBRATED_BY_METRIC:
        baseline, latest = catalogue_rates()[crime_type]
        if fy_start_year <= BASELINE_FY:
            level = year_level(levels, fy_start_year)
            return baseline * level * population_for_fy(fy_start_year) / 1000
        # After the baseline: the rate that makes the rolling 12 months to June 2025 (nine
        # baseline months + Q1 2025/26) come out at the dashboard's latest figure.
        season = seasonality(crime_type)
        q1_share = season[:3].sum()
        rate = (latest * 12 - baseline * (12 - q1_share)) / q1_share
        return rate * population_for_fy(fy_start_year) / 1000
    level = year_level(
        levels, fy_start_year, 1.0 if fy_start_year == BASELINE_FY else _AFTER_BASELINE_LEVEL
    )
    return UNCALIBRATED_FY_COUNTS[crime_type] * level


@dataclass(frozen=True)
class MonthKey:
    year: int
    month: int

    @property
    def fy_start_year(self) -> int:
        return self.year if self.month >= 4 else self.year - 1

    @property
    def fiscal_index(self) -> int:
        return (self.month - 4) % 12

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def _stable_seed(*parts: object) -> int:
    return zlib.crc32(":".join(str(p) for p in parts).encode())


@cache
def fy_monthly_counts(crime_type: str, fy_start_year: int, seed: int) -> tuple[int, ...]:
    """The twelve monthly counts (April..March) of one crime type in one financial year."""
    rng = np.random.default_rng(_stable_seed(seed, crime_type, fy_start_year))
    total = fy_expected_total(crime_type, fy_start_year)
    mu = total / 12 * seasonality(crime_type)
    shape = 1 / MONTH_EFFECT_CV**2
    effect = rng.gamma(shape, 1 / shape, size=12)
    draws = rng.poisson(mu * effect).astype(float)
    scaled = draws * (total / draws.sum())
    # Largest-remainder rounding keeps the year on its calibrated total.
    counts = np.floor(scaled).astype(int)
    shortfall = round(total) - counts.sum()
    order = np.argsort(-(scaled - counts))
    counts[order[: max(shortfall, 0)]] += 1
    return tuple(int(c) for c in counts)


def monthly_count(crime_type: str, month: MonthKey, seed: int) -> int:
    return fy_monthly_counts(crime_type, month.fy_start_year, seed)[month.fiscal_index]
