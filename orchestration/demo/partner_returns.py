"""Demo partner returns: each delivery strategy lead's figures, one file per quarter.

Figures follow the seed dashboard where it printed one (the FY 2024/25 baseline, the Q1
2025/26 latest) and wander plausibly elsewhere. Annual metrics are returned for completed
financial years, quarterly ones per quarter (FYTD metrics cumulate through the year). One
lead returns XLSX, the rest CSV.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path

import numpy as np

from orchestration.demo.crime_model import MonthKey, _stable_seed
from orchestration.demo.files import save_stable, write_csv
from orchestration.demo.home_office import complete_quarters
from orchestration.reference import force_population, metric_catalogue

SOURCE = "partner_returns"
HEADER = (
    "metric_id",
    "area",
    "period",
    "value",
    "numerator",
    "denominator",
    "submitted_by",
    "submitted_at",
)
FORCE = "E23000021"
# A level for metrics the seed printed no figure for.
DEFAULT_LEVEL = {"3": 12, "4": 2, "7": 41.0, "25": 5200, "52": 0.12, "56": 0.05}


def _printed(text: str) -> float | None:
    text = text.replace(",", "").replace("%", "").strip()
    try:
        return float(text)
    except ValueError:
        return None


def figure(metric: dict[str, str], fy: int, quarter: int | None, rng: np.random.Generator) -> str:
    if metric["unit"] == "yes_no":
        return "Y"
    baseline = _printed(metric["baseline_as_printed"])
    latest = _printed(metric["latest_q1_2025_26_as_printed"])
    level = baseline if baseline is not None else DEFAULT_LEVEL[metric["metric_id"]]
    printed_latest = (fy, quarter) == (2025, 1) and latest is not None
    if printed_latest:
        value = latest
    elif fy == 2024 and (quarter is None or quarter == 4 or metric["period_basis"] != "FYTD"):
        value = level * (1 + rng.normal(0, 0.01)) if quarter not in (None, 4) else level
    else:
        value = level * (1 + rng.normal(0, 0.06)) * (1 + 0.02 * (fy - 2024))
    if metric["period_basis"] == "FYTD" and quarter is not None and not printed_latest:
        value = value * quarter / 4
    if metric["unit"] == "percent":
        value = min(value, 100.0)
    if metric["unit"] in {"count", "hours"}:
        return str(round(value))
    return f"{value:.4g}" if metric["unit"] == "rate_per_1000" else f"{value:.1f}"


# Left out of the latest quarter's returns by default: two leads' quarterly metrics.
WITHHELD_METRICS = ("37", "78")


def write_returns(
    out_dir: Path, months: list[MonthKey], seed: int, withhold: bool = True
) -> list[tuple[Path, int]]:
    files, _ = _returns_by_file(months, seed, withhold)
    return _write_files(out_dir, files)


def write_withheld(
    out_dir: Path, months: list[MonthKey], seed: int, submitted_on: date | None = None
) -> Path:
    """The withheld rows as one late file; submitted on ``submitted_on`` when given."""
    _, withheld = _returns_by_file(months, seed, withhold=True)
    if submitted_on is not None:
        withheld = [(*row[:-1], submitted_on.isoformat()) for row in withheld]
    fq = withheld[0][2]
    path = out_dir / SOURCE / f"partner-return-late-{fq.replace('/', '-')}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_csv(path, HEADER, withheld)
    return path


def _returns_by_file(
    months: list[MonthKey], seed: int, withhold: bool
) -> tuple[dict[tuple[str, str], list[tuple]], list[tuple]]:
    rng = np.random.default_rng(_stable_seed(seed, "partner-returns"))
    metrics = [m for m in metric_catalogue().values() if m["source"] == "partner_return"]
    files: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    for fy, quarter in complete_quarters(months):
        fq = f"{fy}/{(fy + 1) % 100:02d}-Q{quarter}"
        # Submitted on the 8th of the month after the quarter (Q3 and Q4 in the next year).
        submitted = f"{fy + (quarter >= 3)}-{(3 * quarter + 4) % 12 or 12:02d}-08"
        for metric in metrics:
            owner = metric["owner"]
            if metric["frequency"] == "annual":
                if quarter != 4:
                    continue
                period, value = f"{fy}/{(fy + 1) % 100:02d}", figure(metric, fy, None, rng)
            else:
                period, value = fq, figure(metric, fy, quarter, rng)
            numerator = denominator = ""
            if metric["unit"] == "rate_per_1000":
                # The count behind the rate, so the board can see it and the change be tested.
                numerator = round(float(value) * force_population(fy) / 1000)
            if metric["unit"] == "percent" and metric["metric_id"] == "78":
                denominator = int(rng.integers(180, 240))
                numerator = round(float(value) / 100 * denominator)
                value = f"{numerator / denominator * 100:.1f}"
            team = owner.removeprefix("lead_") + " team"
            files[(owner, fq)].append(
                (metric["metric_id"], FORCE, period, value, numerator, denominator, team, submitted)
            )
    withheld: list[tuple] = []
    if withhold and files:
        latest = max(fq for _, fq in files)
        for key in [k for k in files if k[1] == latest]:
            kept = [row for row in files[key] if row[0] not in WITHHELD_METRICS]
            withheld += [row for row in files[key] if row[0] in WITHHELD_METRICS]
            files[key] = kept
    return files, withheld


def _write_files(
    out_dir: Path, files: dict[tuple[str, str], list[tuple]]
) -> list[tuple[Path, int]]:
    written = []
    folder = out_dir / SOURCE
    folder.mkdir(parents=True, exist_ok=True)
    for (owner, fq), rows in sorted(files.items()):
        if not rows:  # everything this lead owes for the quarter was withheld
            continue
        stem = f"partner-return-{owner.removeprefix('lead_')}-{fq.replace('/', '-')}"
        if owner == "lead_workforce":
            from openpyxl import Workbook

            path = folder / f"{stem}.xlsx"
            workbook = Workbook()
            workbook.active.append(list(HEADER))
            for row in rows:
                workbook.active.append(list(row))
            save_stable(workbook, path)
        else:
            path = folder / f"{stem}.csv"
            write_csv(path, HEADER, rows)
        written.append((path, len(rows)))
    return written
