"""Reference seeds read by Python (the same CSVs dbt loads), so each fact has one home."""

from __future__ import annotations

import csv
from datetime import date
from functools import cache

from orchestration.settings import SEEDS_DIR


def _read(name: str) -> list[dict[str, str]]:
    with (SEEDS_DIR / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@cache
def metric_catalogue() -> dict[str, dict[str, str]]:
    return {row["metric_id"]: row for row in _read("metric_catalogue")}


@cache
def metric_units() -> dict[str, dict[str, str]]:
    """unit -> the range its figures may take (min_value, max_value; blank = no bound)."""
    return {row["unit"]: row for row in _read("metric_units")}


def stats19_police_forces() -> list[str]:
    """Every police_force code a DfT STATS19 file may hold: the forces of England and Wales
    (seeds/forces.csv) and those outside them (seeds/stats19_other_police_forces.csv)."""
    codes = [row["stats19_police_force"] for row in _read("forces")]
    return codes + [row["stats19_police_force"] for row in _read("stats19_other_police_forces")]


@cache
def areas() -> dict[str, dict[str, str]]:
    return {row["area_code"]: row for row in _read("areas")}


def csp_names_of(pfa_code: str) -> list[str]:
    """The Community Safety Partnerships of a force area, by name (seeds/areas.csv); none
    when the seed does not list the force's local authorities."""
    return [
        row["csp_name"]
        for row in areas().values()
        if row["area_type"] == "local_authority" and row["parent_area_code"] == pfa_code
    ]


def known_area_words() -> list[str]:
    """Every code and name of the force area and its local authorities / CSPs, as the seed
    spells them: what a delivered area may be (area_code_for turns one into its code)."""
    return [
        word
        for row in areas().values()
        if row["area_type"] in ("force", "local_authority")
        for word in (row["area_code"], row["area_name"], row["csp_code"], row["csp_name"])
        if word
    ]


def area_code_for(text: str) -> str | None:
    """An area code from a code or a name (any case), as partners write them."""
    wanted = text.strip().lower()
    for code, row in areas().items():
        if wanted in {
            code.lower(),
            row["area_name"].lower(),
            (row["csp_code"] or "").lower(),
            (row["csp_name"] or "").lower(),
        }:
            return code
    return None


def peer_forces(home_force: str, on: date) -> list[str]:
    """The home force's most similar group (MSG) of peer forces in effect on a date."""
    return [
        row["peer_force_slug"]
        for row in _read("peer_forces")
        if row["force_slug"] == home_force
        and date.fromisoformat(row["effective_from"]) <= on
        and (not row["effective_to"] or on <= date.fromisoformat(row["effective_to"]))
    ]


def force_population(mid_year: int) -> int:
    """The force area's population: the sum of its local authorities for the mid-year (the
    latest earlier year when that one is not in the seed). The seed's police force area rows
    (every force's, for comparing forces) are not among them."""
    from orchestration.forces import all_forces

    pfa_codes = {force.pfa_code for force in all_forces().values()}
    rows = [r for r in _read("population") if r["area_code"] not in pfa_codes]
    year = max(int(r["mid_year"]) for r in rows if int(r["mid_year"]) <= mid_year)
    return sum(int(r["population"]) for r in rows if int(r["mid_year"]) == year)


def survey_measures(source: str) -> dict[str, str]:
    """metric_id -> survey (victim_survey) or measure (csew), from metric_survey_measures."""
    key = "survey" if source == "victim_survey" else "measure"
    rows = _read("metric_survey_measures")
    return {r["metric_id"]: r[key] for r in rows if r["source"] == source}


@cache
def source_publication() -> dict[str, dict[str, str]]:
    """source -> its usual publication lag and note (seeds/source_publication.csv)."""
    return {row["source"]: row for row in _read("source_publication")}


def board_leads() -> list[dict[str, str]]:
    """The board leads and the chair (seeds/board_leads.csv)."""
    return _read("board_leads")
