"""The build: one run that builds dbt once (its tests are the build's checks) and publishes once.

Intake runs only take files in; whoever drives them (`pcp refresh`, or in `make dev` the landing
sensors and the monthly schedule) leaves the build to this job. `pcp refresh` runs it after its
intake runs; under `make dev` the build sensor requests it once landing has been quiet for a
while and no intake is queued or running, so a day of drops is one build, not one per file.
Whether a build is due is the build ledger's decision (`reason_to_build`): new deliveries,
changed code, a build or publication that did not finish, a board due to be frozen.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dagster as dg

from orchestration.database import connect
from orchestration.defs.intake_sources import INTAKE_SOURCES
from orchestration.defs.warehouse.dbt_assets import warehouse_dbt_models
from orchestration.defs.warehouse.publication import published_marts
from orchestration.landing import manifest
from orchestration.lib.landing_watch import pending_files
from orchestration.lib.resources import SettingsResource
from orchestration.lib.runs import BUILD_JOB_NAME, BUILD_REASON_TAG, TRIGGER_TAG
from orchestration.publication.build_state import latest_build, reason_to_build
from orchestration.run_liveness import fail_dead_runs
from orchestration.settings import Settings
from orchestration.writer_lock import DatabaseBusy

build_warehouse_job = dg.define_asset_job(
    BUILD_JOB_NAME,
    selection=dg.AssetSelection.assets(warehouse_dbt_models, published_marts),
    description=(
        "Build the warehouse once (dbt build: staging, intermediate, marts, and the dbt tests "
        "as checks), then publish the marts once and freeze any board that is due."
    ),
)

IN_FLIGHT = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


def runs_in_flight(instance: dg.DagsterInstance) -> list[dg.DagsterRun]:
    """Runs of this code location that are queued or running (they write the warehouse)."""
    return list(instance.get_runs(filters=dg.RunsFilter(statuses=IN_FLIGHT)))


def build_decision(
    settings: Settings, instance: dg.DagsterInstance, now: datetime
) -> tuple[str | None, str]:
    """(reason to build now, or None; what the sensor says about it)."""
    busy = runs_in_flight(instance)
    if busy:
        names = ", ".join(sorted({run.job_name for run in busy}))
        return None, f"Runs in progress ({names}): building after them."
    pending = pending_files(settings, INTAKE_SOURCES)
    if pending.keys:
        return None, "Files in landing wait for intake: building after them."
    if not settings.warehouse_path.exists():
        return None, "No warehouse yet: nothing has been taken in."
    with connect(settings.warehouse_path, read_only=True, wait=0) as con:
        reason = reason_to_build(con, now.date())
        last = latest_build(con)
        _, last_taken_in = manifest.deliveries_so_far(con)
    if reason is None:
        return None, "The published marts are up to date."
    quiet = timedelta(minutes=settings.build_quiet_minutes)
    if last_taken_in is not None and now - last_taken_in < quiet:
        return None, f"Due ({reason}), waiting until landing has been quiet for {quiet}."
    retry = timedelta(minutes=settings.build_retry_minutes)
    if last is not None and last.status == "failed" and now - last.started_at < retry:
        return None, f"Due ({reason}); trying again {retry} after the failed build."
    return reason, f"Building: {reason}."


@dg.sensor(
    name="warehouse_build_sensor",
    job=build_warehouse_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Requests one build of the warehouse when one is due (new deliveries, changed code, an "
        "unfinished build or publication, a board to freeze), once no intake run is queued or "
        "running and landing has been quiet for PCP_BUILD_QUIET_MINUTES. Also marks failed any "
        "run whose process died, so the run queue never waits on a dead run."
    ),
)
def warehouse_build_sensor(context: dg.SensorEvaluationContext, pcp_settings: SettingsResource):
    dead = fail_dead_runs(context.instance)
    for run in dead:
        context.log.warning(f"Marked run {run.run_id} ({run.job_name}) failed: its process died.")
    try:
        reason, note = build_decision(pcp_settings.settings, context.instance, datetime.now(UTC))
    except DatabaseBusy as busy:
        yield dg.SkipReason(f"{busy} Looking again at the next tick.")
        return
    if reason is None:
        yield dg.SkipReason(note)
        return
    yield dg.RunRequest(tags={TRIGGER_TAG: "build sensor", BUILD_REASON_TAG: reason[:200]})
