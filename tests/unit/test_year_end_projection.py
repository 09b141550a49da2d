"""The year-end projection (int_metric_projection), built by dbt on small synthetic warehouses
made here: worked by hand on a few quarters, and over many simulated years its 80% and 95%
intervals hold the true year-end about 80% and 95% of the time."""

from __future__ import annotations

import math
import os
import subprocess
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from orchestration.settings import DBT_PROJECT_DIR, PROJECT_ROOT

FORCE = "F"


def build(path: Path, tables: dict[str, pd.DataFrame], models: list[str]) -> None:
    """Write ``tables`` into schema ``intermediate`` of a new DuckDB file, then let dbt build
    ``models`` (and the calendar) on top of them, exactly as a warehouse build would."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema intermediate")
        for name, frame in tables.items():
            con.register("frame", frame)
            con.execute(f"create table intermediate.{name} as select * from frame")
            con.unregister("frame")
    target = path.parent / "dbt-target"
    result = subprocess.run(
        [
            str(PROJECT_ROOT / ".venv" / "bin" / "dbt"),
            "run",
            "--select",
            "int_calendar_months",
            *models,
        ],
        cwd=DBT_PROJECT_DIR,
        env={
            **os.environ,
            "PCP_WAREHOUSE_PATH": str(path),
            "DBT_TARGET_PATH": str(target),
            "DBT_LOG_PATH": str(target),
            "DO_NOT_TRACK": "1",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:]


def catalogue(rows: list[dict]) -> pd.DataFrame:
    base = {
        "source": "police_uk",
        "target_type": "decrease",
        "target_operator": None,
        "target_value": None,
    }
    return pd.DataFrame([{**base, **row} for row in rows]).astype(
        {"target_operator": "string", "target_value": "string"}
    )


def series_frame(rows: list[tuple]) -> pd.DataFrame:
    """(metric_id, grain, period_start, numerator, denominator) rows, force-wide."""
    frame = pd.DataFrame(
        rows, columns=["metric_id", "grain", "period_start", "numerator", "denominator"]
    )
    frame["period_start"] = pd.to_datetime(frame["period_start"]).dt.date
    frame["area_code"] = FORCE
    return frame.astype({"numerator": "float64", "denominator": "float64"})


def periods_frame(rows: list[tuple]) -> pd.DataFrame:
    """FY rows of int_metric_periods: (metric_id, fy start year, value, numerator,
    denominator, months loaded)."""
    frame = pd.DataFrame(
        rows,
        columns=["metric_id", "year", "value", "numerator", "denominator", "months_loaded"],
    )
    frame["period_start"] = [pd.Timestamp(y, 4, 1).date() for y in frame["year"]]
    frame["period_type"] = "FY"
    frame["area_code"] = FORCE
    frame["months_in_period"] = 12
    return frame.drop(columns="year").astype(
        {"value": "float64", "numerator": "float64", "denominator": "float64"}
    )


QUARTERS = {1: "04-01", 2: "07-01", 3: "10-01", 4: "01-01"}


def quarter_start(fy: int, q: int) -> str:
    return f"{fy + (q == 4)}-{QUARTERS[q]}"


COUNTS = {2023: [10, 20, 30, 40], 2024: [15, 25, 25, 35], 2025: [12, 18]}
SHARES = {  # (numerator, denominator) by quarter
    2023: [(10, 100), (10, 100), (20, 100), (20, 100)],
    2024: [(20, 100), (0, 100), (20, 100), (20, 100)],
    2025: [(10, 50), (20, 150)],
}
# The same shares as outcome rates (int_outcome_maturity): one whose outcomes take a quarter to
# mature (k = 3 months), one whose loaded outcomes reach only to June 2025 (k = 0).
OUTCOME_METRICS = {"outcomes_lagged": (3, "2025-12-31"), "outcomes_capped": (0, "2025-06-30")}
# phi_p of the shares as of March 2025 (int_metric_dispersion, worked below).
SHARES_PHI = (2 * 25 / 12.75 + 2 * 25 / 4.75) / 3


def worked_series() -> pd.DataFrame:
    rows = []
    for metric in ("burglary", "burglary_rate"):
        for fy, values in COUNTS.items():
            rows += [
                (metric, "quarter", quarter_start(fy, q), v, None) for q, v in enumerate(values, 1)
            ]
    for metric in ("outcomes", "survey", *OUTCOME_METRICS):
        for fy, values in SHARES.items():
            rows += [
                (metric, "quarter", quarter_start(fy, q), x, n)
                for q, (x, n) in enumerate(values, 1)
            ]
    return series_frame(rows)


def worked_catalogue() -> pd.DataFrame:
    return catalogue(
        [
            {
                "metric_id": "burglary",
                "unit": "count",
                "comparison": "poisson",
                "polarity": "lower_is_better",
            },
            {
                "metric_id": "burglary_rate",
                "unit": "rate_per_1000",
                "comparison": "poisson",
                "polarity": "lower_is_better",
            },
            *(
                {
                    "metric_id": metric,
                    "unit": "percent",
                    "comparison": "proportion",
                    "polarity": "higher_is_better",
                    "target_type": "increase",
                }
                for metric in ("outcomes", *OUTCOME_METRICS)
            ),
            {
                "metric_id": "survey",
                "source": "victim_survey",
                "unit": "percent",
                "comparison": "proportion",
                "polarity": "higher_is_better",
            },
        ]
    )


@pytest.fixture(scope="module")
def worked(tmp_path_factory) -> dict[tuple[str, str], dict]:
    """Five metrics on the Home Office's quarterly grain, two complete years (2023/24 and the
    baseline 2024/25) and two quarters of 2025/26. The dispersion factors are given: phi = 2
    for the counts, and for the shares what int_metric_dispersion makes of them (tested
    below)."""
    path = tmp_path_factory.mktemp("worked") / "warehouse.duckdb"
    build(
        path,
        {
            "int_metric_catalogue": worked_catalogue(),
            "int_areas": pd.DataFrame([{"area_code": FORCE, "area_type": "force"}]),
            "int_metric_series": worked_series(),
            "int_metric_dispersion": pd.DataFrame(
                [
                    {
                        "metric_id": m,
                        "area_code": FORCE,
                        "period_end": pd.Timestamp(2025, 3, 31).date(),
                        "phi": 2.0 if m.startswith("burglary") else SHARES_PHI,
                    }
                    # a survey has none in the warehouse: here one that must not be used
                    for m in ("burglary", "burglary_rate", "outcomes", "survey", *OUTCOME_METRICS)
                ]
            ),
            "int_outcome_maturity": pd.DataFrame(
                [
                    {
                        "metric_id": m,
                        "follow_up_months": k,
                        "mature_through": pd.Timestamp(through).date(),
                    }
                    for m, (k, through) in OUTCOME_METRICS.items()
                ]
            ).astype({"follow_up_months": "int32"}),
            "int_metric_periods": periods_frame(
                [
                    ("burglary", 2024, 100, 100, None, 12),
                    ("burglary", 2025, 30, 30, None, 6),
                    # 10,000 people: a rate per 1,000 is the count / 10
                    ("burglary_rate", 2024, 10.0, 100, 10_000, 12),
                    ("burglary_rate", 2025, 3.0, 30, 10_000, 6),
                ]
                + [
                    row
                    for m in ("outcomes", "survey", *OUTCOME_METRICS)
                    for row in ((m, 2024, 15.0, 60, 400, 12), (m, 2025, 15.0, 30, 200, 6))
                ]
            ),
        },
        ["int_metric_projection"],
    )
    with duckdb.connect(str(path), read_only=True) as con:
        cursor = con.execute("select * from intermediate.int_metric_projection")
        names = [d[0] for d in cursor.description]
        found = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return {(r["metric_id"], str(r["as_of_period_end"])): r for r in found}


def test_only_years_with_two_complete_years_before_them_are_projected(worked):
    """... and an outcome rate only once a period of the year is mature: as of June 2025 the
    lagged one's year to date would run to March (k = 3), before the year began."""
    assert sorted(worked) == sorted(
        [
            (m, end)
            for m in ("burglary", "burglary_rate", "outcomes", "survey", "outcomes_capped")
            for end in ("2025-06-30", "2025-09-30")
        ]
        + [("outcomes_lagged", "2025-09-30")]
    )


