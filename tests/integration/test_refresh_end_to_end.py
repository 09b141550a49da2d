"""`pcp refresh` end to end: files in landing -> Dagster run -> DuckDB -> dbt marts.

Real components throughout: a DuckDB file in a temporary data dir, a Dagster instance there,
dbt run by Dagster. Expected figures are computed from the delivered files by a different route
from the warehouse's (LSOA code -> authority from the reference list, not the LSOA name).
"""

from __future__ import annotations

import csv
import hashlib
import subprocess
from collections import Counter
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.demo import write_demo_data
from orchestration.demo.crime_model import MonthKey
from orchestration.demo.police_uk import DATA_DIR as DEMO_DATA_DIR
from orchestration.demo.police_uk import street_rows, write_street_csv
from orchestration.refresh import refresh
from orchestration.settings import PROJECT_ROOT, SEEDS_DIR
from orchestration.status import read_status

pytestmark = pytest.mark.slow
SEED = 11


def csp_by_lsoa_code() -> dict[str, str]:
    with (SEEDS_DIR / "areas.csv").open(newline="", encoding="utf-8") as handle:
        csp_by_name = {
            a["area_name"]: a["csp_code"] for a in csv.DictReader(handle) if a["csp_code"]
        }
    with (DEMO_DATA_DIR / "lsoas.csv").open(newline="", encoding="utf-8") as handle:
        return {
            r["lsoa_code"]: csp_by_name.get(r["la_name"], "ZZ-OUTSIDE")
            for r in csv.DictReader(handle)
        }


def expected_counts(files: list[Path]) -> Counter:
    """(month, csp_code, crime_type) -> rows, straight from the delivered files."""
    lookup = csp_by_lsoa_code()
    counts: Counter = Counter()
    for path in files:
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                csp = lookup[row["LSOA code"]] if row["LSOA code"] else "ZZ-NOLOC"
                counts[(row["Month"], csp, row["Crime type"])] += 1
    return counts


def mart_counts(warehouse: Path, period_type: str = "month") -> Counter:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            """
            select strftime(period_start, '%Y-%m'), csp_code, crime_type, crime_count
            from marts.mart_csp_crime where period_type = ? and crime_count > 0
            """,
            [period_type],
        ).fetchall()
    return Counter({(m, c, t): n for m, c, t, n in rows})


def published_counts(settings) -> Counter:
    """mart_csp_crime monthly counts in the analysts' published copy."""
    with duckdb.connect(str(settings.published_dir / "marts.duckdb"), read_only=True) as con:
        rows = con.execute(
            """
            select strftime(period_start, '%Y-%m'), csp_code, crime_type, crime_count
            from mart_csp_crime where period_type = 'month' and crime_count > 0
            """
        ).fetchall()
    return Counter({(m, c, t): n for m, c, t, n in rows})


def warehouse_fingerprint(warehouse: Path) -> str:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        mart = con.execute("select * from marts.mart_csp_crime order by all").fetchall()
        raw = con.execute(
            "select * exclude (loaded_at) from raw.police_uk_street order by all"
        ).fetchall()
        manifest = con.execute(
            "select sha256, status, version from ops.file_manifest order by all"
        ).fetchall()
    return hashlib.sha256(repr((mart, raw, manifest)).encode()).hexdigest()


def deliver(settings, start: str, end: str, seed: int = SEED) -> list[Path]:
    written = write_demo_data(settings.landing_dir, start=start, end=end, seed=seed)
    return [path for path, _ in written["police_uk"] if path.name.endswith("-street.csv")]


def read_copy(paths: list[Path], into: Path) -> list[Path]:
    into.mkdir(parents=True, exist_ok=True)
    copies = []
    for path in paths:
        copy = into / path.name
        copy.write_bytes(path.read_bytes())
        copies.append(copy)
    return copies


def check_results(settings, run_id: str) -> dict[str, tuple[bool, str | None]]:
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        records = instance.get_records_for_run(
            run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
        ).records
    results = {}
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        asset = evaluation.asset_key.path[-1]
        results[f"{asset}.{evaluation.check_name}"] = (evaluation.passed, evaluation.severity.value)
    return results


def dbt_tests_of(settings, run_id: str, model: str) -> dict[str, str]:
    """The dbt tests of ``model`` and their status, from its materialization in the run."""
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        records = instance.get_records_for_run(
            run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
        ).records
    for record in records:
        materialization = record.event_log_entry.dagster_event.event_specific_data.materialization
        if materialization.asset_key.path[-1] == model:
            table = materialization.metadata["dbt test results"].value
            rows = [line.strip("| ").split(" | ") for line in table.splitlines()[2:]]
            return dict(rows)
    raise AssertionError(f"{model} was not materialized in run {run_id}")


