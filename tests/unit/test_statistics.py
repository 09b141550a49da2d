"""The dashboard's statistics (DuckDB macros created by dbt) against scipy, on many random cases,
and the worked shoplifting example of BRIEF.md (seed 000: 7.6 -> 8.0 per 1,000)."""

from __future__ import annotations

import math
import os
import subprocess

import duckdb
import numpy as np
import pytest
from scipy import stats

from orchestration.settings import DBT_PROJECT_DIR, PROJECT_ROOT


@pytest.fixture(scope="module")
def con(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    """A DuckDB file holding exactly the macros dbt creates at the start of every run."""
    path = tmp_path_factory.mktemp("stats") / "stats.duckdb"
    env = {**os.environ, "PCP_WAREHOUSE_PATH": str(path), "DO_NOT_TRACK": "1"}
    subprocess.run(
        [
            str(PROJECT_ROOT / ".venv" / "bin" / "dbt"),
            "run-operation",
            "create_statistics_macros",
            "--quiet",
        ],
        cwd=DBT_PROJECT_DIR,
        env=env,
        check=True,
    )
    connection = duckdb.connect(str(path))
    yield connection
    connection.close()


def one(con, sql: str, params: list) -> float:
    return con.execute(sql, params).fetchone()[0]


def test_normal_tail_matches_scipy(con):
    """Within 1e-10 relative where p-values are read (|z| < 5); in the far tail (p < 1e-6)
    Hart's approximation is within 1e-8, and 1e-7 beyond |z| = 7.07 (p < 1e-12)."""
    rng = np.random.default_rng(1)
    for z in [*rng.uniform(-9, 9, 400), 0.0, 1.959963984540054, 7.2, 12.0, 38.0]:
        ours = one(con, "select pcp_two_sided_p(?)", [float(z)])
        expected = min(1.0, 2 * stats.norm.sf(abs(z)))
        tolerance = 1e-10 if abs(z) < 5 else 1e-8 if abs(z) < 7.07 else 1e-7
        assert ours == pytest.approx(expected, rel=tolerance, abs=1e-300), z


def test_exact_binomial_test_matches_scipy_binomtest(con):
    rng = np.random.default_rng(2)
    for _ in range(300):
        n = int(rng.integers(1, 80))
        k = int(rng.integers(0, n + 1))
        p = float(rng.uniform(0.05, 0.95))
        ours = one(con, "select pcp_binomial_two_sided_p(?, ?, ?)", [k, n, p])
        assert ours == pytest.approx(stats.binomtest(k, n, p).pvalue, rel=1e-9), (k, n, p)


def test_exact_rate_comparison_is_the_conditional_binomial(con):
    rng = np.random.default_rng(3)
    for _ in range(200):
        c1, c2 = (int(x) for x in rng.integers(0, 25, 2))
        if c1 + c2 == 0:
            continue
        e1, e2 = (float(x) for x in rng.uniform(1e5, 2e6, 2) * 12)
        ours = one(con, "select pcp_exact_rate_p(?, ?, ?, ?)", [c1, e1, c2, e2])
        expected = stats.binomtest(c2, c1 + c2, e2 / (e1 + e2)).pvalue
        assert ours == pytest.approx(expected, rel=1e-9)


def test_poisson_z_rate_ratio_interval_and_p(con):
    rng = np.random.default_rng(4)
    for _ in range(300):
        c1, c2 = (float(x) for x in rng.integers(20, 20000, 2))
        e1, e2 = (float(x) for x in rng.uniform(1e4, 2e6, 2) * 12)
        phi = float(rng.choice([1.0, rng.uniform(1, 8), 0.5]))
        z, low, high = con.execute(
            "select pcp_poisson_z(?, ?, ?, ?, ?), pcp_poisson_ci(?, ?, ?, ?, ?, -1),"
            " pcp_poisson_ci(?, ?, ?, ?, ?, 1)",
            [c1, e1, c2, e2, phi] * 3,
        ).fetchone()
        se = math.sqrt(1 / c1 + 1 / c2) * math.sqrt(max(phi, 1.0))  # phi is floored at 1
        log_rr = math.log((c2 / e2) / (c1 / e1))
        assert z == pytest.approx(log_rr / se, rel=1e-12)
        q = stats.norm.ppf(0.975)
        assert low == pytest.approx(math.exp(log_rr - q * se), rel=1e-12)
        assert high == pytest.approx(math.exp(log_rr + q * se), rel=1e-12)


def test_two_proportion_z_and_wilson_interval(con):
    rng = np.random.default_rng(5)
    for _ in range(300):
        n1, n2 = (int(x) for x in rng.integers(30, 3000, 2))
        x1, x2 = int(rng.integers(1, n1)), int(rng.integers(1, n2))
        deff = float(rng.choice([1.0, 1.5]))
        z = one(con, "select pcp_two_proportion_z(?, ?, ?, ?, ?)", [x1, n1, x2, n2, deff])
        p1, p2 = x1 / n1, x2 / n2
        expected = (p2 - p1) / math.sqrt(p1 * (1 - p1) * deff / n1 + p2 * (1 - p2) * deff / n2)
        assert z == pytest.approx(expected, rel=1e-12)
        lower, upper = con.execute(
            "select pcp_wilson_bound(?, ?, -1), pcp_wilson_bound(?, ?, 1)", [x1, n1, x1, n1]
        ).fetchone()
        interval = stats.binomtest(x1, n1).proportion_ci(method="wilson")
        assert lower == pytest.approx(100 * interval.low, rel=1e-9)
        assert upper == pytest.approx(100 * interval.high, rel=1e-9)


def test_csew_interval_z_uses_the_published_intervals(con):
    z = one(con, "select pcp_interval_z(?, ?, ?, ?, ?, ?)", [65.9, 62.0, 69.8, 67.8, 64.0, 71.6])
    se1, se2 = (69.8 - 62.0) / 3.92, (71.6 - 64.0) / 3.92
    assert z == pytest.approx((67.8 - 65.9) / math.hypot(se1, se2), rel=1e-12)


@pytest.mark.parametrize(
    ("phi", "expected_z", "significant"), [(1, 3.4, True), (3, 2.0, True), (4, 1.7, False)]
)
def test_the_worked_shoplifting_example(con, phi, expected_z, significant):
    """BRIEF.md: ~8,740 -> ~9,200 offences, population ~1.15m: z ~3.4 (phi 1), ~2.0 (phi 3:
    borderline), ~1.7 (phi 4: not significant)."""
    exposure = 1_150_000 * 12
    z, p = con.execute(
        "select pcp_poisson_z(8740, ?, 9200, ?, ?), pcp_two_sided_p(pcp_poisson_z(8740, ?, 9200, ?, ?))",
        [exposure, exposure, phi] * 2,
    ).fetchone()
    assert round(z, 1) == expected_z
    assert (p < 0.05) is significant


def test_the_same_rates_in_one_small_csp_are_not_significant(con):
    """Rutland (~41,000 people) at 7.6 and 8.0 per 1,000: about 313 and 329 offences."""
    exposure = 41_151 * 12
    p = one(con, "select pcp_two_sided_p(pcp_poisson_z(313, ?, 329, ?, 1))", [exposure, exposure])
    assert p > 0.5


def test_normal_cdf_matches_scipy(con):
    """The projection's probability of beating a baseline is a normal CDF (both tails)."""
    for x in [-8.0, -3.2, -1.2815515655446004, -0.3, 0.0, 0.4, 1.959963984540054, 6.5]:
        ours = one(con, "select pcp_normal_cdf(?)", [x])
        assert ours == pytest.approx(stats.norm.cdf(x), rel=1e-9, abs=1e-15), x
