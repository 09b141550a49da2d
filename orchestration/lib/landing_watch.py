"""Sensors and the monthly schedule: notice new or changed files and request exactly the intake
runs that take them in. The build that follows intake is requested by the warehouse's build
sensor (defs/warehouse/sensors.py) once landing is quiet, so a day of drops is one build.

They only read. A file is new when its content hash is not in the manifest (so a renamed copy
of an accepted file requests nothing); its partitions come from the source's format. Refusing
and quarantining happen in the run, where the warehouse can be written. While a run holds the
warehouse, a tick skips and the next one looks again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import dagster as dg

from orchestration.database import connect
from orchestration.landing import manifest
from orchestration.landing.files import scan_landing
from orchestration.landing.names import shown
from orchestration.landing.refusal import FileNotReady, FileRefused
from orchestration.lib.intake_source import IntakeSource
from orchestration.lib.resources import SettingsResource
from orchestration.lib.run_planning import plan_runs
from orchestration.settings import Settings
from orchestration.writer_lock import DatabaseBusy


@dataclass
class PendingFiles:
    keys: dict[IntakeSource, list[str]] = field(default_factory=dict)
    hashes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _accepted_hashes(settings: Settings) -> set[str]:
    if not settings.warehouse_path.exists():
        return set()
    with connect(settings.warehouse_path, read_only=True, wait=0) as con:
        return manifest.accepted_sha256s(con)


def pending_files(settings: Settings, sources: Sequence[IntakeSource]) -> PendingFiles:
    pending = PendingFiles()
    accepted = _accepted_hashes(settings)
    for source in sources:
        fmt = source.make_format(settings)
        scan = scan_landing(settings.landing_dir, fmt.landing_folder, fmt.claims)
        if scan.folder_problem and scan.folder_problem not in pending.notes:
            pending.notes.append(scan.folder_problem)
        # Never opened here: `pcp refresh` refuses them (links, folders, pipes, odd names).
        pending.notes += [
            f"{shown(entry.name)} will be refused by `pcp refresh`: {entry.problem}"
            for entry in scan.unusable
        ]
        for landed in scan.files:
            if landed.sha256 in accepted:
                continue
            try:
                keys = fmt.partitions_of(landed)
            except FileNotReady as waiting:
                pending.notes.append(f"{shown(landed.name)}: {waiting}")
                continue
            except FileRefused as refusal:
                pending.notes.append(f"{shown(landed.name)} will be refused: {refusal}")
                continue
            except Exception as error:  # the run refuses it; one odd file never stops a tick
                why = type(error).__name__
                pending.notes.append(f"{shown(landed.name)} will be refused: {why}")
                continue
            pending.keys.setdefault(source, []).extend(keys)
            pending.hashes.append(landed.sha256)
    return pending


def run_requests(
    settings: Settings, sources: Sequence[IntakeSource]
) -> Iterator[dg.RunRequest | dg.SkipReason]:
    try:
        pending = pending_files(settings, sources)
    except DatabaseBusy as busy:
        yield dg.SkipReason(f"{busy} Looking again at the next tick.")
        return
    runs = plan_runs(pending.keys)
    if not runs:
        notes = "; ".join(pending.notes)
        yield dg.SkipReason(f"No new files in landing. {notes}".strip())
        return
    # The same files never request a second run, whatever their names.
    fingerprint = hashlib.sha256("".join(sorted(pending.hashes)).encode()).hexdigest()[:16]
    for run in runs:
        yield dg.RunRequest(
            run_key=f"{run.job_name}:{run.partition_range}:{fingerprint}",
            job_name=run.job_name,
            asset_selection=list(run.asset_keys),
            tags={**run.tags, "pcp/trigger": "landing sensor"},
        )


def landing_sensor(source: IntakeSource, job: object) -> dg.SensorDefinition:
    @dg.sensor(
        name=f"{source.key.path[-1]}_landing_sensor",
        jobs=[job],
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            f"Requests a run when a new or changed {source.key.path[-1]} file lands in "
            "landing/ (by content hash), for exactly the partitions it holds."
        ),
    )
    def _sensor(context: dg.SensorEvaluationContext, pcp_settings: SettingsResource):
        yield from run_requests(pcp_settings.settings, [source])

    return _sensor


def monthly_refresh_schedule(sources: Sequence[IntakeSource], job: object) -> dg.ScheduleDefinition:
    """police.uk publishes around the middle of the month for the month before last; on the
    25th whatever has landed is taken in, and a month with nothing new says so."""

    @dg.schedule(
        name="monthly_refresh_after_publication",
        cron_schedule="0 7 25 * *",
        execution_timezone="Europe/London",
        job=job,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Monthly refresh after the usual police.uk publication date.",
    )
    def _schedule(context: dg.ScheduleEvaluationContext, pcp_settings: SettingsResource):
        yield from run_requests(pcp_settings.settings, sources)

    return _schedule
