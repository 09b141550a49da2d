"""Builds run dbt inside the Dagster step, and after a published build rebuild only what new
deliveries feed (publication/build_scope.py): the published marts are exactly those a full build
makes; a failing dbt test still fails the build, names the test and publishes nothing; and dbt
lets go of the warehouse when it ends. Real DuckDB files, real dbt, a real Dagster instance."""

from __future__ import annotations

import csv
import json
import subprocess
from collections import Counter

import duckdb
import pytest

from orchestration.database import connect
from orchestration.demo import write_demo_data
from orchestration.publication.build_state import latest_build
from orchestration.refresh import refresh
from orchestration.settings import PROJECT_ROOT
from tests.conftest import published_fingerprint

pytestmark = pytest.mark.slow
NEW_MONTH = "2025-10"  # the month after the demo's last
CORRECTED_MONTH = "2024-06"


def scope_and_nodes(settings) -> tuple[str, int]:
    with connect(settings.warehouse_path, read_only=True) as con:
        (scope,) = con.execute(
            "select scope from ops.warehouse_builds order by started_at desc limit 1"
        ).fetchone()
    run_results = json.loads((settings.data_dir / "dbt/target/run_results.json").read_text())
    return scope, len(run_results["results"])


def located_crimes(settings) -> list[tuple]:
    """int_street_crimes_located, the model built incrementally by file: every row, in order."""
    with connect(settings.warehouse_path, read_only=True) as con:
        return con.execute(
            "select * from intermediate.int_street_crimes_located order by all"
        ).fetchall()


def test_a_build_of_what_new_deliveries_feed_publishes_what_a_full_build_does(demo_copy):
    settings, delivered = demo_copy
    before = located_crimes(settings)
    write_demo_data(settings.landing_dir, start=NEW_MONTH, end=NEW_MONTH, seed=11)
    # And a corrected street file for an earlier month, its last 40 crimes withdrawn: the month's
    # rows are replaced (the incremental model drops the old file's rows).
    corrected = delivered / "police_uk" / f"{CORRECTED_MONTH}-leicestershire-street.csv"
    with corrected.open(newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    with (settings.landing_dir / "police_uk" / corrected.name).open(
        "w", newline="", encoding="utf-8"
    ) as file:
        csv.writer(file).writerows(rows[:-40])

    summary = refresh(settings)
    assert summary.ok and summary.build_run_id, summary
    scope, scoped_nodes = scope_and_nodes(settings)
    assert scope.startswith("what new deliveries feed (") and "police_uk_street" in scope
    assert "stats19" not in scope  # no STATS19 file this month: its models are left as built
    after_scoped = published_fingerprint(settings.data_dir)
    located = located_crimes(settings)
    months = Counter(f"{row[1]:%Y-%m}" for row in located)
    assert months[NEW_MONTH] > 0
    was = Counter(f"{row[1]:%Y-%m}" for row in before)
    assert months[CORRECTED_MONTH] == was[CORRECTED_MONTH] - 40

    summary = refresh(settings, full_build=True)
    assert summary.ok and summary.build_reason == "a full build was asked for", summary
    scope, all_nodes = scope_and_nodes(settings)
    assert scope == "full build: asked for"
    assert scoped_nodes < all_nodes
    assert published_fingerprint(settings.data_dir) == after_scoped
    assert located_crimes(settings) == located  # built whole, the same rows


def test_a_failing_dbt_test_fails_the_build_names_it_and_publishes_nothing(demo_copy):
    settings, _ = demo_copy
    published = published_fingerprint(settings.data_dir)
    with connect(settings.warehouse_path) as con:
        # A line delivered twice: staging's uniqueness test on (file, line) must catch it.
        con.execute("insert into raw.police_uk_street select * from raw.police_uk_street limit 1")

    summary = refresh(settings, full_build=True)

    assert summary.failed_runs == [summary.build_run_id]
    with connect(settings.warehouse_path, read_only=True) as con:
        build = latest_build(con)
    assert build.status == "failed"
    assert "unique_stg_police_uk__street_crimes_source_sha256_source_line" in build.failure
    assert published_fingerprint(settings.data_dir) == published
    # dbt let go of the file: this process opens it with another configuration, and so does
    # another process.
    duckdb.connect(str(settings.warehouse_path), config={"threads": 1}).close()
    status = subprocess.run(
        [str(PROJECT_ROOT / ".venv/bin/pcp"), "status", "--wait", "0"],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "PCP_DATA_DIR": str(settings.data_dir)},
    )
    assert status.returncode == 0, status.stdout + status.stderr
    assert "the last build failed" in status.stdout
    assert "  build scope   : full build: asked for\n" in status.stdout
