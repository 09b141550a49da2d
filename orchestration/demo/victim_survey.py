"""Demo victim survey responses: one file per survey per month, in the three shapes that arrive.

The force survey as UTF-8 CSV, the domestic-abuse survey as XLSX (labels, not codes), OPCC
services feedback as a Windows-1252 CSV saved from Excel. About a fifth of responses carry a
free-text comment naming an officer or a place, which must stay in the restricted table.
Satisfaction is calibrated to the seed dashboard: FY 2024/25 baseline and the latest figure.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np

from orchestration.demo.crime_model import MonthKey, _stable_seed, catalogue_figures
from orchestration.demo.files import save_stable, write_csv

SOURCE = "victim_survey"
# survey -> (catalogue metric, monthly responses)
SURVEYS = {
    "force": ("79", 160),
    "domestic-abuse": ("45", 45),
    "opcc-services": ("victim_satisfaction_opcc_services", 25),
}
LABELS = {1: "Very dissatisfied", 2: "Fairly dissatisfied", 3: "Neither satisfied nor dissatisfied",
          4: "Fairly satisfied", 5: "Very satisfied"}  # fmt: skip
CRIME_GROUPS = ("Burglary", "Vehicle crime", "Violent crime", "Hate crime", "Theft")
COMMENTS = (
    "PC Example-{n} kept me informed, thank you",
    "Nobody called back about the £{n} damage",
    "The officer at Café {n} was very kind",
    "I had to chase for an update on crime {n}",
)
HEADER = (
    "response_id",
    "response_date",
    "overall_satisfaction",
    "crime_group",
    "area_code",
    "comment",
)
AREAS = (
    "E06000016",
    "E07000129",
    "E07000130",
    "E07000131",
    "E07000132",
    "E07000133",
    "E07000134",
    "E07000135",
    "E06000017",
)


def satisfaction_rate(survey: str, month: MonthKey) -> float:
    baseline, latest = catalogue_figures(SURVEYS[survey][0])
    if month.fy_start_year < 2025 or not latest:
        return baseline / 100
    return latest / 100


def month_rows(survey: str, month: MonthKey, seed: int) -> list[list[object]]:
    rng = np.random.default_rng(_stable_seed(seed, "survey", survey, month.label))
    n = int(rng.poisson(SURVEYS[survey][1]))
    rate = satisfaction_rate(survey, month)
    rows = []
    for i in range(n):
        satisfied = rng.random() < rate
        score = int(rng.choice([4, 5], p=[0.45, 0.55]) if satisfied else rng.choice([1, 2, 3]))
        answer: object = "" if rng.random() < 0.03 else score
        comment = COMMENTS[i % len(COMMENTS)].format(n=1000 + i) if rng.random() < 0.2 else ""
        day = int(rng.integers(1, 29))
        group = "Domestic abuse" if survey == "domestic-abuse" else CRIME_GROUPS[i % 5]
        if survey == "opcc-services":
            group = ("Victim First", "Restorative justice", "Cope and Recover")[i % 3]
        rows.append(
            [
                f"{survey[:3].upper()}-{month.label}-{i:04d}",
                f"{month.label}-{day:02d}",
                answer,
                group,
                AREAS[int(rng.integers(0, len(AREAS)))],
                comment,
            ]
        )
    return rows


def write_month(out_dir: Path, survey: str, month: MonthKey, seed: int) -> tuple[Path, int]:
    folder = out_dir / SOURCE
    folder.mkdir(parents=True, exist_ok=True)
    rows = month_rows(survey, month, seed)
    stem = folder / f"victim-survey-{survey}-{month.label}"
    if survey == "domestic-abuse":
        from openpyxl import Workbook

        path = stem.with_suffix(".xlsx")
        workbook = Workbook()
        sheet = workbook.active
        sheet.append(list(HEADER))
        for row in rows:
            # Survey tools export labels, not codes, and Excel stores real dates.
            label = LABELS[row[2]] if row[2] != "" else None
            sheet.append([row[0], date.fromisoformat(row[1]), label, *row[3:]])
        save_stable(workbook, path)
        return path, len(rows)
    path = stem.with_suffix(".csv")
    encoding = "cp1252" if survey == "opcc-services" else "utf-8"
    write_csv(path, HEADER, rows, encoding=encoding)
    return path, len(rows)