@pytest.fixture(scope="module")
def worked_dispersion(tmp_path_factory) -> dict[str, float]:
    """int_metric_dispersion built on the worked series: the projection's phi as of March."""
    path = tmp_path_factory.mktemp("worked_dispersion") / "warehouse.duckdb"
    build(
        path,
        {
            "int_metric_catalogue": worked_catalogue(),
            "int_areas": pd.DataFrame([{"area_code": FORCE, "area_type": "force"}]),
            "int_metric_series": worked_series(),
        },
        ["int_metric_dispersion"],
    )
    with duckdb.connect(str(path), read_only=True) as con:
        found = con.execute(
            "select metric_id, phi from intermediate.int_metric_dispersion "
            "where period_end = date '2025-03-31'"
        ).fetchall()
    return dict(found)


def test_the_shares_dispersion_is_int_metric_dispersions_worked_by_hand(worked_dispersion):
    """The projection takes phi_p from int_metric_dispersion (one rule with the dashboard).
    As of March 2025 the shares' two complete years: 2024/25 put 20 and 0 where 2023/24 put 10
    and 10 of 100 (expected 15 and 5 each; Q3, Q4 as expected), chi-square = 2 x 25/12.75 +
    2 x 25/4.75 = 14.448 on (2 - 1) x (4 - 1) = 3 degrees of freedom, phi_p = 4.816. The
    counts (10 20 30 40 and 15 25 25 35 around 12.5 22.5 27.5 37.5) give chi-square 2.343 on
    3: phi floored at 1."""
    assert worked_dispersion["outcomes"] == pytest.approx(SHARES_PHI, rel=1e-12)
    assert round(SHARES_PHI, 3) == 4.816
    assert worked_dispersion["burglary"] == 1.0


