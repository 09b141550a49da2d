"""Funnel plots (Spiegelhalter 2005): the real int_funnel_assessment and mart_funnel_limits
built by dbt on a small synthetic DuckDB this test writes (int_comparison_inputs and the metric
catalogue as tables), checked against a hand computation, for both over-dispersion
adjustments; a unit far outside the limits
is flagged and one inside is not.

The hand case (group 'hand'): five units of 10,000 residents each with 100, 100, 100, 60 and
140 crimes, so values 10, 10, 10, 6 and 14 per 1,000 and a target of 500 / 50,000 x 1,000 =
10. V(target) = 10 x 1,000 = 10,000, so the sd at 10,000 residents is sqrt(10,000 / 10,000) =
1 and the z-scores are 0, 0, 0, -4, 4.
- Winsorising at 10% (linear interpolation over the sorted z [-4, 0, 0, 0, 4]): the 10th
  percentile is at position 0.1 x 4 = 0.4, -4 + 0.4 x 4 = -2.4; the 90th at 3.6, 0 + 0.6 x 4 =
  2.4. phi = (2.4^2 + 0 + 0 + 0 + 2.4^2) / 5 = 11.52 / 5 = 2.304.
- Test: n x phi = 11.52 > n - 1 = 4, so over-dispersed.
- Additive: sum w - sum w^2 / sum w, w = n_i / V: (50,000 - 5 x 10,000^2 / 50,000) / 10,000 =
  40,000 / 10,000 = 4; tau^2 = (11.52 - 4) / 4 = 1.88. Adjusted sd = sqrt(1 + 1.88) =
  sqrt(2.88) = 1.697056. 95%: 10 +/- 1.959964 x 1.697056 = 10 +/- 3.326169; 99.8%: 10 +/-
  3.090232 x 1.697056 = 10 +/- 5.244298. So 14 is above_95 (14 > 13.326, < 15.244) and 6
  below_95; unadjusted, 14 would be above_99_8 (99.8% upper 10 + 3.090232 = 13.090232).
- Multiplicative: sd = sqrt(2.304) = 1.517893; 95% upper 10 + 2.975016 = 12.975016; 99.8%
  upper 10 + 4.690643 = 14.690643: 14 is above_95.
- Ranks (1 = highest): 140 -> 1; the three 100s -> 2, 3, 4 by unit code; 60 -> 5. The units'
  own 95% intervals (Poisson, square-root scale: (sqrt(y) -/+ 0.98)^2 / 10,000 x 1,000):
  100 -> [8.1361, 12.0560]; 60 -> [4.5779, 7.6142]; 140 -> [11.7770, 16.4151]. Only 60 is
  certainly below the rest (7.6142 < 8.1361), and 140's interval overlaps the 100s'. So the
  rank intervals are 140: 1..4, each 100: 1..4, 60: 5..5.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import subprocess

import controlchartspy
import duckdb
import pytest

from orchestration.settings import DBT_PROJECT_DIR, PROJECT_ROOT

MODELS = ("int_funnel_assessment", "mart_funnel_limits")
PERIOD = dt.date(2025, 4, 1)
HAND = {"A": 100, "B": 100, "C": 100, "D": 60, "E": 140}
# A larger group: twenty units of 50,000 .. 240,000 residents near 20 per 1,000 (a spread a
# little beyond Poisson noise, fixed here), one far outside ('FAR': 60 per 1,000) and one
# exactly at the rest's rate ('MID').
SPREAD = [0.97, 1.02, 0.99, 1.04, 0.96, 1.01, 1.03, 0.98, 1.0, 1.05, 0.95, 1.02, 0.99, 1.01,
          0.97, 1.03, 0.98, 1.0, 1.02, 0.99]  # fmt: skip


def input_rows() -> list[dict]:
    def row(group: str, unit: str, numerator: int, denominator: float) -> dict:
        return {
            "comparison": "all_csps",
            "group_code": group,
            "group_name": f"group {group}",
            "metric_id": "m1",
            "period_type": "12_months",
            "period_start": PERIOD,
            "period_end": dt.date(2026, 3, 31),
            "period_label": "12 months to 2025/26 Q4",
            "unit_type": "csp",
            "unit_code": unit,
            "unit_name": f"unit {unit}",
            "is_home": unit in ("E", "FAR"),
            "numerator": numerator,
            "denominator": denominator,
            "measure_kind": "rate",
            "per": 1000,
        }

    rows = [row("hand", unit, count, 10_000.0) for unit, count in HAND.items()]
    for index, level in enumerate(SPREAD):
        people = 50_000 + 10_000 * index
        rows.append(row("large", f"U{index:02d}", round(people * 0.02 * level), float(people)))
    rows.append(row("large", "FAR", 60 * 100, 100_000.0))
    rows.append(row("large", "MID", 2_000, 100_000.0))
    # For the independent check: thirty units of 200,000 .. 2,030,000 residents near 10 per
    # 1,000 (2,000 .. 20,000 crimes), spread about 4% either way (Poisson alone: 0.7 .. 2.2%).
    for index in range(30):
        people = 200_000 + 63_100 * index
        level = 1 + 0.04 * math.sin(1.7 * index)
        rows.append(row("check", f"C{index:02d}", round(people * 0.01 * level), float(people)))
    return rows


def build(folder, method: str) -> duckdb.DuckDBPyConnection:
    path = folder / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema intermediate")
    con.execute(
        "create table intermediate.int_comparison_inputs as select * replace ("
        "cast(numerator as bigint) as numerator, cast(per as integer) as per) "
        "from (select unnest(?, recursive := true))",
        [input_rows()],
    )
    con.execute(
        "create table intermediate.int_metric_catalogue as select 'm1' as metric_id, "
        "'Metric one' as metric_name, 'lower_is_better' as polarity"
    )
    con.close()
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
            "run",
            "--select",
            *MODELS,
            "--vars",
            json.dumps({"funnel_overdispersion_method": method}),
            "--quiet",
        ],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return duckdb.connect(str(path), read_only=True)


@pytest.fixture(scope="module")
def additive(tmp_path_factory):
    con = build(tmp_path_factory.mktemp("funnel-additive"), "additive")
    yield con
    con.close()


@pytest.fixture(scope="module")
def multiplicative(tmp_path_factory):
    con = build(tmp_path_factory.mktemp("funnel-multiplicative"), "multiplicative")
    yield con
    con.close()


def units(con, group: str) -> dict[str, dict]:
    cursor = con.execute(
        "select * from intermediate.int_funnel_assessment where group_code = ?", [group]
    )
    names = [c[0] for c in cursor.description]
    return {
        row[names.index("unit_code")]: dict(zip(names, row, strict=True))
        for row in cursor.fetchall()
    }


def test_hand_case_additive(additive):
    hand = units(additive, "hand")
    e, d = hand["E"], hand["D"]
    assert e["target_value"] == pytest.approx(10.0)
    assert [hand[u]["z_unadjusted"] for u in "ABCDE"] == pytest.approx([0, 0, 0, -4, 4])
    assert e["phi"] == pytest.approx(2.304)
    assert e["is_overdispersed"] is True
    assert e["overdispersion_adjustment"] == "additive"
    assert e["tau_squared"] == pytest.approx(1.88)
    assert e["adjustment_factor"] == pytest.approx(1.88)
    assert e["upper_95"] == pytest.approx(11.959964, abs=1e-6)
    assert e["upper_99_8"] == pytest.approx(13.090232, abs=1e-6)
    assert e["lower_99_8"] == pytest.approx(6.909768, abs=1e-6)
    assert e["upper_95_adjusted"] == pytest.approx(13.326169, abs=1e-6)
    assert e["lower_95_adjusted"] == pytest.approx(6.673831, abs=1e-6)
    assert e["upper_99_8_adjusted"] == pytest.approx(15.244298, abs=1e-6)
    assert e["z_adjusted"] == pytest.approx(4 / math.sqrt(2.88))
    assert (e["verdict"], d["verdict"], hand["A"]["verdict"]) == ("above_95", "below_95", "within")


def test_hand_case_ranks_and_honest_intervals(additive):
    hand = units(additive, "hand")
    assert {u: hand[u]["rank_in_group"] for u in "ABCDE"} == {"E": 1, "A": 2, "B": 3, "C": 4,
                                                             "D": 5}  # fmt: skip
    assert hand["E"]["interval_lower_95"] == pytest.approx(11.7770, abs=1e-4)
    assert hand["A"]["interval_upper_95"] == pytest.approx(12.0560, abs=1e-4)
    assert hand["D"]["interval_upper_95"] == pytest.approx(7.6142, abs=1e-4)
    assert {u: (hand[u]["rank_best"], hand[u]["rank_worst"]) for u in "ABCDE"} == {
        "A": (1, 4), "B": (1, 4), "C": (1, 4), "D": (5, 5), "E": (1, 4),
    }  # fmt: skip


def test_hand_case_multiplicative(multiplicative):
    e = units(multiplicative, "hand")["E"]
    assert e["overdispersion_adjustment"] == "multiplicative"
    assert e["adjustment_factor"] == pytest.approx(2.304)
    assert e["upper_95_adjusted"] == pytest.approx(12.975016, abs=1e-6)
    assert e["upper_99_8_adjusted"] == pytest.approx(14.690643, abs=1e-6)
    assert e["verdict"] == "above_95"


def test_unit_far_outside_is_flagged_and_one_inside_is_not(additive, multiplicative):
    for con in (additive, multiplicative):
        large = units(con, "large")
        assert large["FAR"]["verdict"] == "above_99_8"
        assert large["MID"]["verdict"] == "within"
        assert large["FAR"]["rank_in_group"] == 1
        assert (large["FAR"]["rank_best"], large["FAR"]["rank_worst"]) == (1, 1)


def test_limit_curves_match_the_units_limits(additive):
    """The chart's curve at a unit's denominator is the unit's own limits: one rule."""
    con = additive
    curve = con.execute(
        "select denominator, upper_95_adjusted, lower_99_8 from marts.mart_funnel_limits "
        "where group_code = 'large' order by point_number"
    ).fetchall()
    assert len(curve) == 60
    denominators = [c[0] for c in curve]
    assert denominators[0] == pytest.approx(0.8 * 50_000)
    assert denominators[-1] == pytest.approx(1.2 * 240_000)
    # The funnel narrows as the denominator grows.
    widths = [c[1] for c in curve]
    assert widths == sorted(widths, reverse=True)
    hand = con.execute(
        "select denominator, target_value, upper_95_adjusted, upper_99_8 "
        "from marts.mart_funnel_limits where group_code = 'hand' and point_number = 0"
    ).fetchall()[0]
    sd = math.sqrt(10_000 / 8_000)  # V / n at n = 0.8 x 10,000
    assert hand[0] == pytest.approx(8_000)
    assert hand[2] == pytest.approx(10 + 1.959964 * math.sqrt(sd**2 + 1.88), abs=1e-5)
    assert hand[3] == pytest.approx(10 + 3.090232 * sd, abs=1e-5)


