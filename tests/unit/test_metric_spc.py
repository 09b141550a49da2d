"""SPC beside the RAG and suspect data (issue 14 items 3 and 4): int_metric_months_suspect and
int_metric_spc built by dbt on a small synthetic DuckDB made here, then checked three ways:
- scenarios: a shift run and a point beyond the limits are detected, with the verdict the
  metric's polarity gives; a collapse to near zero and a source whose reach dropped are suspect
  (and a suspect month sets no limit); a numeric target gets its assurance verdict;
- hand computations of an XmR chart's limits;
- an independent implementation on the same series: the `abspc` package (NHS Making Data
  Count, a dev dependency only) for the XmR limits, the four rules and the assurance verdict.
  abspc has no Laney chart, so the Laney p' and u' limits are computed here in numpy from
  Laney's published definition (Laney 2002) and abspc's rules are applied to them.
The build uses abspc's run lengths (a shift of 8, a trend of 6: dbt vars spc_shift_run and
spc_trend_run) so that the two can be compared point by point."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest
from abspc import spc as abspc

from orchestration.settings import DBT_PROJECT_DIR, PROJECT_ROOT

MONTHS = [date(2022 + (6 + i) // 12, (6 + i) % 12 + 1, 1) for i in range(36)]  # 2022-07..2025-06
SHIFT_RUN, TREND_RUN = 8, 6  # abspc's (detect_special_causes has them fixed)


def _random_counts(seed: int, level: float = 200.0) -> list[float]:
    rng = np.random.default_rng(seed)
    return [float(v) for v in rng.poisson(level, len(MONTHS))]


def _series() -> dict[str, dict]:
    """metric_id -> unit, polarity, target and the monthly numerators (and denominators)."""
    series: dict[str, dict] = {
        # Hand-computable: 48, 52, 48, ... (moving range 4) with one 66 in month 30.
        "spike": {
            "unit": "count",
            "polarity": "higher_is_better",
            "num": [66.0 if i == 29 else (48.0 if i % 2 == 0 else 52.0) for i in range(36)],
        },
        # Around 100 for 27 months, then 9 months around 112: a shift up; lower is better.
        "shift_up": {
            "unit": "count",
            "polarity": "lower_is_better",
            "num": [
                (112.0 if i >= 27 else 100.0) + (3.0 if i % 3 == 0 else -2.0 if i % 3 == 1 else 0.0)
                for i in range(36)
            ],
        },
        # A steady 28/32 a month, then 1 in the last month: a feed that dropped a category.
        "collapse": {
            "unit": "count",
            "polarity": "lower_is_better",
            "num": [1.0 if i == 35 else (28.0 if i % 2 == 0 else 32.0) for i in range(36)],
        },
        # A steady 48/52, then 150 in one jump: far beyond the limits at once.
        "jump": {
            "unit": "count",
            "polarity": "lower_is_better",
            "num": [150.0 if i == 35 else (48.0 if i % 2 == 0 else 52.0) for i in range(36)],
        },
        # 100/104 for two years, then 5 lower each month (outcomes still maturing): a drift.
        "drift": {
            "unit": "count",
            "polarity": "higher_is_better",
            "num": [(100.0 if i % 2 == 0 else 104.0) - 5.0 * max(0, i - 23) for i in range(36)],
        },
        # A force total that holds up while three of its four areas stop counting (below).
        "reach": {
            "unit": "count",
            "polarity": "lower_is_better",
            "num": [100.0 if i % 2 == 0 else 104.0 for i in range(36)],
        },
        # Percent near 90 with a threshold target: above it consistently (lower limit ~88).
        "share_meets": {
            "unit": "percent",
            "polarity": "higher_is_better",
            "target": 80.0,
            "num": [900.0 + (5 if i % 2 else -5) for i in range(36)],
            "den": [1000.0] * 36,
        },
        # The same shares, lower is better, target below 85: every value fails it.
        "share_fails": {
            "unit": "percent",
            "polarity": "lower_is_better",
            "target": 85.0,
            "num": [900.0 + (5 if i % 2 else -5) for i in range(36)],
            "den": [1000.0] * 36,
        },
    }
    # An outcome rate whose last three months are not yet followed up (int_outcome_maturity
    # below): they fall as recent outcomes always do, and are neither charted nor suspect.
    series["outcomes"] = {
        "unit": "percent",
        "polarity": "higher_is_better",
        "num": [
            120.0 + (4 if i % 2 else -4) - (40.0 * (i - 32) if i > 32 else 0) for i in range(36)
        ],
        "den": [1000.0] * 36,
    }
    # Random series for the comparison with abspc, with a trend and a shift injected.
    for seed in range(6):
        counts = _random_counts(seed)
        if seed % 2 == 0:
            counts[20:27] = [c + 12 * k for k, c in enumerate(counts[20:27])]
        else:
            counts[26:] = [c + 35 for c in counts[26:]]
        series[f"random_{seed}"] = {
            "unit": "count",
            "polarity": "higher_is_better" if seed % 2 else "lower_is_better",
            "target": 210.0 if seed < 3 else None,
            "num": counts,
        }
    # Laney p': over-dispersed shares with varying denominators.
    rng = np.random.default_rng(42)
    den = [float(d) for d in rng.integers(300, 1500, 36)]
    share = np.clip(0.3 + rng.normal(0, 0.03, 36), 0.05, 0.95)
    share[31] = 0.46
    series["laney_p"] = {
        "unit": "percent",
        "polarity": "higher_is_better",
        "num": [float(round(s * d)) for s, d in zip(share, den, strict=True)],
        "den": den,
    }
    # Laney u': a rate per 1,000 of a population that steps up each April.
    population = [1_000_000.0 + 12_000.0 * ((m.year - 2022) + (m.month >= 4) - 1) for m in MONTHS]
    series["laney_u"] = {
        "unit": "rate_per_1000",
        "polarity": "lower_is_better",
        "num": [float(c) for c in np.random.default_rng(7).poisson(300, 36)],
        "population": population,
    }
    return series


SERIES = _series()


def _periods() -> pd.DataFrame:
    rows = []
    for metric_id, spec in SERIES.items():
        for i, month in enumerate(MONTHS):
            num = spec["num"][i]
            den = spec.get("den", [None] * 36)[i]
            population = spec.get("population", [1_000_000.0] * 36)[i]
            if spec["unit"] == "percent":
                value = num * 100 / den
            elif spec["unit"] == "rate_per_1000":
                value = num * 1000 / population
            else:
                value = num
            rows.append(
                {
                    "metric_id": metric_id,
                    "area_code": "F",
                    "period_type": "month",
                    "period_start": month,
                    "numerator": num,
                    "denominator": den,
                    "population": population,
                    "value": value,
                    "unit": spec["unit"],
                    "data_status": "complete",
                }
            )
    return pd.DataFrame(rows)


def _members() -> pd.DataFrame:
    """The reach metric's four areas: each counts a quarter until the last month, when only
    one does (it carries the whole count, so the force total does not move)."""
    rows = []
    for i, month in enumerate(MONTHS):
        total = SERIES["reach"]["num"][i]
        for k, area in enumerate(["A1", "A2", "A3", "A4"]):
            share = (1.0 if k == 0 else 0.0) if i == 35 else 0.25
            rows.append(
                {
                    "metric_id": "reach",
                    "grain": "month",
                    "period_start": month,
                    "area_code": area,
                    "numerator": total * share,
                    "denominator": None,
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def spc(tmp_path_factory) -> pd.DataFrame:
    """int_metric_spc joined to int_metric_months_suspect, as dbt builds them here."""
    path = tmp_path_factory.mktemp("spc") / "warehouse.duckdb"
    catalogue = pd.DataFrame(
        [
            {
                "metric_id": metric_id,
                "unit": spec["unit"],
                "polarity": spec["polarity"],
                "target_type": "threshold" if spec.get("target") is not None else "decrease",
                "target_value": str(spec["target"]) if spec.get("target") is not None else None,
            }
            for metric_id, spec in SERIES.items()
        ]
    )
    periods, members = _periods(), _members()
    areas = pd.DataFrame({"area_code": ["F", "A1", "A2", "A3", "A4"]}).assign(
        area_type=lambda frame: np.where(frame.area_code == "F", "force", "local_authority")
    )
    with duckdb.connect(str(path)) as con:
        con.execute("create schema intermediate")
        for name, frame in {
            "int_metric_catalogue": catalogue,
            "int_metric_periods": periods,
            "int_metric_series": members,
            "int_areas": areas,
            "int_outcome_maturity": pd.DataFrame(
                {"metric_id": ["outcomes"], "mature_to": [date(2025, 3, 1)]}
            ),
        }.items():
            con.register("frame", frame)
            con.execute(f"create table intermediate.{name} as select * from frame")
            con.unregister("frame")
    env = {**os.environ, "PCP_WAREHOUSE_PATH": str(path), "DO_NOT_TRACK": "1"}
    subprocess.run(
        [
            str(PROJECT_ROOT / ".venv" / "bin" / "dbt"),
            "run",
            "--select",
            "int_metric_months_suspect int_metric_spc",
            "--vars",
            json.dumps({"spc_shift_run": SHIFT_RUN, "spc_trend_run": TREND_RUN}),
            "--target-path",
            str(tmp_path_factory.mktemp("dbt-target")),
            "--quiet",
        ],
        cwd=DBT_PROJECT_DIR,
        env=env,
        check=True,
    )
    with duckdb.connect(str(path), read_only=True) as con:
        return con.sql(
            """
            select spc.*, months.near_zero, months.beyond_limits as far_beyond,
                   months.reach_dropped, months.suspect_reason
            from intermediate.int_metric_spc as spc
            inner join intermediate.int_metric_months_suspect as months
                using (metric_id, month_start)
            order by metric_id, month_start
            """
        ).df()


def chart(spc: pd.DataFrame, metric_id: str) -> pd.DataFrame:
    rows = spc[spc.metric_id == metric_id].reset_index(drop=True)
    assert len(rows) == 36, f"{metric_id}: {len(rows)} months charted"
    return rows


# Scenarios -------------------------------------------------------------------------------


def test_a_point_beyond_the_limits_is_detected_with_hand_computed_limits(spc):
    """48/52 alternating with one 66 (in place of a 52): mean = (18 x 48 + 17 x 52 + 66) / 36
    = 50.3889; moving ranges 33 x 4 + |66 - 48| + |48 - 66| = 168 over 35, so sigma =
    4.8 / 1.128 = 4.2553 and the upper limit 50.3889 + 12.7660 = 63.1549 < 66."""
    rows = chart(spc, "spike")
    assert rows.chart_type.iloc[0] == "xmr"
    assert rows.centre.iloc[0] == pytest.approx((18 * 48 + 17 * 52 + 66) / 36)
    sigma = (33 * 4 + 18 + 18) / 35 / 1.128
    assert rows.sigma.iloc[0] == pytest.approx(sigma)
    assert rows.upper_limit.iloc[0] == pytest.approx(1814 / 36 + 3 * sigma)
    assert rows.upper_limit.iloc[0] == pytest.approx(63.1549, abs=1e-4)
    fired = rows[rows.rule_fired.notna()]
    assert list(fired.month_start.astype(str)) == ["2024-12-01"]
    assert fired.rule_fired.iloc[0] == "beyond_limit"
    assert fired.variation.iloc[0] == "special cause improvement"  # higher is better
    # Beyond 3 sigma, but not twice as far as the limits of the months before it: real data.
    assert not rows.is_suspect.any()
    assert rows.is_latest.iloc[-1] and rows.variation.iloc[-1] == "common cause"


def test_a_shift_run_is_detected_and_judged_by_polarity(spc):
    rows = chart(spc, "shift_up")
    shifted = rows[rows.month_start >= pd.Timestamp("2024-10-01")]
    assert shifted["shift"].all()
    assert set(shifted.variation) == {"special cause concern"}  # higher, lower is better
    assert rows.variation.iloc[-1] == "special cause concern"
    assert not rows.is_suspect.any()  # a real step, not suspect data


def test_a_collapse_to_near_zero_is_suspect_and_sets_no_limit(spc):
    rows = chart(spc, "collapse")
    last = rows.iloc[-1]
    assert last.is_suspect and last.near_zero
    assert last.variation == "suspect data" and pd.isna(last.rule_fired)
    assert last.suspect_reason == "fell to 1.00 from a steady 29.94 a month"
    assert last.points == 35
    # The limits come from the 35 steady months alone: 30 +/- 3 x 4 / 1.128.
    assert last.centre == pytest.approx(30.0 - 2 / 35)
    assert rows.upper_limit.iloc[0] == pytest.approx(last.centre + 3 * 4 / 1.128)
    assert not rows.is_suspect.iloc[:-1].any()


def test_a_jump_far_beyond_the_limits_is_suspect_and_a_drift_is_a_signal(spc):
    """150 after 35 months of 48/52: 100.06 from their mean of 49.94 (= (18 x 48 + 17 x 52) / 35),
    more than 3 times their limit distance 3 x 4 / 1.128 = 10.64, and in one jump."""
    jump = chart(spc, "jump").iloc[-1]
    assert jump.is_suspect and jump.far_beyond and not jump.near_zero
    assert jump.suspect_reason == (
        "150 is more than 3 times beyond the process limits of the previous 35 months "
        "(39.30 to 60.58)"
    )
    drift = chart(spc, "drift")
    assert not drift.is_suspect.any()
    assert drift.variation.iloc[-1] == "special cause concern"  # falling, higher is better


def test_immature_outcome_months_are_neither_charted_nor_suspect(spc):
    rows = spc[spc.metric_id == "outcomes"]
    assert rows.month_start.max() == pd.Timestamp("2025-03-01")
    assert len(rows) == 33 and rows.points.iloc[0] == 33
    assert not rows.is_suspect.any() and rows.variation.iloc[-1] == "common cause"


def test_a_source_whose_reach_dropped_is_suspect_though_its_total_holds(spc):
    rows = chart(spc, "reach")
    assert rows.reach_dropped.iloc[-1] and rows.is_suspect.iloc[-1]
    assert rows.suspect_reason.iloc[-1] == "had only 1 areas counting anything (usually 4)"
    assert not rows.near_zero.any() and not rows.far_beyond.any()


def test_a_numeric_target_gets_an_assurance_verdict(spc):
    rows = chart(spc, "share_meets")
    assert rows.chart_type.iloc[0] == "laney_p"
    assert rows.lower_limit.iloc[-1] > 80
    assert rows.assurance.iloc[-1] == "consistently meets"
    assert chart(spc, "share_fails").assurance.iloc[-1] == "consistently fails"
    assert set(spc[spc.metric_id == "random_0"].assurance.dropna()) == {"hit and miss"}
    assert chart(spc, "spike").assurance.isna().all()  # no numeric target


# Against an independent implementation -----------------------------------------------------


def _abspc_rules(values, mean, ucl, lcl, uwl, lwl) -> pd.DataFrame:
    frame = pd.DataFrame(
        {"value": values, "mean": mean, "ucl": ucl, "lcl": lcl, "uwl": uwl, "lwl": lwl}
    )
    return abspc.detect_special_causes(frame)


def _assert_same_rules(ours: pd.DataFrame, theirs: pd.DataFrame, metric_id: str) -> None:
    for our_rule, their_rule in [
        ("beyond_limit", "rule1"),
        ("shift", "rule2"),
        ("trend", "rule3"),
        ("two_of_three", "rule4"),
    ]:
        assert list(ours[our_rule]) == list(theirs[their_rule]), f"{metric_id}: {our_rule}"


XMR = ["spike", "shift_up", *[f"random_{seed}" for seed in range(6)]]


@pytest.mark.parametrize("metric_id", XMR)
def test_xmr_limits_rules_and_assurance_agree_with_abspc(spc, metric_id):
    rows = chart(spc, metric_id)
    theirs = abspc.calculate_control_limits(rows[["value"]], chart_type="XmR")
    for ours_column, their_column in [
        ("centre", "mean"),
        ("upper_limit", "ucl"),
        ("lower_limit", "lcl"),
        ("upper_near", "uwl"),
        ("lower_near", "lwl"),
    ]:
        assert np.allclose(rows[ours_column], theirs[their_column], rtol=1e-12), ours_column
    rules = abspc.detect_special_causes(theirs)
    _assert_same_rules(rows, rules, metric_id)
    target = SERIES[metric_id].get("target")
    direction = "high" if SERIES[metric_id]["polarity"] == "higher_is_better" else "low"
    expected = {"pass": "consistently meets", "fail": "consistently fails"}.get(
        abspc.determine_assurance_type(theirs, target, direction), "hit and miss"
    )
    if target is None:
        assert pd.isna(rows.assurance.iloc[-1])
    else:
        assert rows.assurance.iloc[-1] == expected


def test_the_comparison_covers_every_rule(spc):
    """The random series are not all quiet: each rule fires somewhere in the comparison."""
    compared = spc[spc.metric_id.isin(XMR)]
    for rule in ["beyond_limit", "shift", "trend", "two_of_three"]:
        assert compared[rule].any(), rule


def _laney(numerators, exposures, scale, binomial):
    """Laney p' / u' (Laney 2002): centre = pooled rate; sigma_i at each denominator; z-scores'
    mean moving range / 1.128 widens them."""
    x, n = np.asarray(numerators), np.asarray(exposures)
    centre = x.sum() / n.sum()
    within = np.sqrt(centre * (1 - centre) / n) if binomial else np.sqrt(centre / n)
    z = (x / n - centre) / within
    sigma_z = np.abs(np.diff(z)).mean() / 1.128
    sigma = scale * within * sigma_z
    return scale * centre, sigma


@pytest.mark.parametrize("metric_id", ["laney_p", "laney_u"])
def test_laney_limits_agree_with_the_published_definition_and_abspc_rules(spc, metric_id):
    rows = chart(spc, metric_id)
    spec = SERIES[metric_id]
    if metric_id == "laney_p":
        centre, sigma = _laney(spec["num"], spec["den"], 100.0, binomial=True)
    else:
        centre, sigma = _laney(spec["num"], np.asarray(spec["population"]) / 1000, 1.0, False)
    assert rows.chart_type.iloc[0] == metric_id
    assert np.allclose(rows.centre, centre, rtol=1e-12)
    assert np.allclose(rows.upper_limit, centre + 3 * sigma, rtol=1e-12)
    assert np.allclose(rows.lower_limit, centre - 3 * sigma, rtol=1e-12)
    rules = _abspc_rules(
        rows.value,
        centre,
        centre + 3 * sigma,
        centre - 3 * sigma,
        centre + 2 * sigma,
        centre - 2 * sigma,
    )
    _assert_same_rules(rows, rules, metric_id)
    if metric_id == "laney_p":
        assert rows.beyond_limit.iloc[31]  # the 46% month
