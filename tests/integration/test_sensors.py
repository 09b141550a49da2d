"""Landing sensors and the monthly schedule request exactly the runs the new files need."""

from __future__ import annotations

import shutil

import dagster as dg
import pytest

from orchestration.demo import write_demo_data
from orchestration.demo.stats19 import write_year
from orchestration.lib.resources import SettingsResource
from orchestration.refresh import refresh

pytestmark = pytest.mark.slow

# Sensors and schedules read the settings (the test's PCP_DATA_DIR) from this resource.
SETTINGS = {"pcp_settings": SettingsResource()}


def evaluate(name: str, instance: dg.DagsterInstance):
    from orchestration.definitions import defs

    sensor = next(s for s in defs.sensors if s.name == name)
    return sensor.evaluate_tick(dg.build_sensor_context(instance=instance, resources=SETTINGS))


def ranges(result) -> list[tuple[str, str, tuple[str, ...]]]:
    return sorted(
        (
            r.tags["dagster/asset_partition_range_start"],
            r.tags["dagster/asset_partition_range_end"],
            tuple(sorted(k.path[-1] for k in r.asset_selection if k.path[0] == "raw")),
        )
        for r in result.run_requests
    )


def test_street_sensor_requests_one_run_per_contiguous_range_and_nothing_twice(settings, tmp_path):
    write_demo_data(settings.landing_dir, start="2024-03", end="2024-03", seed=5)
    write_demo_data(settings.landing_dir, start="2024-05", end="2024-06", seed=5)
    with dg.DagsterInstance.ephemeral() as instance:
        first = evaluate("police_uk_street_landing_sensor", instance)
        assert ranges(first) == [
            ("2024-03", "2024-03", ("police_uk_street",)),
            ("2024-05", "2024-06", ("police_uk_street",)),
        ]
        assert {r.job_name for r in first.run_requests} == {"intake_monthly_sources"}
        # Intake only: the build follows once, from the build sensor.
        assert all(k.path[0] == "raw" for r in first.run_requests for k in r.asset_selection)

        keep = tmp_path / "kept.csv"
        shutil.copy(settings.landing_for("police_uk") / "2024-05-leicestershire-street.csv", keep)
        assert refresh(settings).ok
        # Loaded: nothing to request, even when the same bytes come back under another name.
        (settings.landing_for("police_uk") / "2024-05-leicestershire-street.csv").write_bytes(
            keep.read_bytes()
        )
        again = evaluate("police_uk_street_landing_sensor", instance)
        assert again.run_requests == [] and "No new files" in again.skip_message

        # A changed file for a month requests that month only.
        changed = keep.read_bytes().replace(
            b"On or near High Street", b"On or near Market Place", 1
        )
        (settings.landing_for("police_uk") / "2024-05-leicestershire-street.csv").write_bytes(
            changed
        )
        assert ranges(evaluate("police_uk_street_landing_sensor", instance)) == [
            ("2024-05", "2024-05", ("police_uk_street",))
        ]


def test_stats19_year_requests_its_twelve_months_and_casualties_follow(settings):
    write_year(settings.landing_dir, 2023, 12, seed=5)
    with dg.DagsterInstance.ephemeral() as instance:
        collisions = evaluate("stats19_collision_landing_sensor", instance)
        casualties = evaluate("stats19_casualty_landing_sensor", instance)
    assert ranges(collisions) == [("2023-01", "2023-12", ("stats19_collision",))]
    assert ranges(casualties) == [("2023-01", "2023-12", ("stats19_casualty",))]


def test_monthly_schedule_takes_in_every_monthly_source(settings):
    from orchestration.definitions import defs

    write_demo_data(settings.landing_dir, start="2024-05", end="2024-07", seed=5)
    schedule = next(s for s in defs.schedules if s.name == "monthly_refresh_after_publication")
    with dg.DagsterInstance.ephemeral() as instance:
        result = schedule.evaluate_tick(
            dg.build_schedule_context(instance=instance, resources=SETTINGS)
        )
    assert [r[:2] for r in ranges(result)] == [("2024-01", "2024-07")]  # STATS19 H1 + police.uk
    [(_, _, assets)] = ranges(result)
    assert set(assets) == {
        "police_uk_street",
        "police_uk_outcomes",
        "stats19_collision",
        "stats19_casualty",
        "stats19_vehicle",
        "victim_survey_responses",
    }

    empty_dir = settings.landing_dir
    shutil.rmtree(empty_dir)
    empty_dir.mkdir()
    with dg.DagsterInstance.ephemeral() as instance:
        nothing = schedule.evaluate_tick(
            dg.build_schedule_context(instance=instance, resources=SETTINGS)
        )
    assert nothing.run_requests == [] and "No new files" in nothing.skip_message
