"""Figures are the same on every build: the exact sums of dbt_project/macros/exact_sums.sql, run
in DuckDB on values where the order of addition matters, in many orders and thread counts; and
the models use them for every fractional sum (nothing sums or averages a DOUBLE)."""

from __future__ import annotations

import re
from decimal import Decimal, localcontext

import duckdb
import jinja2
import pytest

from orchestration.settings import DBT_PROJECT_DIR

MACROS = DBT_PROJECT_DIR / "macros" / "exact_sums.sql"
MODELS = DBT_PROJECT_DIR / "models"

# Where a double sum depends on its order: 1e15 + 0.1 is 1e15 + 0.125 in binary floating point,
# so 1e15 + 0.1 - 1e15 is 0.125 one way and 0.1 the other; 0.1 + 0.2 + 0.3 is 0.6000000000000001 one way
# and 0.6 the other (adjusted-serious probabilities are fractions like these).
ADVERSARIAL = (1e15, 1.0, -1e15, 0.1, 0.2, 0.3, 0.7, -1.0)
ROWS = 600_000  # several of DuckDB's 122,880-row groups, so more threads really split the work
GROUPS = 4


@pytest.fixture(scope="module")
def macros():
    """The macros exactly as the models call them (plain Jinja: they use nothing of dbt's)."""
    return jinja2.Environment().from_string(MACROS.read_text(encoding="utf-8")).module


@pytest.fixture(scope="module")
def con():
    connection = duckdb.connect()
    values = ", ".join(repr(v) for v in ADVERSARIAL)
    connection.execute(
        f"""
        create table casualties as
        select i, i % {GROUPS} as grp, ([{values}])[i % {len(ADVERSARIAL)} + 1]::double as x
        from range({ROWS}) as r(i)
        """
    )
    yield connection
    connection.close()


def exact_expected(con, macros) -> dict[int, Decimal]:
    """Each group's sum added up in Python, exactly, from the decimal each value becomes in
    DuckDB (the macro's one rounding of a value is a function of the value alone)."""
    as_decimal = dict(
        con.execute(
            f"select x, {macros.exact_sum('x')} from (select distinct x from casualties) group by x"
        ).fetchall()
    )
    totals = dict.fromkeys(range(GROUPS), Decimal(0))
    with localcontext() as exact:
        exact.prec = 60
        for i in range(ROWS):
            totals[i % GROUPS] += as_decimal[ADVERSARIAL[i % len(ADVERSARIAL)]]
    return totals


def sums_in_every_order(con, aggregate: str) -> set[tuple]:
    """The per-group result of ``aggregate`` (over column x) with 1, 2, 4 and 8 threads, and
    with rows shuffled three ways (one thread, so the shuffled order is the order added in)."""
    results = set()
    for threads in (1, 2, 4, 8):
        con.execute(f"set threads = {threads}")
        results.add(
            tuple(
                con.execute(
                    f"select grp, {aggregate} from casualties group by grp order by grp"
                ).fetchall()
            )
        )
    con.execute("set threads = 1")
    for seed in (1, 2, 3):
        shuffled = f"(select * from casualties order by hash(i + {seed})) as casualties"
        results.add(
            tuple(
                con.execute(
                    f"select grp, {aggregate} from {shuffled} group by grp order by grp"
                ).fetchall()
            )
        )
    con.execute("reset threads")
    return results


def test_a_double_sum_depends_on_the_order_it_adds_in(con):
    """The hazard is real on these values (if it were not, the test below would prove
    nothing): DuckDB's sum of a DOUBLE gives different answers in different orders."""
    assert len(sums_in_every_order(con, "sum(x)")) > 1


def test_exact_sum_is_the_same_in_every_order_and_thread_count(con, macros):
    results = sums_in_every_order(con, macros.exact_sum("x"))
    assert len(results) == 1
    (only,) = results
    assert dict(only) == exact_expected(con, macros)


def test_exact_mean_is_the_same_in_every_order_and_divided_once(con, macros):
    results = sums_in_every_order(con, macros.exact_mean("x", where="x <> 1.0"))
    assert len(results) == 1
    (only,) = results
    for group, mean in only:
        expected = con.execute(
            f"select cast({macros.exact_sum('x')} as double) / count(*) from casualties "
            "where grp = ? and x <> 1.0",
            [group],
        ).fetchone()[0]
        assert mean == expected
    # No rows to average: null, not a division by zero (which is inf in DuckDB).
    nothing = macros.exact_mean("x", where="false")
    assert con.execute(f"select {nothing} from casualties").fetchone()[0] is None