def test_a_count_worked_by_hand(worked):
    """As of Q2 2025/26: Y = 12 + 18 = 30; the two previous years held A = 10+20+15+25 = 70 in
    Q1-Q2 and B = 30+40+25+35 = 130 in Q3-Q4, so the rest of the year is expected at
    30 x 130/70 = 55.71 and the year at 85.71. With phi = 2:
    var = 2 x (55.71 + 55.71^2 x (1/30 + 1/70 + 1/130)) = 454.81, sd = 21.33. The baseline
    year ended at 100 (lower is better): P(T < 100) = Phi((100 - 85.71) / 21.33) = 0.749,
    'at risk'."""
    row = worked[("burglary", "2025-09-30")]
    rest = 30 * 130 / 70
    variance = 2 * (rest + rest**2 * (1 / 30 + 1 / 70 + 1 / 130))
    sd = math.sqrt(variance)
    assert row["ytd_value"] == 30
    assert row["projected_value"] == pytest.approx(30 + rest, rel=1e-12)
    assert row["projected_sd"] == pytest.approx(sd, rel=1e-12)
    assert row["projected_sd"] == pytest.approx(21.3263, abs=1e-4)
    assert row["lower_80"] == pytest.approx(30 + rest - 1.2815515655446004 * sd, rel=1e-12)
    assert row["upper_95"] == pytest.approx(30 + rest + 1.959963984540054 * sd, rel=1e-12)
    chance = stats.norm.cdf((100 - (30 + rest)) / sd)
    assert row["probability_of_success"] == pytest.approx(chance, rel=1e-9)
    assert round(chance, 3) == 0.749
    assert (row["comparator"], row["comparator_value"]) == ("baseline", 100)
    assert row["verdict_code"] == "at_risk"
    assert row["periods_remaining"] == 2 and row["history_years"] == 2


