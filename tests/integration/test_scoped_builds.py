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


def crime_outcomes(settings) -> tuple[list[tuple], list[tuple]]:
    """int_crime_outcomes_latest, built incrementally by file, and its list of those files."""
    with connect(settings.warehouse_path, read_only=True) as con:
        return (
            con.execute(
                "select * from intermediate.int_crime_outcomes_latest order by all"
            ).fetchall(),
            con.execute(
                "select * from intermediate.int_crime_outcomes_latest__files order by all"
            ).fetchall(),
        )


# A value no build makes (every crime is on a street row), and no model reads street_rows: a
# row still carrying it was left as it stood by the build, a row without it was made again.
MARK = -1


def mark(settings, crime_id: str) -> int:
    """Put MARK on one crime's row of int_crime_outcomes_latest; its street_rows before."""
    with connect(settings.warehouse_path) as con:
        (was,) = con.execute(
            "select street_rows from intermediate.int_crime_outcomes_latest where crime_id = ?",
            [crime_id],
        ).fetchone()
        con.execute(
            "update intermediate.int_crime_outcomes_latest set street_rows = ? where crime_id = ?",
            [MARK, crime_id],
        )
    return was


def unmark(settings, crime_id: str, street_rows: int) -> None:
    with connect(settings.warehouse_path) as con:
        con.execute(
            "update intermediate.int_crime_outcomes_latest set street_rows = ? where crime_id = ?",
            [street_rows, crime_id],
        )


def marked(settings, crime_id: str) -> bool:
    with connect(settings.warehouse_path, read_only=True) as con:
        (street_rows,) = con.execute(
            "select street_rows from intermediate.int_crime_outcomes_latest where crime_id = ?",
            [crime_id],
        ).fetchone()
    return street_rows == MARK


def crimes_in(path) -> set[str]:
    with path.open(newline="", encoding="utf-8") as file:
        return {row["Crime ID"] for row in csv.DictReader(file) if row["Crime ID"]}


def home_crimes(settings) -> list[str]:
    with connect(settings.warehouse_path, read_only=True) as con:
        return [
            crime_id
            for (crime_id,) in con.execute(
                "select crime_id from intermediate.int_crime_outcomes_latest order by crime_id"
            ).fetchall()
        ]


def scoped_refresh(settings) -> tuple[str, int, dict[str, str], list[tuple], tuple]:
    """A refresh that builds what the new deliveries feed: its scope and node count, and what it
    left published and in the two models built incrementally by file."""
    summary = refresh(settings)
    assert summary.ok and summary.build_run_id, summary
    scope, nodes = scope_and_nodes(settings)
    assert scope.startswith("what new deliveries feed (") and "police_uk_street" in scope
    assert "stats19" not in scope  # no STATS19 file this month: its models are left as built
    return (
        scope,
        nodes,
        published_fingerprint(settings.data_dir),
        located_crimes(settings),
        crime_outcomes(settings),
    )


def full_build_agrees(settings, scoped_nodes, published, located, outcomes) -> None:
    """A full build then publishes the same marts, and builds the two incremental models whole
    with the same rows."""
    summary = refresh(settings, full_build=True)
    assert summary.ok and summary.build_reason == "a full build was asked for", summary
    scope, all_nodes = scope_and_nodes(settings)
    assert scope == "full build: asked for"
    assert scoped_nodes < all_nodes
    assert published_fingerprint(settings.data_dir) == published
    assert located_crimes(settings) == located
    assert crime_outcomes(settings) == outcomes


def test_a_build_of_what_new_deliveries_feed_publishes_what_a_full_build_does(demo_copy):
    settings, delivered = demo_copy
    police_uk = settings.landing_dir / "police_uk"
    before = located_crimes(settings)

    # A new month. Its outcomes file carries outcomes of older crimes: those crimes' rows of
    # int_crime_outcomes_latest are made again, and a crime no new file carries is left as built.
    write_demo_data(settings.landing_dir, start=NEW_MONTH, end=NEW_MONTH, seed=11)
    outcomes_now = crimes_in(police_uk / f"{NEW_MONTH}-leicestershire-outcomes.csv")
    new_files = outcomes_now | crimes_in(police_uk / f"{NEW_MONTH}-leicestershire-street.csv")
    known = home_crimes(settings)
    carried = next(crime for crime in known if crime in outcomes_now)
    untouched = next(crime for crime in known if crime not in new_files)
    mark(settings, carried)
    untouched_rows = mark(settings, untouched)

    _, nodes, published, located, outcomes = scoped_refresh(settings)
    assert not marked(settings, carried)
    assert marked(settings, untouched)
    unmark(settings, untouched, untouched_rows)
    outcomes = crime_outcomes(settings)
    assert {row[1] for row in outcomes[0]} >= new_files  # every crime of the new month is in
    full_build_agrees(settings, nodes, published, located, outcomes)

    # Then a corrected street file for an earlier month, its last 40 crimes withdrawn: the
    # month's rows of int_street_crimes_located are replaced (the old file's rows dropped), and
    # every crime of the force is made again (which crimes the old file held is not kept).
    was = Counter(f"{row[1]:%Y-%m}" for row in located_crimes(settings))
    corrected = delivered / "police_uk" / f"{CORRECTED_MONTH}-leicestershire-street.csv"
    with corrected.open(newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    with (police_uk / corrected.name).open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows(rows[:-40])
    untouched_rows = mark(settings, untouched)

    _, nodes, published, located, outcomes = scoped_refresh(settings)
    assert not marked(settings, untouched)
    months = Counter(f"{row[1]:%Y-%m}" for row in located)
    assert months[CORRECTED_MONTH] == was[CORRECTED_MONTH] - 40
    assert months[NEW_MONTH] > 0 and Counter(f"{row[1]:%Y-%m}" for row in before)[NEW_MONTH] == 0
    full_build_agrees(settings, nodes, published, located, outcomes)


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
    assert "unique_key_stg_police_uk__street_crimes_source_sha256__source_line" in build.failure
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
