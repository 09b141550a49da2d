"""Demo CSEW force-area estimates: one file per published survey year (quarter ends).

Leicestershire's year ending March 2025 matches the seed dashboard's baselines; peers sit a few
points either side; intervals are 95% for the unweighted sample.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np

from orchestration.demo.crime_model import MonthKey, _stable_seed, catalogue_figures
from orchestration.demo.files import write_csv
from orchestration.forces import all_forces
from orchestration.reference import peer_forces, survey_measures

SOURCE = "csew"
HEADER = ("force", "period", "measure", "estimate", "ci_lower", "ci_upper", "unweighted_n")


def write_estimates(out_dir: Path, months: list[MonthKey], seed: int) -> list[tuple[Path, int]]:
    folder = out_dir / SOURCE
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    forces = all_forces()
    for month in months:
        if month.month not in (3, 6, 9, 12):
            continue
        rng = np.random.default_rng(_stable_seed(seed, "csew", month.label))
        peers = peer_forces("leicestershire", date(month.year, month.month, 1))
        rows = []
        for slug in ("leicestershire", *peers):
            for metric, measure in survey_measures("csew").items():
                baseline, _ = catalogue_figures(metric)
                drift = 0.0 if slug == "leicestershire" else _stable_seed(slug, measure) % 11 - 5
                years_from_baseline = (month.year * 12 + month.month - (2025 * 12 + 3)) / 12
                estimate = (
                    baseline
                    + drift
                    - 0.8 * years_from_baseline
                    + (
                        0
                        if (slug, month.label) == ("leicestershire", "2025-03")
                        else rng.normal(0, 1.2)
                    )
                )
                n = int(rng.integers(450, 750))
                half = 1.96 * (estimate * (100 - estimate) / n) ** 0.5
                rows.append(
                    (
                        forces[slug].name,
                        month.label,
                        measure,
                        f"{estimate:.1f}",
                        f"{estimate - half:.1f}",
                        f"{estimate + half:.1f}",
                        n,
                    )
                )
        path = folder / f"csew-force-estimates-{month.label}.csv"
        write_csv(path, HEADER, rows)
        written.append((path, len(rows)))
    return written