def test_a_lower_bound_never_falls_below_what_is_already_counted(worked):
    """As of Q1: Y = 12, expected rest 12 x 175/25 = 84; sd = sqrt(2 x (84 + 84^2 x (1/12 +
    1/25 + 1/175))) = 44.6, so 96 - 1.96 sd is below 12: the 95% interval starts at 12."""
    row = worked[("burglary", "2025-06-30")]
    sd = math.sqrt(2 * (84 + 84**2 * (1 / 12 + 1 / 25 + 1 / 175)))
    assert row["projected_value"] == pytest.approx(96, rel=1e-12)
    assert row["projected_sd"] == pytest.approx(sd, rel=1e-12)
    assert row["lower_95"] == 12
    assert row["lower_80"] == pytest.approx(96 - 1.2815515655446004 * sd, rel=1e-12)


def test_a_rate_is_the_count_over_the_year_population(worked):
    count, rate = worked[("burglary", "2025-09-30")], worked[("burglary_rate", "2025-09-30")]
    for column in ("ytd_value", "projected_value", "projected_sd", "lower_80", "upper_95"):
        assert rate[column] == pytest.approx(count[column] / 10, rel=1e-12), column
    assert rate["comparator_value"] == 10.0
    assert rate["probability_of_success"] == pytest.approx(count["probability_of_success"])


def test_a_proportion_worked_by_hand(worked):
    """As of Q2: 30 positives of 200 so far (15%). The previous years' denominators split
    400 / 400, so 200 more are expected; their share was 40/400 in Q1-Q2 and 80/400 in Q3-Q4,
    a seasonal ratio of 2, so the rest of the year is expected at 30% and the year at
    (30 + 60) / 400 = 22.5%. Over-dispersion: 2024/25 put 20 and 0 where 2023/24 put 10 and 10
    (expected 15 and 5 each), int_metric_dispersion's phi_p = 4.816 (worked above)."""
    row = worked[("outcomes", "2025-09-30")]
    phi = SHARES_PHI
    assert row["dispersion"] == pytest.approx(phi, rel=1e-12)
    assert row["ytd_value"] == pytest.approx(15.0)
    assert row["projected_value"] == pytest.approx(22.5, rel=1e-12)
    w, p_rest, p_ytd = 200 / 400, 0.3, 0.15
    variance = (
        phi
        * 100**2
        * (
            200 * p_rest * (1 - p_rest) / 400**2  # the remaining months' own sampling
            + w**2 * 2**2 * p_ytd * (1 - p_ytd) / 200  # this year's share so far
            + w**2 * p_rest**2 * ((1 - 40 / 400) / 40 + (1 - 80 / 400) / 80)  # the seasonal ratio
        )
    )
    assert row["projected_sd"] == pytest.approx(math.sqrt(variance), rel=1e-12)
    chance = 1 - stats.norm.cdf((15 - 22.5) / math.sqrt(variance))
    assert row["probability_of_success"] == pytest.approx(chance, rel=1e-9)
    assert row["verdict_code"] == ("on_course" if chance >= 0.8 else "at_risk")
    assert row["upper_95"] <= 100 and row["lower_95"] >= 0
    assert (str(row["ytd_period_end"]), row["ytd_periods"]) == ("2025-09-30", 2)


def test_a_survey_percentage_allows_for_its_design_effect_not_a_dispersion_factor(worked):
    """The dashboard's rule for a survey: var survey_design_effect (1 by default), whatever a
    dispersion row says; so the same shares as 'outcomes' get the same projection with an
    sd smaller by the square root of phi_p."""
    survey, outcomes = worked[("survey", "2025-09-30")], worked[("outcomes", "2025-09-30")]
    assert survey["dispersion"] == 1.0
    assert survey["projected_value"] == pytest.approx(outcomes["projected_value"], rel=1e-12)
    assert survey["projected_sd"] == pytest.approx(
        outcomes["projected_sd"] / math.sqrt(SHARES_PHI), rel=1e-12
    )