def test_the_ksi_arrow_cannot_flip_between_identical_builds(con, macros):
    """The same casualties in a baseline and a latest period, added in different orders: equal
    figures, so the direction is level (the dashboard's arrow is latest vs baseline). With
    double sums the two differ in their last bit and the arrow points up or down."""
    probabilities = ", ".join(repr(p) for p in (0.1, 0.2, 0.3, 0.7, 0.95, 0.05, 0.33))
    con.execute(
        f"""
        create temporary table periods as
        with casualties as (
            select n, ([{probabilities}])[n % 7 + 1]::double as p from range(140000) as r(n)
        )
        select 'baseline' as period, n as position, p from casualties
        union all
        select 'latest', 140000 - n, p from casualties
        """
    )
    con.execute("set threads = 1")  # one thread: the order below is the order added in
    try:
        figures = {}
        for aggregate in ("sum(p)", macros.exact_sum("p")):
            figures[aggregate] = dict(
                con.execute(
                    f"""
                    select period, cast({aggregate} as double)
                    from (select * from periods order by period, position)
                    group by period
                    """
                ).fetchall()
            )
    finally:
        con.execute("reset threads")
    doubles, exact = figures["sum(p)"], figures[macros.exact_sum("p")]
    assert doubles["baseline"] != doubles["latest"]  # the flip the hostile test saw
    assert exact["baseline"] == exact["latest"]


# Sums the models may take of a column as it is: integer counts, exact whatever the order.
# Anything fractional goes through exact_sum / exact_mean instead.
INTEGER_SUMS = {
    "int_population_by_area_year": ["population.population"],  # bigint (seed column type)
    "int_metric_inputs__home_office": ["offences.offences"],  # bigint (int_csp_offence_metrics)
    "int_csp_offence_metrics": ["offences.offences"],  # bigint (staging)
    "int_comparison_inputs__csps": ["offences.offences"],  # bigint (int_csp_offence_metrics)
    "int_funnel_assessment": ["numerator"],  # bigint (the comparison inputs' contract)
    # bigint: crimes, outcomes and crimes recorded per force and month
    # (int_metric_inputs__police_uk_by_force)
    "int_comparison_inputs__peer_forces": ["inputs.numerator", "inputs.denominator"],
    "police_uk_metric_inputs": [  # the macro int_metric_inputs__police_uk(_by_force) call
        "crime_counts.crimes",  # count(*)
        "case mapping.measure when 'positive_outcome_rate' then outcome_counts.positive "
        "else outcome_counts.out_of_court end",  # count(*) filter
        "outcome_counts.crimes",  # count(*)
    ],
    "int_metric_periods": ["case series.grain when 'month' then 1 else 3 end"],
    "mart_csp_crime": ["monthly_grid.crime_count"],  # count(*), 0 where none
    "int_npa_street_crimes": ["crimes"],  # count(*)
    "int_npa_metric_months": ["counts.crimes"],  # bigint (int_npa_street_crimes)
    "int_comparison_inputs__npas": ["monthly.crimes"],  # bigint (int_npa_metric_months)
    "mart_npa_crime": ["monthly.crimes"],  # bigint (int_npa_metric_months)
    "mart_csp_crime_totals": ["crime_count", "year_ago_crime_count"],  # bigint (mart_csp_crime)
    "int_metric_months_suspect": ["members_counting"],  # count(*) filter
    "int_metric_spc": [  # run numbering: 0 or 1 a point
        "case when side is distinct from prev_side then 1 else 0 end",
        "case when step is distinct from prev_step then 1 else 0 end",
        "side",  # -1, 0 or 1 a point (sign of a double)
    ],
}
ORDER_DEPENDENT_AGGREGATES = re.compile(
    r"\b(avg|mean|stddev\w*|var_\w+|variance|fsum|kahan_sum|sumkahan|product)\s*\(", re.I
)


def aggregate_arguments(sql: str, function: str) -> list[str]:
    """The argument text of every call of ``function`` (balanced parentheses), whitespace
    collapsed."""
    found = []
    for match in re.finditer(rf"\b{function}\s*\(", sql, re.I):
        depth, start = 1, match.end()
        position = start
        while depth:
            depth += {"(": 1, ")": -1}.get(sql[position], 0)
            position += 1
        found.append(" ".join(sql[start : position - 1].split()))
    return found


def without_comments(sql: str) -> str:
    sql = re.sub(r"\{#.*?#\}", "", sql, flags=re.S)
    return re.sub(r"--[^\n]*", "", sql)


def test_models_sum_only_integer_counts_or_exact_decimals():
    """The models and the macros they share (a rule several models use lives in a macro:
    its sums are the models' sums), but not the exact sums themselves."""
    sums, averages = {}, {}
    macros = sorted(p for p in (DBT_PROJECT_DIR / "macros").rglob("*.sql") if p != MACROS)
    for path in [*sorted(MODELS.rglob("*.sql")), *macros]:
        sql = without_comments(path.read_text(encoding="utf-8"))
        if found := aggregate_arguments(sql, "sum"):
            sums[path.stem] = found
        if hits := ORDER_DEPENDENT_AGGREGATES.findall(sql):
            averages[path.stem] = hits
    assert averages == {}, "average with exact_mean(), or sum exactly (macros/exact_sums.sql)"
    assert sums == INTEGER_SUMS, "a new sum: exact_sum() it, or list it here if it is of integers"
