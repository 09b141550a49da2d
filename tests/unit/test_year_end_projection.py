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
    base = {"target_type": "decrease", "target_operator": None, "target_value": None}
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


@pytest.fixture(scope="module")
def worked(tmp_path_factory) -> dict[tuple[str, str], dict]:
    """Three metrics on the Home Office's quarterly grain, two complete years (2023/24 and the
    baseline 2024/25) and two quarters of 2025/26."""
    counts = {2023: [10, 20, 30, 40], 2024: [15, 25, 25, 35], 2025: [12, 18]}
    shares = {  # (numerator, denominator) by quarter
        2023: [(10, 100), (10, 100), (20, 100), (20, 100)],
        2024: [(20, 100), (0, 100), (20, 100), (20, 100)],
        2025: [(10, 50), (20, 150)],
    }
    rows = []
    for metric in ("burglary", "burglary_rate"):
        for fy, values in counts.items():
            rows += [
                (metric, "quarter", quarter_start(fy, q), v, None) for q, v in enumerate(values, 1)
            ]
    for fy, values in shares.items():
        rows += [
            ("outcomes", "quarter", quarter_start(fy, q), x, n)
            for q, (x, n) in enumerate(values, 1)
        ]
    path = tmp_path_factory.mktemp("worked") / "warehouse.duckdb"
    build(
        path,
        {
            "int_metric_catalogue": catalogue(
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
                    {
                        "metric_id": "outcomes",
                        "unit": "percent",
                        "comparison": "proportion",
                        "polarity": "higher_is_better",
                        "target_type": "increase",
                    },
                ]
            ),
            "int_areas": pd.DataFrame([{"area_code": FORCE, "area_type": "force"}]),
            "int_metric_series": series_frame(rows),
            "int_metric_dispersion": pd.DataFrame(
                [
                    {
                        "metric_id": m,
                        "area_code": FORCE,
                        "period_end": pd.Timestamp(2025, 3, 31).date(),
                        "phi": 2.0,
                    }
                    for m in ("burglary", "burglary_rate")
                ]
            ),
            "int_metric_periods": periods_frame(
                [
                    ("burglary", 2024, 100, 100, None, 12),
                    ("burglary", 2025, 30, 30, None, 6),
                    # 10,000 people: a rate per 1,000 is the count / 10
                    ("burglary_rate", 2024, 10.0, 100, 10_000, 12),
                    ("burglary_rate", 2025, 3.0, 30, 10_000, 6),
                    ("outcomes", 2024, 15.0, 60, 400, 12),
                    ("outcomes", 2025, 15.0, 30, 200, 6),
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
    assert sorted(worked) == sorted(
        (m, end)
        for m in ("burglary", "burglary_rate", "outcomes")
        for end in ("2025-06-30", "2025-09-30")
    )


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
    (expected 15 and 5 each), chi-square = 2 x 25/12.75 + 2 x 25/4.75 = 14.448 on 3 degrees of
    freedom, phi_p = 4.816."""
    row = worked[("outcomes", "2025-09-30")]
    phi = (2 * 25 / 12.75 + 2 * 25 / 4.75) / 3
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