@pytest.mark.parametrize(
    ("metric", "as_of"),
    [
        ("outcomes_lagged", "2025-09-30"),  # as of September, mature to June (k = 3)
        ("outcomes_capped", "2025-09-30"),  # k = 0, but the outcomes loaded reach only June
        ("outcomes_capped", "2025-06-30"),
    ],
)
def test_an_outcome_rates_year_to_date_stops_where_its_outcomes_are_mature(worked, metric, as_of):
    """The year to date is Q1 alone: 10 positives of 50 (20%), the rest of the year projected.
    The previous years held 30 of 200 in Q1 and 90 of 600 in Q2-Q4, so 50 x 600/200 = 150
    more are expected at a seasonal ratio (90/600) / (30/200) = 1: 20%, and the year at
    (10 + 30) / 200 = 20%. Variance as for the share above with w = 150/200, the year's
    share so far 0.2 of 50 and the seasonal ratio's counts 30 of 200 and 90 of 600."""
    row = worked[(metric, as_of)]
    assert (str(row["ytd_period_end"]), row["ytd_periods"]) == ("2025-06-30", 1)
    assert (row["as_of_position"], row["periods_remaining"]) == (2 if as_of > "2025-07" else 1, 3)
    assert row["ytd_value"] == pytest.approx(20.0)
    assert (row["ytd_numerator"], row["ytd_denominator"]) == (10, 50)
    assert row["projected_value"] == pytest.approx(20.0, rel=1e-12)
    w, p = 150 / 200, 0.2
    variance = (
        SHARES_PHI
        * 100**2
        * (
            150 * p * (1 - p) / 200**2
            + w**2 * (p * (1 - p) / 50 + p**2 * ((1 - 30 / 200) / 30 + (1 - 90 / 600) / 90))
        )
    )
    assert row["dispersion"] == pytest.approx(SHARES_PHI, rel=1e-12)
    assert row["projected_sd"] == pytest.approx(math.sqrt(variance), rel=1e-12)
    chance = 1 - stats.norm.cdf((15 - 20) / math.sqrt(variance))
    assert row["probability_of_success"] == pytest.approx(chance, rel=1e-9)


# ---- coverage over many simulated years ------------------------------------------------------

YEARS = range(2019, 2025)  # 2019/20 .. 2024/25: 2021/22 on have two or three years before them
COUNT_METRICS, SHARE_METRICS = 250, 150


def month_start(fy: int, position: int) -> pd.Timestamp:
    return pd.Timestamp(fy, 4, 1) + pd.DateOffset(months=position - 1)


def simulate(rng: np.random.Generator) -> tuple[pd.DataFrame, dict[tuple[str, int], float]]:
    """Series following the projection's own model, with a new level every year: a count is
    level x season with negative-binomial noise (variance phi x mean); a proportion's
    numerator is beta-binomial (variance phi x N p (1 - p)) around year share x season."""
    rows, finals = [], {}
    months = np.arange(1, 13)
    for i in range(COUNT_METRICS):
        metric, base = f"count_{i}", math.exp(rng.uniform(math.log(30), math.log(3000)))
        season = 1 + rng.uniform(0, 0.3) * np.sin(2 * np.pi * (months + rng.uniform(0, 12)) / 12)
        phi = rng.uniform(1, 4)
        for fy in YEARS:
            mean = base * math.exp(rng.normal(0, 0.15)) * season / season.mean()
            counts = rng.poisson(rng.gamma(mean / (phi - 1), phi - 1))
            rows += [
                (metric, month_start(fy, m), c, None) for m, c in zip(months, counts, strict=True)
            ]
            finals[(metric, fy)] = float(counts.sum())
    for i in range(SHARE_METRICS):
        metric, base = f"share_{i}", rng.uniform(0.1, 0.6)
        season = 1 + rng.uniform(0, 0.2) * np.sin(2 * np.pi * (months + rng.uniform(0, 12)) / 12)
        size = math.exp(rng.uniform(math.log(200), math.log(3000)))
        phi = rng.uniform(1, 4)
        for fy in YEARS:
            share = base * math.exp(rng.normal(0, 0.1)) * season
            denominators = rng.poisson(size * (1 + 0.2 * np.sin(2 * np.pi * months / 12)))
            rho = (phi - 1) / (denominators - 1)
            drawn = rng.beta(share * (1 / rho - 1), (1 - share) * (1 / rho - 1))
            numerators = rng.binomial(denominators, drawn)
            rows += [
                (metric, month_start(fy, m), x, n)
                for m, x, n in zip(months, numerators, denominators, strict=True)
            ]
            finals[(metric, fy)] = 100 * numerators.sum() / denominators.sum()
    frame = pd.DataFrame(rows, columns=["metric_id", "period_start", "numerator", "denominator"])
    frame["period_start"] = frame["period_start"].dt.date
    frame["grain"], frame["area_code"] = "month", FORCE
    return frame.astype({"numerator": "float64", "denominator": "float64"}), finals