def test_three_months_reach_the_mart_exactly(settings, tmp_path):
    files = deliver(settings, "2024-04", "2024-06")
    inputs = read_copy(files, tmp_path / "delivered")

    summary = refresh(settings)

    assert summary.ok
    # One intake run per cadence: the three months of the monthly sources in a single run, the
    # quarter of the Home Office table, the partner returns and CSEW together; then one build.
    runs = {(r.job_name, r.partition_range) for r in summary.plan.runs}
    assert runs == {
        ("intake_monthly_sources", ("2024-04", "2024-06")),
        ("intake_quarterly_sources", ("2024-04", "2024-04")),
        ("intake_unpartitioned_sources", None),
    }
    assert len(summary.intake_run_ids) == 3 and summary.build_run_id is not None
    expected = expected_counts(inputs)
    assert mart_counts(settings.warehouse_path) == expected
    # Every row of every file is counted somewhere, quarter and year alike.
    total_rows = sum(expected.values())
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        totals = dict(
            con.execute(
                "select period_type, sum(crime_count) from marts.mart_csp_crime group by 1"
            ).fetchall()
        )
        quarter = con.execute(
            """select distinct period_label, months_loaded, is_complete_period
               from marts.mart_csp_crime where period_type <> 'month'"""
        ).fetchall()
        members = con.execute(
            "select count(distinct csp_code), min(crime_count) from marts.mart_csp_crime"
        ).fetchall()[0]
    assert totals == {"month": total_rows, "quarter": total_rows, "FY": total_rows}
    assert sorted(quarter) == [("2024/25", 3, False), ("2024/25-Q1", 3, True)]
    assert members == (11, 0)  # nine CSPs + no location + outside, dense with zeros
    # Files were archived by content, landing emptied, and Dagster recorded the run and checks.
    assert not any(settings.landing_for("police_uk").iterdir())
    assert len(list((settings.archive_dir / "police_uk_street").rglob("*.csv"))) == 3
    checks = check_results(settings, summary.intake_run_ids[0])
    for dataset in ("police_uk_street", "police_uk_outcomes"):
        assert checks[f"{dataset}.delivered_files_accepted"][0] is True
        assert checks[f"{dataset}.great_expectations_suite"][0] is True
    # dbt's tests ran in the build and are reported on the model they test (its not-nulls and
    # accepted values are constraints of the table, checked as it was created).
    tests = dbt_tests_of(settings, summary.build_run_id, "mart_csp_crime")
    assert tests == {
        "unique_key_mart_csp_crime_period_type__period_start__csp_code__crime_type": "pass",
        "relationships_mart_csp_crime_csp_code__csp_code__ref_dim_area_": "pass",
    }
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        checks = con.execute(
            """select constraint_text from duckdb_constraints()
               where table_name = 'mart_csp_crime' and constraint_type = 'CHECK'"""
        ).fetchall()
    assert checks == [("CHECK((period_type IN ('month', 'quarter', 'FY')))",)]


def test_the_same_files_again_change_nothing(settings, tmp_path):
    files = deliver(settings, "2024-04", "2024-05")
    keep = read_copy(files, tmp_path / "kept")
    assert refresh(settings).ok
    before = warehouse_fingerprint(settings.warehouse_path)

    # Redelivered under other names: same bytes, so nothing is requested or changed.
    for path in keep:
        (settings.landing_for("police_uk") / path.name).write_bytes(path.read_bytes())
    again = refresh(settings)

    assert again.ok and again.run_ids == [] and again.duplicates == 2
    assert warehouse_fingerprint(settings.warehouse_path) == before
    assert not any(settings.landing_for("police_uk").iterdir())


