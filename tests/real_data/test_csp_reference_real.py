"""The national CSP seeds agree with the ONS files in ../shared, read in place: every CSP of
the LAD -> CSP -> PFA lookup with its force area (seeds/csps.csv), and each CSP's population the
sum of its local authorities' mid-year estimates (seeds/csp_population.csv), the years after
the last real one carried forward and flagged provisional."""

from __future__ import annotations

import csv
from collections import defaultdict

import pytest

from orchestration.settings import SEEDS_DIR
from tests.conftest import REAL_DATA_DIR, require_shared

pytestmark = pytest.mark.real_data

LOOKUP = (
    REAL_DATA_DIR / "lookups" / "Local_Authority_District_to_Community_Safety_Partnerships_to_"
    "Police_Force_Areas_(December_2019)_Lookup_in_England_and_Wales.csv"
)
NOMIS = REAL_DATA_DIR / "population" / "la_all_ages.csv"


def seed(name: str) -> list[dict[str, str]]:
    with (SEEDS_DIR / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def lookup() -> list[dict[str, str]]:
    path = require_shared(LOOKUP, "ONS LAD -> CSP -> PFA lookup (December 2019)")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def test_every_csp_of_the_lookup_is_in_the_seed_with_its_force_area():
    want = {(r["CSP19CD"], r["CSP19NM"], r["PFA19CD"]) for r in lookup()}
    got = {(r["csp_code"], r["csp_name"], r["pfa_code"]) for r in seed("csps.csv")}
    assert got == want
    assert len(got) == 314
    assert {c for c, _, pfa in got if pfa == "E23000021"} == {
        f"E22000{n}" for n in range(164, 173)
    }  # LLR's nine, as BRIEF.md says


def test_csp_populations_are_their_local_authorities_summed():
    path = require_shared(NOMIS, "NOMIS mid-year population extract")
    with path.open(newline="", encoding="utf-8") as handle:
        nomis = {
            r["mnemonic"]: r for r in csv.DictReader(handle) if r["Area"].startswith("ualad19:")
        }
    las = defaultdict(list)
    for row in lookup():
        las[row["CSP19CD"]].append(row["LAD19CD"])
    rows = seed("csp_population.csv")
    assert len(rows) == 314 * 10  # mid-2016 .. mid-2025
    for row in rows:
        year = row["mid_year"]
        if row["is_provisional"] == "false":
            want = sum(int(nomis[la][year]) for la in las[row["csp_code"]])
            assert int(row["population"]) == want, row
        else:
            assert row["source"].startswith("provisional: carried forward from mid-"), row
    leicester = {r["mid_year"]: int(r["population"]) for r in rows if r["csp_code"] == "E22000168"}
    assert (leicester["2019"], leicester["2021"], leicester["2025"]) == (354_224, 366_018, 366_018)