# The simulated metrics are not outcome rates: their year to date runs to the as-of month.
NO_OUTCOME_METRICS = pd.DataFrame(
    {
        "metric_id": pd.Series(dtype="string"),
        "follow_up_months": pd.Series(dtype="int32"),
        "mature_through": pd.Series(dtype="datetime64[s]"),
    }
)


@pytest.fixture(scope="module")
def simulated(tmp_path_factory) -> pd.DataFrame:
    """Every projection made before a simulated year ended, beside the year's true figure; phi
    is estimated by int_metric_dispersion from the same simulated series."""
    series, finals = simulate(np.random.default_rng(14))
    metrics = [
        {"metric_id": f"count_{i}", "unit": "count", "comparison": "poisson", "polarity": "lower_is_better"}
        for i in range(COUNT_METRICS)
    ] + [
        {"metric_id": f"share_{i}", "unit": "percent", "comparison": "proportion", "polarity": "higher_is_better"}
        for i in range(SHARE_METRICS)
    ]  # fmt: skip
    path = tmp_path_factory.mktemp("simulated") / "warehouse.duckdb"
    build(
        path,
        {
            "int_metric_catalogue": catalogue(metrics),
            "int_areas": pd.DataFrame([{"area_code": FORCE, "area_type": "force"}]),
            "int_metric_series": series,
            "int_outcome_maturity": NO_OUTCOME_METRICS,
            "int_metric_periods": periods_frame(
                [(m["metric_id"], fy, None, None, None, 12) for m in metrics for fy in YEARS]
            ),
        },
        ["int_metric_dispersion", "int_metric_projection"],
    )
    with duckdb.connect(str(path), read_only=True) as con:
        found = con.execute(
            "select metric_id, fy_start_year, lower_80, upper_80, lower_95, upper_95 "
            "from intermediate.int_metric_projection where periods_remaining > 0"
        ).df()
    found["final"] = [
        finals[(m, y)] for m, y in zip(found.metric_id, found.fy_start_year, strict=True)
    ]
    return found


@pytest.mark.parametrize("kind", ["count", "share"])
def test_intervals_hold_the_true_year_end_at_their_nominal_rate(simulated, kind):
    """Each kind: hundreds of simulated years x 11 points in each (2021/22 to 2024/25)."""
    rows = simulated[simulated.metric_id.str.startswith(kind)]
    assert len(rows) == (COUNT_METRICS if kind == "count" else SHARE_METRICS) * 4 * 11
    inside_80 = ((rows.final >= rows.lower_80) & (rows.final <= rows.upper_80)).mean()
    inside_95 = ((rows.final >= rows.lower_95) & (rows.final <= rows.upper_95)).mean()
    assert 0.75 <= inside_80 <= 0.86, inside_80
    assert 0.92 <= inside_95 <= 0.98, inside_95
