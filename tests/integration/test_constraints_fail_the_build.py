"""A row that breaks a table's constraint fails the build, and nothing of it is published.

The intermediate and mart tables check their keys, not-nulls and accepted values as contract
constraints that DuckDB enforces while dbt creates each table (no dbt test runs after it). Here a
CSEW estimate that no intake or staging check refuses (its own period_end is unique) lands in
the same month as the home force's estimate for that month, so mart_csew_peers (grain metric x
month end x force) would hold two rows with one key. Real DuckDB, real dbt, real Dagster.
"""

from __future__ import annotations

import hashlib
import json

import duckdb
import pytest

from orchestration.defs.warehouse.dbt_assets import dbt_target_dir
from orchestration.demo.crime_model import MonthKey
from orchestration.demo.police_uk import street_rows, write_street_csv
from orchestration.publication.build_state import latest_build
from orchestration.refresh import refresh

pytestmark = pytest.mark.slow


def table_hashes(path, schema: str | None = None) -> dict[str, str]:
    """Every table's rows, hashed, by table (of ``schema``, or of the whole file)."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables()"
            " where ? is null or schema_name = ? order by all",
            [schema, schema],
        ).fetchall()
        return {
            f"{s}.{t}": hashlib.sha256(
                repr(con.execute(f'select * from "{s}"."{t}" order by all').fetchall()).encode()
            ).hexdigest()
            for s, t in tables
        }


def test_a_row_breaking_a_key_constraint_fails_the_build_and_is_not_published(demo_copy):
    settings, _ = demo_copy
    published_before = table_hashes(settings.published_dir / "marts.duckdb")
    marts_before = table_hashes(settings.warehouse_path, "marts")
    with duckdb.connect(str(settings.warehouse_path)) as con:
        # A second estimate of a peer force's measure, dated another day of the same month (a
        # peer's: the home force's figures also feed int_metric_periods, whose grain is a test).
        inserted = con.execute(
            """
            insert into raw.csew_force_estimates
            select estimates.* replace (
                case when period_end = last_day(period_end) then period_end - 1
                     else last_day(period_end) end as period_end,
                source_line + 1000000 as source_line
            )
            from raw.csew_force_estimates as estimates
            where exists (
                select 1 from marts.mart_csew_peers as peers
                inner join reference.metric_survey_measures as measures
                    on measures.metric_id = peers.metric_id
                where not peers.is_home_force
                    and peers.force_slug = estimates.force_slug
                    and peers.period_end = last_day(estimates.period_end)
                    and measures.measure = estimates.measure
            )
            order by period_end desc, force_slug, measure
            limit 1
            """
        ).fetchall()
    assert inserted == [(1,)]
    # A revised police.uk month arrives, so the refresh builds.
    revised = street_rows(MonthKey(2025, 9), release=MonthKey(2025, 12), seed=11)
    write_street_csv(
        settings.landing_for("police_uk") / "2025-09-leicestershire-street.csv", revised
    )

    summary = refresh(settings)

    assert summary.build_run_id is not None and summary.build_run_id in summary.failed_runs
    results = json.loads((dbt_target_dir(settings) / "run_results.json").read_text())["results"]
    failed = {
        r["unique_id"].split(".")[-1]: r["message"] for r in results if r["status"] == "error"
    }
    assert "mart_csew_peers" in failed, failed
    assert "PRIMARY KEY or UNIQUE constraint violation" in failed["mart_csew_peers"]
    # No dbt test had to find it: the table refused the row as it was built.
    tests = [r for r in results if r["unique_id"].startswith("test.")]
    assert tests and not [r["unique_id"] for r in tests if r["status"] in ("fail", "error")]
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        build = latest_build(con)
    assert build.status == "failed"
    # The table the failed model would have replaced is still there, and nothing was published.
    assert (
        table_hashes(settings.warehouse_path, "marts")["marts.mart_csew_peers"]
        == (marts_before["marts.mart_csew_peers"])
    )
    assert table_hashes(settings.published_dir / "marts.duckdb") == published_before
