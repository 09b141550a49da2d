"""Demo Home Office police recorded crime table by CSP, as the Home Office publishes it.

One multi-year .ods workbook (current editions are .ods only), one sheet per financial year
(``2024_25``) with its header on row 1, and a ``Notes`` sheet; CSP x financial quarter x offence
code, with zero rows kept as the Home Office keeps them. Volumes come from
seeds/home_office_offence_codes.csv (demo_annual_llr), spread over the CSPs like police.uk
violence, so the offence-based headline rates land near the seed dashboard's baselines.

The table is national, as the Home Office publishes it: every other CSP of England and Wales
(seeds/csps.csv) rides along, its counts the home force's offence rates per resident times its
population (seeds/csp_population.csv) times a level of its own (``csp_levels``: lognormal,
fixed by the CSP's code, so CSPs differ plausibly and the same way every run), so each home CSP
has all CSPs and its family to be compared with. To keep ``make run`` quick the other CSPs'
rows start at the plan's baseline year (``NATIONAL_FROM_FY``: every board quarter's 12 months
and the year before are national), where the Home Office's file has them for every year: the
national rows are 30 times the home force's, and reading them is most of the intake's time.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from orchestration.demo.crime_model import MonthKey, _stable_seed, year_level
from orchestration.demo.files import write_ods
from orchestration.demo.police_uk import area_shares
from orchestration.forces import all_forces
from orchestration.settings import SEEDS_DIR

SOURCE = "home_office"
HEADER = (
    "Financial Year",
    "Financial Quarter",
    "Police Force",
    "CSP Name",
    "Offence Description",
    "Offence Group",
    "Offence Subgroup",
    "Offence Code",
    "Offence Count",
)
# Level of each financial year relative to FY 2024/25 (earlier years: 2019's).
YEAR_LEVEL = {2019: 1.02, 2020: 0.9, 2021: 0.98, 2022: 1.03, 2023: 1.01, 2024: 1.0, 2025: 0.98}
NEIGHBOUR = ("Nottinghamshire", ("Nottingham", "Ashfield"))
HOME_PFA = "E23000021"
# The first financial year with every CSP of England and Wales (2024/25, the plan's baseline).
NATIONAL_FROM_FY = 2024
# Spread of the CSPs' crime levels around the home force's rate (lognormal sigma): CSPs of
# England and Wales differ by a factor of about two either way in recorded violence per head.
CSP_LEVEL_SIGMA = 0.35
# Each offence code's own variation within a CSP, around the CSP's level.
CODE_LEVEL_SIGMA = 0.15


def offence_codes() -> list[dict[str, str]]:
    with (SEEDS_DIR / "home_office_offence_codes.csv").open(newline="", encoding="utf-8") as h:
        return list(csv.DictReader(h))


def complete_quarters(months: list[MonthKey]) -> list[tuple[int, int]]:
    """(FY start year, quarter) of every financial quarter wholly inside the months."""
    labels = {m.label for m in months}
    quarters = []
    for month in months:
        if month.fiscal_index % 3 == 0:
            fy, quarter = month.fy_start_year, month.fiscal_index // 3 + 1
            first = month.year * 12 + month.month - 1
            needed = [f"{(first + k) // 12:04d}-{(first + k) % 12 + 1:02d}" for k in range(3)]
            if all(label in labels for label in needed):
                quarters.append((fy, quarter))
    return quarters


def national_csps() -> list[dict[str, str]]:
    """Every CSP of England and Wales but the home force's and the neighbour's two above."""
    with (SEEDS_DIR / "csps.csv").open(newline="", encoding="utf-8") as handle:
        return [
            row
            for row in csv.DictReader(handle)
            if row["pfa_code"] != HOME_PFA and row["csp_name"] not in NEIGHBOUR[1]
        ]


def csp_populations() -> dict[tuple[str, int], int]:
    with (SEEDS_DIR / "csp_population.csv").open(newline="", encoding="utf-8") as handle:
        return {
            (r["csp_code"], int(r["mid_year"])): int(r["population"])
            for r in csv.DictReader(handle)
        }


def csp_levels(csps: list[dict[str, str]], codes: int, seed: int) -> np.ndarray:
    """Each CSP's level per offence code (codes x CSPs): its own lognormal level times a
    smaller one per code, drawn once from the seed."""
    rng = np.random.default_rng(_stable_seed(seed, "home-office-national"))
    own = rng.lognormal(-(CSP_LEVEL_SIGMA**2) / 2, CSP_LEVEL_SIGMA, len(csps))
    per_code = rng.lognormal(-(CODE_LEVEL_SIGMA**2) / 2, CODE_LEVEL_SIGMA, (codes, len(csps)))
    return own * per_code


def write_table(
    out_dir: Path, months: list[MonthKey], seed: int, peer_forces: Sequence[str] = ()
) -> list[tuple[Path, int]]:
    """The workbook. ``peer_forces`` (police.uk slugs the warehouse takes in beside the home
    force): their CSPs' rows before ``NATIONAL_FROM_FY`` too, as the Home Office's file has
    them, since the intake wants every configured force in every quarter; drawn from a
    generator of their own, so every other row is the same with or without them."""
    rng = np.random.default_rng(_stable_seed(seed, "home-office"))
    peer_rng = np.random.default_rng(_stable_seed(seed, "home-office-early-peers"))
    peer_names = {all_forces()[slug].pfa_name for slug in peer_forces}
    areas, shares = area_shares()["Violence and sexual offences"]
    csps = [
        (a, s)
        for a, s in zip(areas, shares, strict=True)
        if a not in {"No Location", "Outside force area"}
    ]
    total_share = sum(s for _, s in csps)
    codes = offence_codes()
    nation = national_csps()
    populations = csp_populations()
    last_mid_year = max(year for _, year in populations)
    levels = csp_levels(nation, len(codes), seed)
    national_rng = np.random.default_rng(_stable_seed(seed, "home-office-national-counts"))
    # The home force's rate per resident of each code (its demo volume over its population).
    home_population = sum(
        populations[(code, 2019)] for code in {c["csp_code"] for c in _home_csps()}
    )
    sheets: dict[str, list[tuple[object, ...]]] = {}
    for fy, quarter in complete_quarters(months):
        rows = sheets.setdefault(f"{fy}_{(fy + 1) % 100:02d}", [HEADER])
        level = year_level(YEAR_LEVEL, fy)
        label = f"{fy}/{(fy + 1) % 100:02d}"
        # The other CSPs' residents (only from NATIONAL_FROM_FY, within the seed's years).
        mid_year = min(max(fy, NATIONAL_FROM_FY), last_mid_year)
        people = np.array([populations[(c["csp_code"], mid_year)] for c in nation])
        for index, code in enumerate(codes):
            yearly = float(code["demo_annual_llr"]) * level
            for csp, share in csps:
                count = rng.poisson(yearly / 4 * share / total_share)
                rows.append(
                    (
                        label,
                        quarter,
                        "Leicestershire",
                        csp,
                        code["offence_description"],
                        code["offence_group"],
                        code["offence_subgroup"],
                        code["offence_code"],
                        int(count),
                    )
                )
            for csp in NEIGHBOUR[1]:
                rows.append(
                    (
                        label,
                        quarter,
                        NEIGHBOUR[0],
                        csp,
                        code["offence_description"],
                        code["offence_group"],
                        code["offence_subgroup"],
                        code["offence_code"],
                        int(rng.poisson(yearly / 16)),
                    )
                )
            expected = yearly / 4 / home_population * people * levels[index]
            if fy < NATIONAL_FROM_FY:
                for csp, mean in zip(nation, expected, strict=True):
                    if csp["pfa_name"] in peer_names:
                        rows.append(
                            (
                                label,
                                quarter,
                                csp["pfa_name"],
                                csp["csp_name"],
                                code["offence_description"],
                                code["offence_group"],
                                code["offence_subgroup"],
                                code["offence_code"],
                                int(peer_rng.poisson(mean)),
                            )
                        )
                continue
            for csp, count in zip(nation, national_rng.poisson(expected), strict=True):
                rows.append(
                    (
                        label,
                        quarter,
                        csp["pfa_name"],
                        csp["csp_name"],
                        code["offence_description"],
                        code["offence_group"],
                        code["offence_subgroup"],
                        code["offence_code"],
                        int(count),
                    )
                )
    if not sheets:
        return []  # no complete quarter in the range: the Home Office would publish nothing
    folder = out_dir / SOURCE
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"prc-csp-open-data-to-{months[-1].label}.ods"
    notes = [("Updated: demo data",), ("Police recorded crime by Community Safety Partnership",)]
    write_ods(path, [*sheets.items(), ("Notes", notes)])
    return [(path, sum(len(rows) - 1 for rows in sheets.values()))]


def _home_csps() -> list[dict[str, str]]:
    with (SEEDS_DIR / "csps.csv").open(newline="", encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if row["pfa_code"] == HOME_PFA]