def controlcharts_limits(con, od_adjust: str) -> tuple[dict[str, dict], dict[str, dict]]:
    """Our units of group 'check', and controlchartspy's funnel limits for the same units.

    controlchartspy (PyPI; the Power BI SPC funnel engine, Andrew Johnson) draws an indirectly
    standardised ratio (chart 'SR': observed / expected, target 1) with exact Poisson limits
    (chi-square quantiles) and, with od_adjust 'yes', the same Spiegelhalter recipe (10%
    Winsorised z-scores, DerSimonian-Laird tau^2, adjusted when n x phi > n - 1) on the
    square-root scale. Like with like: each unit's expected count at our target
    (target / per x denominator), so our rate limits / target are its ratio limits."""
    ours = units(con, "check")
    target = next(iter(ours.values()))["target_value"]
    codes = sorted(ours)
    theirs = controlchartspy.funnel(
        {
            "unit": codes,
            "observed": [ours[c]["numerator"] for c in codes],
            "expected": [target / 1000 * ours[c]["denominator"] for c in codes],
        },
        keys="unit",
        numerators="observed",
        denominators="expected",
        funnel_settings={"chart_type": "SR", "od_adjust": od_adjust},
        return_objs="limits",
    ).limits
    return ours, {row["group"]: {**row, "target_value": target} for row in theirs}


