"""The peer comparison's inputs on the demo warehouse: the home force's figures are the
dashboard's own, and the peers it takes in sit beside them."""

from __future__ import annotations

import duckdb

from tests.integration.conftest import DEMO_PEERS

CRIME_METRICS = ("27", "55", "69", "70", "71", "72")
# Positive-outcome rates (proportions of the crimes recorded) and out-of-court resolutions.
OUTCOME_METRICS = ("28", "57", "89", "90")
PROPORTIONS = ("28", "57", "89")


def rows(demo, sql: str) -> list[tuple]:
    settings, _ = demo
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_the_home_forces_counts_and_population_are_the_dashboards(demo):
    """The home force's crimes, outcomes and cases are the dashboard's own figures (one rule
    counts every force); outcome metrics only for periods whose outcomes have had the full
    follow-up by the latest outcomes file (2025-09: periods to 2025-06)."""
    compared = rows(
        demo,
        """select c.metric_id, c.period_type, c.period_end, c.numerator, c.denominator,
                  f.numerator, f.denominator, f.population
           from intermediate.int_comparison_inputs__peer_forces as c
           inner join marts.fct_metric_period as f
               on f.metric_id = c.metric_id and f.area_code = c.unit_code
               and f.period_end = c.period_end
               and f.period_type = case c.period_type when 'quarter' then 'quarter' else 'R12' end
           where c.is_home and c.period_end between date '2024-06-30' and date '2025-09-30'""",
    )
    # Six quarter ends of crime metrics, five of outcome metrics; each a quarter and 12 months.
    assert len(compared) == 6 * 2 * len(CRIME_METRICS) + 5 * 2 * len(OUTCOME_METRICS)
    assert max(r[2] for r in compared if r[0] in OUTCOME_METRICS).isoformat() == "2025-06-30"
    for metric, period, end, numerator, denominator, fct_count, fct_cases, fct_people in compared:
        assert numerator == fct_count, (metric, period, end)
        if metric in PROPORTIONS:  # a share of the crimes recorded
            assert denominator == fct_cases and fct_cases > 0, (metric, period, end)
        else:  # per 1,000 of the force's residents, the dashboard's population
            assert denominator == fct_people, (metric, period, end)


def test_the_peer_group_for_2025_26_q1(demo):
    group = rows(
        demo,
        """select metric_id, period_type, unit_name, is_home, numerator, denominator,
                  numerator / denominator * per as rate, group_code, period_label
           from intermediate.int_comparison_inputs__peer_forces
           where period_end = date '2025-06-30'""",
    )
    names = {"Leicestershire", "Nottinghamshire", "Derbyshire", "Hertfordshire"}
    assert len(DEMO_PEERS) == 3
    for metric in CRIME_METRICS:
        for period, label in (("quarter", "2025/26 Q1"), ("12_months", "12 months to 2025/26 Q1")):
            units = [r for r in group if r[0] == metric and r[1] == period]
            assert {r[2] for r in units} == names, (metric, period)
            assert [r[2] for r in units if r[3]] == ["Leicestershire"]
            assert {(r[7], r[8]) for r in units} == {("E23000021", label)}
            assert len({round(r[6], 6) for r in units}) == 4  # distinct levels
    # Plausible 12-month neighbourhood crime rates (per 1,000 residents).
    for row in group:
        if row[0] == "27" and row[1] == "12_months":
            assert 5 < row[6] < 20, row
    # The outcome metrics, every force at the full follow-up: positive-outcome rates as
    # percentages of the crimes recorded, out-of-court resolutions per 1,000 residents.
    for metric in OUTCOME_METRICS:
        units = [r for r in group if r[0] == metric and r[1] == "12_months"]
        assert {r[2] for r in units} == names, metric
        for row in units:
            assert 0 < row[6] < (60 if metric in PROPORTIONS else 20), row


def test_outcome_metrics_wait_for_every_forces_follow_up(demo):
    """The latest quarter (2025/26 Q2) is compared on crimes but not yet on outcomes: its
    crimes' outcomes are not three months old in any force's files."""
    latest = rows(
        demo,
        """select distinct metric_id from intermediate.int_comparison_inputs__peer_forces
           where period_end = date '2025-09-30'""",
    )
    assert {m for (m,) in latest} == set(CRIME_METRICS)


def test_the_peer_comparison_mart_sets_the_home_force_against_its_peers(demo):
    settings, _ = demo
    with duckdb.connect(str(settings.published_dir / "marts.duckdb"), read_only=True) as con:
        mart = con.execute(
            """select metric_id, period_type, unit_name, is_home, numerator, verdict,
                      units_in_group
               from mart_peer_comparison where period_end = date '2025-06-30'"""
        ).fetchall()
    inputs = rows(
        demo,
        """select metric_id, period_type, unit_name, numerator
           from intermediate.int_comparison_inputs__peer_forces
           where period_end = date '2025-06-30'""",
    )
    assert sorted((m, p, u, n) for m, p, u, _, n, _, _ in mart) == sorted(inputs)
    assert {m for m, *_ in mart} == {*CRIME_METRICS, *OUTCOME_METRICS}
    assert all(units == 1 + len(DEMO_PEERS) for *_, units in mart)
    assert {u for _, _, u, home, *_ in mart if home} == {"Leicestershire"}
    assert all(verdict is not None for *_, verdict, _ in mart)
