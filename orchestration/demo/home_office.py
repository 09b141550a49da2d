"""Demo Home Office police recorded crime table by CSP, as the Home Office publishes it.

One multi-year .ods workbook (current editions are .ods only), one sheet per financial year
(``2024_25``) with its header on row 1, and a ``Notes`` sheet; CSP x financial quarter x offence
code, with zero rows kept as the Home Office keeps them. Volumes come from
seeds/home_office_offence_codes.csv (demo_annual_llr), spread over the CSPs like police.uk
violence, so the offence-based headline rates land near the seed dashboard's baselines. A
neighbouring force's CSPs ride along to be filtered out.
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


def write_table(
    out_dir: Path, months: list[MonthKey], seed: int, peer_forces: Sequence[str] = ()
) -> list[tuple[Path, int]]:
    """The workbook. ``peer_forces`` (police.uk slugs) ride along as the national table carries
    every force: one row per offence and quarter for each, under a CSP named after the force
    area (the demo knows no peer's CSPs), drawn from their own generator so the home force's
    rows are the same with or without them. Only the home force's CSPs reach its metrics."""
    rng = np.random.default_rng(_stable_seed(seed, "home-office"))
    peer_rng = np.random.default_rng(_stable_seed(seed, "home-office-peers"))
    peers = [
        all_forces()[slug].pfa_name
        for slug in peer_forces
        if all_forces()[slug].pfa_name not in {"Leicestershire", NEIGHBOUR[0]}
    ]
    areas, shares = area_shares()["Violence and sexual offences"]
    csps = [
        (a, s)
        for a, s in zip(areas, shares, strict=True)
        if a not in {"No Location", "Outside force area"}
    ]
    total_share = sum(s for _, s in csps)
    sheets: dict[str, list[tuple[object, ...]]] = {}
    for fy, quarter in complete_quarters(months):
        rows = sheets.setdefault(f"{fy}_{(fy + 1) % 100:02d}", [HEADER])
        level = year_level(YEAR_LEVEL, fy)
        label = f"{fy}/{(fy + 1) % 100:02d}"
        for code in offence_codes():
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
            for peer in peers:
                rows.append(
                    (
                        label,
                        quarter,
                        peer,
                        peer,
                        code["offence_description"],
                        code["offence_group"],
                        code["offence_subgroup"],
                        code["offence_code"],
                        int(peer_rng.poisson(yearly / 4)),
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