def test_unadjusted_limits_agree_with_controlchartspy_exact_poisson(additive):
    """Our normal limits against its exact Poisson limits, in counts at each unit's expected
    count E (2,000 .. 20,000): the exact limits sit higher by the normal approximation's known
    skew and continuity terms, (z^2 + 2) / 3 for an upper limit and (z^2 - 1) / 3 for a lower
    (z = 1.96: 1.95 and 0.95 crimes; z = 3.09: 3.85 and 2.85), and by nothing else."""
    ours, theirs = controlcharts_limits(additive, "no")
    for code, unit in ours.items():
        to_counts = unit["denominator"] / 1000
        for our_column, their_column, z, upper in (
            ("lower_95", "ll95", 1.959964, False), ("upper_95", "ul95", 1.959964, True),
            ("lower_99_8", "ll99", 3.090232, False), ("upper_99_8", "ul99", 3.090232, True),
        ):  # fmt: skip
            shift = (z**2 + 2) / 3 if upper else (z**2 - 1) / 3
            their_count = theirs[code][their_column] * unit["target_value"] * to_counts
            assert unit[our_column] * to_counts + shift == pytest.approx(their_count, abs=0.15), (
                code,
                our_column,
            )


def test_additive_adjustment_agrees_with_controlchartspy(additive):
    """Both find the group over-dispersed and widen the limits alike: within 3% of the
    adjusted half-width. (It works on the square-root scale, so its limits come back squared,
    (1 + a)^2 = 1 + 2a + a^2: both its limits sit higher by about a^2, 2% of the half-width
    at this spread; ours are on the rate's own scale, the Poisson terms above aside.)"""
    ours, theirs = controlcharts_limits(additive, "yes")
    assert {u["overdispersion_adjustment"] for u in ours.values()} == {"additive"}
    for code, unit in ours.items():
        target = unit["target_value"]
        half_width = unit["upper_99_8_adjusted"] - target
        assert half_width > 1.4 * (unit["upper_99_8"] - target)  # a real widening to check
        for our_column, their_column in (
            ("lower_95_adjusted", "ll95"), ("upper_95_adjusted", "ul95"),
            ("lower_99_8_adjusted", "ll99"), ("upper_99_8_adjusted", "ul99"),
        ):  # fmt: skip
            assert unit[our_column] == pytest.approx(
                theirs[code][their_column] * target, abs=0.03 * half_width
            ), (code, our_column)
