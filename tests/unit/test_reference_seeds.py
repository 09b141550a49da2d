"""The reference seeds hold what the seed documents and ONS say, and agree with each other."""

import csv
from collections import Counter
from datetime import date, timedelta
from itertools import pairwise

import pytest

from orchestration.settings import SEEDS_DIR
from tests.conftest import REFERENCE_DIR, require_shared

DASHBOARD_REFS = [
    "1", "2", "3", "4", "5", "6", "7", "14", "24", "25", "26", "27", "28", "34", "35", "36",
    "37", "38", "39", "44", "45", "46", "51", "52", "55", "56", "57", "62", "69", "70", "71",
    "72", "78", "79", "", "83", "85", "89", "90",
]  # fmt: skip


def read_seed(name: str) -> list[dict[str, str]]:
    with (SEEDS_DIR / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if name == "metric_catalogue":  # the dashboard's rows; supporting metrics sit beside them
        return [row for row in rows if row["tier"] == "Headline"]
    return rows


def test_catalogue_has_one_row_per_dashboard_row_with_its_ref_as_id():
    catalogue = read_seed("metric_catalogue")
    assert len(catalogue) == 39
    assert [row["ref_number"] for row in catalogue] == DASHBOARD_REFS
    for row in catalogue:
        expected_id = row["ref_number"] or "victim_satisfaction_opcc_services"
        assert row["metric_id"] == expected_id
    assert len({row["metric_id"] for row in catalogue}) == 39


def test_catalogue_matches_the_dashboard_the_board_saw():
    path = require_shared(REFERENCE_DIR / "dashboard_q1_2025_26.csv", "The Q1 2025/26 dashboard")
    with path.open(newline="", encoding="utf-8") as handle:
        dashboard = list(csv.DictReader(handle))
    catalogue = read_seed("metric_catalogue")
    assert len(dashboard) == len(catalogue)
    for printed, metric in zip(dashboard, catalogue, strict=True):
        assert metric["ref_number"] == printed["ref"]
        assert metric["delivery_strategy"] == printed["delivery_strategy"]
        assert metric["tier"] == printed["tier"]
        assert metric["baseline_as_printed"] == printed["baseline_2024_25"]
        assert metric["latest_q1_2025_26_as_printed"] == printed["latest_q1_2025_26"]
        assert metric["direction_as_printed"] == printed["direction"]
        # Names are kept as printed, including the truncated "Increase or mainta" target.
        assert metric["metric_name"] == printed["metric"]
        assert printed["target_expectation"] in metric["target_text"]


def test_restricted_metrics_are_the_two_redacted_in_seed_000():
    restricted = {
        r["metric_name"] for r in read_seed("metric_catalogue") if r["restricted"] == "true"
    }
    assert restricted == {
        "Staff satisfaction for Force (Annual figure)",
        "Abstractions from N'hood Policing (hrs)",
    }


def test_machine_readable_targets_are_consistent():
    for row in read_seed("metric_catalogue"):
        if row["target_type"] == "threshold":
            assert row["target_operator"] in {">", ">="} and float(row["target_value"]) == 80
        elif row["target_type"] == "yes_no":
            assert (row["target_operator"], row["target_value"], row["unit"]) == (
                "=",
                "Y",
                "yes_no",
            )
        else:
            assert row["target_value"] == ""
        if row["target_type"] == "decrease":
            assert row["polarity"] == "lower_is_better"
        if row["target_type"] in {"increase", "maintain", "threshold", "yes_no"}:
            assert row["polarity"] == "higher_is_better"
        if "(rate per 1000 pop)" in row["metric_name"]:
            assert row["unit"] == "rate_per_1000"
        if "(CSEW)" in row["metric_name"]:
            assert row["csew"] == "true" and row["source"] == "csew"


def test_every_owner_is_a_board_lead_and_every_strategy_has_one():
    leads = {row["lead_key"]: row for row in read_seed("board_leads")}
    catalogue = read_seed("metric_catalogue")
    strategies = {row["delivery_strategy"] for row in catalogue}
    assert {
        lead["delivery_strategy"] for lead in leads.values() if lead["delivery_strategy"]
    } == strategies
    assert "board_chair" in leads
    for row in catalogue:
        assert leads[row["owner"]]["delivery_strategy"] == row["delivery_strategy"]
    assert all(lead["email"].endswith("@example.org") for lead in leads.values())


def test_nine_local_authorities_each_its_own_csp_plus_explicit_members():
    areas = read_seed("areas")
    authorities = [a for a in areas if a["area_type"] == "local_authority"]
    assert len(authorities) == 9
    assert sorted(a["csp_code"] for a in authorities) == [f"E22000{n}" for n in range(164, 173)]
    assert {a["area_code"] for a in authorities} == {
        "E06000016", "E06000017", "E07000129", "E07000130", "E07000131", "E07000132",
        "E07000133", "E07000134", "E07000135",
    }  # fmt: skip
    assert all(a["parent_area_code"] == "E23000021" for a in authorities)
    types = Counter(a["area_type"] for a in areas)
    assert types == {"force": 1, "local_authority": 9, "no_location": 1, "outside_area": 1}
    # The LSOA name prefix is the authority's name: that is how crimes are placed.
    assert all(a["lsoa_name_prefix"] == a["area_name"] for a in authorities)


LLR_AUTHORITIES = {
    "E06000016", "E06000017", "E07000129", "E07000130", "E07000131", "E07000132", "E07000133",
    "E07000134", "E07000135",
}  # fmt: skip
SERIES_2011_BASED = "ONS mid-2020 release (2011-census based series)"


def police_force_areas() -> set[str]:
    return {row["pfa_code"] for row in read_seed("forces")}


def authority_rows() -> list[dict[str, str]]:
    """The seed's local-authority rows (its police force area rows are tested apart)."""
    pfas = police_force_areas()
    return [row for row in read_seed("population") if row["area_code"] not in pfas]


def population_by_area(rows: list[dict[str, str]] | None = None) -> dict[str, dict[int, int]]:
    """area_code -> mid_year -> population, from the seed's authorities (or ``rows``)."""
    by_area: dict[str, dict[int, int]] = {}
    for row in authority_rows() if rows is None else rows:
        by_area.setdefault(row["area_code"], {})[int(row["mid_year"])] = int(row["population"])
    return by_area


# LLR sums of the ONS MYE4 figures: 2011-2020 from the mid-2020 release (2011-census based),
# 2021 and 2022 from their own releases (Census 2021 based).
@pytest.mark.parametrize(
    ("mid_year", "ons_total"),
    [
        (2011, 1_018_387),
        (2012, 1_025_345),
        (2013, 1_033_339),
        (2014, 1_043_436),
        (2015, 1_055_798),
        (2016, 1_068_928),
        (2017, 1_083_226),
        (2018, 1_093_183),
        (2019, 1_100_306),
        (2020, 1_107_597),
        (2021, 1_119_971),
        (2022, 1_136_705),
    ],
)
def test_population_totals_equal_the_ons_figures(mid_year, ons_total):
    rows = [r for r in authority_rows() if int(r["mid_year"]) == mid_year]
    assert len(rows) == 9
    assert sum(int(r["population"]) for r in rows) == ons_total
    assert all(r["is_provisional"] == "false" for r in rows)


@pytest.mark.parametrize("mid_year", range(2011, 2019))
def test_mid_2011_to_mid_2018_are_real_2011_based_estimates_for_all_nine_authorities(mid_year):
    """The history `pcp demo-data --start 2015-04` (ten years, as `make bench` writes) needs."""
    rows = [r for r in authority_rows() if int(r["mid_year"]) == mid_year]
    assert sorted(r["area_code"] for r in rows) == sorted(LLR_AUTHORITIES)
    # The force area (LLR) was about 1.02m in 2011 and 1.09m in 2018.
    assert 1_000_000 <= sum(int(r["population"]) for r in rows) <= 1_100_000
    for row in rows:
        assert row["is_provisional"] == "false"
        assert row["estimate_vintage"] == SERIES_2011_BASED


def test_every_authority_has_every_year_and_no_year_jumps_by_more_than_5_percent():
    """Authorities' populations change by a few percent a year at most (Leicester's largest
    step is +3.4% to mid-2021, partly the Census 2021 rebasing; Charnwood's is -3.0%): a bigger
    step means a figure was mistyped, taken from the wrong row or from the wrong year."""
    by_area = population_by_area()
    assert set(by_area) == LLR_AUTHORITIES
    for area, by_year in by_area.items():
        assert sorted(by_year) == list(range(2011, 2027)), area
        for year in range(2011, 2026):
            change = by_year[year + 1] / by_year[year] - 1
            assert abs(change) <= 0.05, f"{area} mid-{year} -> mid-{year + 1}: {change:+.1%}"


def test_every_police_force_area_has_every_year_its_source_and_the_home_force_adds_up():
    """The PFA rows (for comparing forces) are the ONS figures summed by force area: the home
    force's equals its nine authorities' sum every year, each row names the ONS release it was
    summed from, and areas change by a few percent a year at most (the City of London, ~10,000
    residents, by more)."""
    pfas = police_force_areas()
    rows = [r for r in read_seed("population") if r["area_code"] in pfas]
    by_area = population_by_area(rows)
    assert set(by_area) == pfas and len(pfas) == 43
    authorities = population_by_area()
    for year in range(2011, 2027):
        assert by_area["E23000021"][year] == sum(a[year] for a in authorities.values()), year
    for row in rows:
        if row["is_provisional"] == "false":
            assert row["estimate_vintage"].startswith("ONS mid-20"), row
            assert (
                "sum of the local authorities in the police force area" in row["estimate_vintage"]
            )
    for area, by_year in by_area.items():
        assert sorted(by_year) == list(range(2011, 2027)), area
        for year in range(2011, 2026):
            change = by_year[year + 1] / by_year[year] - 1
            assert abs(change) <= (0.3 if area == "E23000034" else 0.05), (area, year, change)


def test_later_years_carry_mid_2022_forward_flagged_provisional():
    rows = read_seed("population")
    mid_2022 = {r["area_code"]: r["population"] for r in rows if r["mid_year"] == "2022"}
    later = [r for r in rows if int(r["mid_year"]) > 2022]
    assert {int(r["mid_year"]) for r in later} == {2023, 2024, 2025, 2026}
    for row in later:
        assert row["is_provisional"] == "true"
        assert row["population"] == mid_2022[row["area_code"]]
        assert "carried forward" in row["estimate_vintage"]
    # Census 2021 rebasing: Charnwood fell by ~5,600 between mid-2020 and mid-2021.
    charnwood = {r["mid_year"]: int(r["population"]) for r in rows if r["area_code"] == "E07000130"}
    assert charnwood["2020"] - charnwood["2021"] == 5_599


def test_delivery_boards_follow_the_seed_then_quarterly_through_2026_27():
    boards = read_seed("delivery_boards")
    assert (
        boards[0]["board_date"] == "2025-07-30" and boards[0]["reporting_quarter"] == "2025/26-Q1"
    )
    assert (
        boards[1]["board_date"] == "2025-11-05" and boards[1]["reporting_quarter"] == "2025/26-Q2"
    )
    assert [b["status"] for b in boards[:2]] == ["held", "scheduled"]
    assert all(b["status"] == "planned" for b in boards[2:])
    assert boards[-1]["reporting_quarter"] == "2026/27-Q4"
    quarters = [b["reporting_quarter"] for b in boards]
    assert quarters == [f"{fy}-Q{q}" for fy in ("2025/26", "2026/27") for q in (1, 2, 3, 4)]
    dates = [date.fromisoformat(b["board_date"]) for b in boards]
    gaps = [later - earlier for earlier, later in pairwise(dates)]
    assert all(timedelta(days=77) <= gap <= timedelta(days=105) for gap in gaps)
