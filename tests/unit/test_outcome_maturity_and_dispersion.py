"""Issue 14, items 1 and 2, as scenarios: the real dispersion and dashboard models
(int_metric_dispersion -> int_dashboard_figures -> int_dashboard_assessment ->
int_dashboard_rating) built by dbt on a small synthetic DuckDB that this test writes.

- A steady outcome rate whose last three crime months are not yet followed up (their outcomes
  still arriving) is compared at its latest mature period: neither red nor green.
- A proportion whose monthly shares vary far more than binomial sampling allows has a
  quasi-binomial phi well above 1, and a small shift is then not significant (though binomial
  variation alone would call it so, and the reason says that).
- A real step change is still green (or red).
- phi is the Pearson chi-square / df of the hand-computed case below, and equals an
  independent numpy computation on the noisy series.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess

import duckdb
import numpy as np
import pytest
from scipy import stats

from orchestration.settings import DBT_PROJECT_DIR, PROJECT_ROOT

FORCE = "F"
FIRST = dt.date(2021, 4, 1)  # 54 months of history: FY 2021/22 to September 2025
LAST = dt.date(2025, 9, 1)
TRIALS = 20_000  # crimes a month
MODELS = (
    "rag_reasons source_publication int_metric_dispersion int_dashboard_figures "
    "int_dashboard_assessment int_dashboard_rating"
)


def months(first: dt.date = FIRST, last: dt.date = LAST) -> list[dt.date]:
    out, month = [], first
    while month <= last:
        out.append(month)
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return out


def month_end(month: dt.date) -> dt.date:
    following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def calendar_row(month: dt.date) -> dict:
    fy_start_year = month.year if month.month >= 4 else month.year - 1
    fiscal_month = (month.month - 4) % 12 + 1
    quarter = (fiscal_month - 1) // 3 + 1
    quarter_start = dt.date(month.year, month.month - (fiscal_month - 1) % 3, 1)
    fy_label = f"{fy_start_year}/{(fy_start_year + 1) % 100:02d}"
    return {
        "month_start": month,
        "month_end": month_end(month),
        "fiscal_month": fiscal_month,
        "fq_label": f"{fy_label}-Q{quarter}",
        "quarter_start": quarter_start,
        "quarter_end": month_end(dt.date(quarter_start.year, quarter_start.month + 2, 1)),
        "fy_label": fy_label,
        "fy_start_year": fy_start_year,
        "fy_start": dt.date(fy_start_year, 4, 1),
        "fy_end": dt.date(fy_start_year + 1, 3, 31),
    }


def noisy_shares(seed: int, noise_sd: float, shift_from: dt.date, shift: float) -> dict:
    """Monthly positive outcomes of TRIALS crimes: a share of 12% that wanders with sd
    noise_sd from month to month (far beyond the binomial sd of 0.23 points), plus ``shift``
    from ``shift_from`` on."""
    rng = np.random.default_rng(seed)
    series = {}
    for month in months():
        share = 0.12 + rng.normal(0, noise_sd) + (shift if month >= shift_from else 0.0)
        series[month] = (int(rng.binomial(TRIALS, share)), TRIALS)
    return series


def steady_with_immature_tail(seed: int) -> dict:
    """A steady 13% positive-outcome rate, binomial noise only; the last three crime months
    (July to September 2025) have had 2, 1 and 0 months for outcomes to arrive, so only 90%,
    75% and 50% of their eventual outcomes are in (as police.uk's outcomes lag)."""
    rng = np.random.default_rng(seed)
    followed_up = {dt.date(2025, 7, 1): 0.9, dt.date(2025, 8, 1): 0.75, dt.date(2025, 9, 1): 0.5}
    return {
        month: (int(rng.binomial(TRIALS, 0.13 * followed_up.get(month, 1.0))), TRIALS)
        for month in months()
    }


def hand_series(d: int) -> dict:
    """Two years (April 2023 - March 2025) of 1,000 crimes a month, 100 +/- d positive: year
    one +d in odd months of the year and -d in even ones, year two the other way round. Every
    year and every month of the year then has a 10% share, so each cell's expected count is
    100 with binomial variance 1,000 x 0.1 x 0.9 = 90: chi-square = 24 d^2 / 90 on
    (2 - 1) x (12 - 1) = 11 degrees of freedom."""
    series = {}
    for index, month in enumerate(months(dt.date(2023, 4, 1), dt.date(2025, 3, 1))):
        sign = 1 if (index % 2 == 0) == (index < 12) else -1
        series[month] = (100 + sign * d, 1000)
    return series


MATURE_THROUGH = dt.date(2025, 6, 30)  # outcomes loaded to September 2025, k = 3
STALLED = dt.date(2024, 12, 31)  # outcomes files stopped at March 2025
SCENARIOS = {
    # metric_id: (series, mature_through of an outcome metric or None, tier)
    "steady_outcome": (steady_with_immature_tail(7), MATURE_THROUGH, "Headline"),
    # The same series without a maturity row: what the dashboard compared before.
    "steady_outcome_unchecked": (steady_with_immature_tail(7), None, "Headline"),
    # No mature period within the usual publication lag (2 months) + grace (3 months).
    "stalled_outcome": (steady_with_immature_tail(7), STALLED, "Headline"),
    "noisy_small_shift": (noisy_shares(11, 0.008, dt.date(2025, 4, 1), 0.006), None, "Headline"),
    "noisy_step": (noisy_shares(11, 0.008, dt.date(2025, 4, 1), 0.05), None, "Headline"),
    "hand_over_dispersed": (hand_series(30), None, "Supporting"),
    "hand_binomial": (hand_series(3), None, "Supporting"),
}


def r12_rows(metric_id: str, series: dict) -> list[dict]:
    """The force's rolling-12-month figures, as int_metric_periods holds them."""
    rows = []
    ordered = sorted(series)
    for end in range(11, len(ordered)):
        window = ordered[end - 11 : end + 1]
        positive = sum(series[m][0] for m in window)
        crimes = sum(series[m][1] for m in window)
        last = month_end(window[-1])
        rows.append(
            {
                "metric_id": metric_id,
                "area_code": FORCE,
                "period_type": "R12",
                "period_end": last,
                "period_label": f"R12 to {last:%Y-%m}",
                "value": 100.0 * positive / crimes,
                "numerator": float(positive),
                "denominator": float(crimes),
                "months_in_period": 12,
                "months_loaded": 12,
                "data_status": "complete",
            }
        )
    return rows


def write_inputs(path) -> None:
    con = duckdb.connect(str(path))
    con.execute("create schema intermediate")
    calendar = [calendar_row(m) for m in months(dt.date(2019, 4, 1), dt.date(2026, 3, 1))]
    con.execute(
        "create table intermediate.int_calendar_months as select * from "
        "(select unnest(?, recursive := true))",
        [calendar],
    )
    # A local authority too, with a series of its own: phi is the force area's only.
    con.execute(
        "create table intermediate.int_areas as select * from (values ('F', 'force'),"
        " ('L', 'local_authority')) as areas(area_code, area_type)"
    )
    catalogue = [
        {
            "metric_id": metric_id,
            "ref_number": str(index),
            "display_order": index,
            "delivery_strategy": "Test",
            "metric_name": metric_id,
            "tier": tier,
            "owner": "lead",
            "target_text": "Increase",
            "target_type": "increase",
            "target_operator": None,
            "target_value": None,
            "polarity": "higher_is_better",
            "comparison": "proportion",
            "unit": "percent",
            "period_basis": "R12",
            "period_type": "R12",
            "frequency": "monthly",
            "restricted": False,
            "source": "police_uk",
        }
        for index, (metric_id, (_, _, tier)) in enumerate(SCENARIOS.items(), start=1)
    ]
    con.execute(
        "create table intermediate.int_metric_catalogue as select * from "
        "(select unnest(?, recursive := true))",
        [catalogue],
    )
    series_rows = [
        {
            "metric_id": metric_id,
            "grain": "month",
            "period_start": month,
            "area_code": area_code,
            "numerator": float(positive),
            "denominator": float(crimes),
        }
        for metric_id, (series, _, _) in SCENARIOS.items()
        for month, (positive, crimes) in series.items()
        for area_code in (FORCE, "L")
    ]
    con.execute(
        "create table intermediate.int_metric_series as select metric_id, grain, period_start,"
        " area_code, cast(numerator as decimal(38, 18)) as numerator,"
        " cast(denominator as decimal(38, 18)) as denominator,"
        " cast(null as date) as delivered_on from (select unnest(?, recursive := true))",
        [series_rows],
    )
    periods = [row for metric_id, (s, _, _) in SCENARIOS.items() for row in r12_rows(metric_id, s)]
    con.execute(
        "create table intermediate.int_metric_periods as select *,"
        " cast(null as varchar) as value_yes_no, cast(null as bigint) as population,"
        " cast(null as double) as ci_lower, cast(null as double) as ci_upper,"
        " false as is_suspect, cast(null as double) as recent_min,"
        " cast(null as double) as recent_max, cast(null as integer) as recent_periods,"
        " false as population_is_provisional, 'test series' as source_vintage"
        " from (select unnest(?, recursive := true))",
        [periods],
    )
    maturity = [
        {
            "metric_id": metric_id,
            "follow_up_months": 3,
            "outcomes_to": dt.date(mature_through.year, mature_through.month, 1),
            "mature_to": dt.date(mature_through.year, mature_through.month, 1),
            "mature_through": mature_through,
        }
        for metric_id, (_, mature_through, _) in SCENARIOS.items()
        if mature_through is not None
    ]
    con.execute(
        "create table intermediate.int_outcome_maturity as select * from "
        "(select unnest(?, recursive := true))",
        [maturity],
    )
    # No month of these scenarios is suspect data (tests/unit/test_metric_spc.py covers that):
    # the rating reads the one suspect rule's model, here with no month in it.
    con.execute(
        "create table intermediate.int_metric_months_suspect (metric_id varchar,"
        " month_start date, is_suspect boolean, suspect_reason varchar)"
    )
    con.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    folder = tmp_path_factory.mktemp("scenarios")
    path = folder / "warehouse.duckdb"
    write_inputs(path)
    target = folder / "dbt-target"
    env = {
        **os.environ,
        "PCP_WAREHOUSE_PATH": str(path),
        "DBT_TARGET_PATH": str(target),
        "DBT_LOG_PATH": str(target),
        "DO_NOT_TRACK": "1",
    }
    result = subprocess.run(
        [
            str(PROJECT_ROOT / ".venv" / "bin" / "dbt"),
            "build",
            "--select",
            *MODELS.split(),
            "--resource-type",
            "seed",
            "--resource-type",
            "model",
            "--quiet",
        ],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


def dashboard(con, metric_id: str) -> dict:
    """The latest reporting quarter's row of the chain for one metric."""
    cursor = con.execute(
        """
        select figures.latest_period_label, figures.phi, figures.phi_estimated,
               figures.baseline_count, figures.baseline_denominator,
               figures.latest_count, figures.latest_denominator,
               assessment.p, assessment.p_binomial, assessment.dispersion_changed_verdict,
               rating.rag, rating.rag_reason_code, rating.rag_reason
        from intermediate.int_dashboard_figures as figures
        join intermediate.int_dashboard_assessment as assessment using (reporting_quarter, metric_id)
        join intermediate.int_dashboard_rating as rating using (reporting_quarter, metric_id)
        where metric_id = ? and reporting_quarter = '2025/26-Q2'
        """,
        [metric_id],
    )
    names = [column[0] for column in cursor.description]
    return dict(zip(names, cursor.fetchone(), strict=True))


def pearson_phi(series: dict, window_end: dt.date) -> float:
    """Independent of the SQL: the quasi-binomial phi of the 36 months to window_end, laid out
    as 3 years x 12 months of the year, expected share = year share x month share / overall."""
    ordered = [m for m in sorted(series) if m <= window_end][-36:]
    x = np.array([series[m][0] for m in ordered], dtype=float).reshape(3, 12)
    n = np.array([series[m][1] for m in ordered], dtype=float).reshape(3, 12)
    year = x.sum(axis=1) / n.sum(axis=1)
    position = x.sum(axis=0) / n.sum(axis=0)
    expected = np.outer(year, position) / (x.sum() / n.sum())
    chi_square = ((x - n * expected) ** 2 / (n * expected * (1 - expected))).sum()
    return max(1.0, chi_square / ((3 - 1) * (12 - 1)))


def phi_row(con, metric_id: str, period_end: dt.date) -> tuple:
    return con.execute(
        "select dispersion_model, pearson_chi_square, dispersion_df, phi, phi_estimated"
        " from intermediate.int_metric_dispersion where metric_id = ? and period_end = ?",
        [metric_id, period_end],
    ).fetchone()


def test_phi_is_estimated_for_the_force_area_only(built):
    # Its two readers (the dashboard's tests, the projection) compare the force area: a local
    # authority's series, here the same as the force's, gets no phi of its own.
    areas = built.execute("select distinct area_code from intermediate.int_metric_dispersion")
    assert areas.fetchall() == [(FORCE,)]


def test_a_steady_outcome_rate_with_immature_months_is_neither_red_nor_green(built):
    row = dashboard(built, "steady_outcome")
    # Compared at its newest period whose crime months are all followed up for 3 months.
    assert row["latest_period_label"] == "R12 to 2025-06"
    assert row["rag"] == "amber", row["rag_reason"]
    assert "R12 to 2025-06, outcomes at 3 months' follow-up" in row["rag_reason"]
    # Its dispersion is that of mature months: binomial.
    assert row["phi"] == pytest.approx(pearson_phi(SCENARIOS["steady_outcome"][0], MATURE_THROUGH))
    assert row["phi"] < 2
    # The same series compared at its newest months (the old rule) shows the lag artefact.
    unchecked = dashboard(built, "steady_outcome_unchecked")
    assert unchecked["latest_period_label"] == "R12 to 2025-09"
    assert unchecked["p_binomial"] < 1e-10


def test_no_mature_period_within_reach_is_grey_and_says_when_it_will_be_rated(built):
    """Outcomes files that stopped in March 2025: no R12 ending by December 2024 is recent
    enough to show (2 months' lag + 3 of grace before September), so the latest R12 is shown
    but not rated."""
    row = dashboard(built, "stalled_outcome")
    assert row["latest_period_label"] == "R12 to 2025-09"
    assert (row["rag"], row["rag_reason_code"]) == ("grey", "outcomes_immature")
    assert row["rag_reason"] == (
        "Outcomes not yet mature: R12 to 2025-09 is rated once outcomes to 2025-12 are in"
        " (outcomes are counted 3 months after each crime month)."
    )


def test_over_dispersed_proportion_small_shift_is_not_significant(built):
    series = SCENARIOS["noisy_small_shift"][0]
    row = dashboard(built, "noisy_small_shift")
    assert row["phi"] == pytest.approx(pearson_phi(series, dt.date(2025, 9, 1)), rel=1e-9)
    assert row["phi"] > 5
    # Binomial variation alone would call the shift significant; phi says it is not.
    assert row["p_binomial"] < 0.05 <= row["p"]
    assert row["dispersion_changed_verdict"] is True
    assert row["rag"] == "amber"
    assert f"over-dispersion phi {row['phi']:.1f}" in row["rag_reason"]
    assert "binomial variation alone: p = " in row["rag_reason"]
    # p is the two-proportion test with the binomial variance times phi, by hand.
    p1 = row["baseline_count"] / row["baseline_denominator"]
    p2 = row["latest_count"] / row["latest_denominator"]
    se = np.sqrt(
        row["phi"]
        * (p1 * (1 - p1) / row["baseline_denominator"] + p2 * (1 - p2) / row["latest_denominator"])
    )
    assert row["p"] == pytest.approx(2 * stats.norm.sf(abs(p2 - p1) / se), rel=1e-8)


def test_a_real_step_change_is_still_green(built):
    row = dashboard(built, "noisy_step")
    assert row["phi"] > 5
    assert row["p"] < 0.05
    assert row["rag"] == "green", row["rag_reason"]
    assert row["rag_reason"].startswith("Significant improvement")


def test_phi_of_proportions_by_hand(built):
    """hand_series: chi-square = 24 d^2 / 90 on 11 degrees of freedom."""
    model, chi_square, df, phi, estimated = phi_row(
        built, "hand_over_dispersed", dt.date(2025, 3, 31)
    )
    assert (model, df, estimated) == ("quasi_binomial", 11, True)
    assert chi_square == pytest.approx(24 * 30**2 / 90)  # 240
    assert phi == pytest.approx(240 / 11)
    model, chi_square, df, phi, estimated = phi_row(built, "hand_binomial", dt.date(2025, 3, 31))
    assert chi_square == pytest.approx(24 * 3**2 / 90)  # 2.4: less than binomial
    assert phi == 1.0  # floored
