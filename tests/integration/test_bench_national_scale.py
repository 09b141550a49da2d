"""`make bench --only national-scale` at a tiny size (2 forces x 2 months): its generator and
its measured refresh, run as the bench runs them; the figures checked for sense, not timed."""

from __future__ import annotations

import json
import os

import pytest

from orchestration.bench import report
from orchestration.bench_scale import bench_national_scale

pytestmark = pytest.mark.slow

FORCES = ("leicestershire", "nottinghamshire")
MONTHS = ("2025-02", "2025-03")
PHASES = ("landing", "intake police_uk_street", "build", "publication", "start-up and the rest")


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    root = tmp_path_factory.mktemp("bench")
    return root, bench_national_scale(root, months=MONTHS, forces=FORCES)


def test_the_rows_written_are_the_rows_taken_in_and_staged(measured):
    root, results = measured
    source = root / "police-uk-2-forces-2025-02-2025-03"
    files = sorted((source / "police_uk").glob("*.csv"))
    assert [f.name for f in files] == [
        f"{month}-{force}-street.csv" for month in MONTHS for force in sorted(FORCES)
    ]
    lines = sum(f.read_bytes().count(b"\n") - 1 for f in files)  # less each file's header
    assert results["scale_files"] == 4
    assert results["scale_rows_written"] == lines > 10_000
    assert sum(json.loads((source / "rows.json").read_text()).values()) == lines
    warehouse = results["scale_warehouse"]
    assert warehouse["raw.police_uk_street"] == lines
    assert warehouse["staging.stg_police_uk__street_crimes"] == lines
    assert warehouse["raw.police_uk_street forces"] == 2


def test_every_phase_has_its_seconds_memory_and_spill(measured):
    _, results = measured
    phases = results["scale_phases"]
    assert set(PHASES) <= set(phases)
    for name in PHASES:
        phase = phases[name]
        assert phase["samples"] > 0, name
        assert phase["seconds"] >= 0, name
        assert 0 < phase["peak_rss_largest_process_gb"] <= phase["peak_rss_tree_gb"], name
        assert phase["peak_spill_gb"] >= 0, name
    # The Great Expectations worker ends with intake (suite_worker.retire): not beside the build.
    assert phases["build"]["max_processes"] < phases["intake police_uk_street"]["max_processes"]
    assert phases["intake police_uk_street"]["rows_per_s"] > 0
    assert phases["build"]["rows_per_s"] > 0
    # The refresh's own phases add up to its wall time (the rest is what they leave).
    total = sum(p["seconds"] for p in phases.values())
    assert total == pytest.approx(results["scale_refresh_s"], abs=0.5)
    assert results["scale_intake_s"] == pytest.approx(
        phases["intake police_uk_street"]["seconds"], abs=0.1
    )


def test_peak_memory_is_sane_against_the_processes_own_limits(measured):
    _, results = measured
    tree, largest = results["scale_peak_rss_tree_gb"], results["scale_peak_rss_largest_process_gb"]
    machine = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 1e9
    # More than one process (the refresh, the Great Expectations worker, ...), each holding at
    # least an interpreter, none more than the machine has.
    assert results["scale_phases"]["build"]["max_processes"] >= 2
    assert 0.05 < largest < tree < machine
    # The kernel's own peak of the largest process it waited for is never below what was
    # sampled of it (samples can only miss a peak).
    assert largest <= results["scale_ru_maxrss_gb"] * 1.01 + 0.005
    # Every process opened the warehouse with the one configuration (a memory limit DuckDB's
    # buffers stay under): at this size nothing spills.
    assert results["scale_duckdb_settings"]["memory_limit"]
    assert results["scale_peak_spill_gb"] == 0


def test_the_report_prints_the_scale_figures(measured):
    _, results = measured
    text = report(results)
    assert "national scale: 2 forces x 2025-02..2025-03" in text
    assert f"{results['scale_rows_written']:,}" in text
    assert "< 2 GB: met" in text
    assert "intake police_uk_street" in text and "build" in text