def test_a_bad_file_is_refused_and_everything_else_carries_on(settings, tmp_path):
    deliver(settings, "2024-04", "2024-05")
    assert refresh(settings).ok
    may_before = mart_counts(settings.warehouse_path)

    # A revised May file arrives truncated, with a good June beside it.
    later = street_rows(MonthKey(2024, 5), release=MonthKey(2024, 9), seed=SEED)
    may = settings.landing_for("police_uk") / "2024-05-leicestershire-street.csv"
    write_street_csv(may, later)
    may.write_bytes(may.read_bytes()[:-40])
    june = deliver(settings, "2024-06", "2024-06")
    june_copy = read_copy(june, tmp_path / "june")

    result = subprocess.run(
        [str(PROJECT_ROOT / ".venv" / "bin" / "pcp"), "refresh"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 1, result.stdout + result.stderr
    assert f"REFUSED {may.name}: file {may.name}, line {len(later) + 1}" in result.stderr
    quarantined = list((settings.quarantine_dir / "police_uk_street").glob("*-2024-05-*.csv"))
    assert len(quarantined) == 1
    reason = Path(str(quarantined[0]) + ".reason.txt").read_text(encoding="utf-8")
    assert f"line {len(later) + 1}" in reason and "12 comma-separated fields" in reason
    counts = mart_counts(settings.warehouse_path)
    assert {k: v for k, v in counts.items() if k[0] == "2024-05"} == {
        k: v for k, v in may_before.items() if k[0] == "2024-05"
    }
    assert {k: v for k, v in counts.items() if k[0] == "2024-06"} == expected_counts(june_copy)

    status = subprocess.run(
        [str(PROJECT_ROOT / ".venv" / "bin" / "pcp"), "status"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "refused files : 1" in status.stdout
    assert f"{may.name}" in status.stdout and "truncated" in status.stdout
    assert "2024-04..2024-06 (3 months)" in status.stdout


def test_a_revised_month_replaces_its_rows_and_keeps_both_versions(settings):
    deliver(settings, "2024-05", "2024-05")
    assert refresh(settings).ok
    revised = street_rows(MonthKey(2024, 5), release=MonthKey(2025, 3), seed=SEED)
    path = settings.landing_for("police_uk") / "2024-05-leicestershire-street.csv"
    write_street_csv(path, revised)
    revised_sha = hashlib.sha256(path.read_bytes()).hexdigest()

    assert refresh(settings).ok

    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        versions = con.execute(
            "select version, status, sha256 from ops.file_manifest "
            "where source = 'police_uk_street' order by version"
        ).fetchall()
        raw = con.execute(
            """select count(*), count(distinct source_sha256), any_value(source_sha256),
                      count(*) filter (where last_outcome_category = 'Under investigation')
               from raw.police_uk_street"""
        ).fetchall()[0]
    assert [(v, s) for v, s, _ in versions] == [(1, "superseded"), (2, "loaded")]
    assert versions[1][2] == revised_sha
    pending_in_revision = sum(r[10] == "Under investigation" for r in revised)
    assert raw == (len(revised), 1, revised_sha, pending_in_revision)


def test_a_file_breaking_an_expectation_never_reaches_the_marts_now_or_later(settings, tmp_path):
    deliver(settings, "2024-04", "2024-05")
    assert refresh(settings).ok
    before = mart_counts(settings.warehouse_path)
    assert published_counts(settings) == before
    # A revised May: structurally fine, but with 40 more burglaries, none with a Crime ID (an
    # error-level expectation). Loaded, it would raise May's burglary figures.
    rows = street_rows(MonthKey(2024, 5), release=MonthKey(2024, 9), seed=SEED)
    burglary = next(r for r in rows if r[9] == "Burglary")
    rows += [["", *burglary[1:]] for _ in range(40)]
    may = settings.landing_for("police_uk") / "2024-05-leicestershire-street.csv"
    write_street_csv(may, rows)
    bad_sha = hashlib.sha256(may.read_bytes()).hexdigest()

    summary = refresh(settings)

    # The intake run succeeded (refusing the file is its job); the refresh reports the refusal.
    assert not summary.ok and summary.failed_runs == [] and len(summary.run_ids) >= 1
    [(name, reason)] = summary.refused
    assert name == may.name
    assert "every crime (not ASB) carries a Crime ID: 40 rows in column 'crime_id'" in reason
    assert f"lines {len(rows) - 38}, {len(rows) - 37}," in reason
    checks = check_results(settings, summary.run_ids[0])
    assert checks["police_uk_street.great_expectations_suite"] == (False, "ERROR")
    assert checks["police_uk_street.delivered_files_accepted"] == (False, "ERROR")
    assert mart_counts(settings.warehouse_path) == before  # the previous good May stands
    assert published_counts(settings) == before
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        assert con.execute(
            "select count(*) from raw.police_uk_street where source_sha256 = ?", [bad_sha]
        ).fetchall() == [(0,)]

    # A later refresh builds the marts again (June arrives): still nothing of the bad file.
    june = read_copy(deliver(settings, "2024-06", "2024-06"), tmp_path / "june")
    later = refresh(settings)

    assert later.ok
    after = mart_counts(settings.warehouse_path)
    assert {k: v for k, v in after.items() if k[0] != "2024-06"} == before
    assert {k: v for k, v in after.items() if k[0] == "2024-06"} == expected_counts(june)
    assert published_counts(settings) == after
    street = next(s for s in read_status(settings) if s.dataset == "police_uk_street")
    assert [(n, r) for n, _, r, _ in street.refused] == [(may.name, reason)]
    [holding] = street.holding
    assert holding.startswith(f"2024-05 hold {may.name} (version 1, taken in ")
    assert holding.endswith("; nothing of the refused file")
    assert street.partitions == ["2024-04", "2024-05", "2024-06"]
