"""`pcp refresh`: take in everything new in landing, then build and publish once, through Dagster.

A refresh is one transaction as far as the board is concerned:
1. it takes the warehouse's writer lock (a second refresh waits, or says who holds it), marks
   failed any run whose process died, cleans what an interrupted run left, and runs the
   one-off migrations of what older releases recorded (migrations.py);
2. intake: the same planning as the sensors and schedules (survey each landing folder, drop
   byte-identical re-deliveries, refuse what no source can place), then one intake run per
   cadence and contiguous range of partitions, selecting only the sources with new files;
3. build: if the build ledger says a build is due (new deliveries, changed code, or a build or
   publication that did not finish, even with nothing new in landing), one run of
   `build_warehouse` builds dbt once, runs its tests once, and publishes once.
Runs are recorded in the Dagster instance under DAGSTER_HOME, so they show in the UI.
"""

from __future__ import annotations

import contextlib
import io
import sys
from dataclasses import dataclass, field
from datetime import date

import dagster as dg

from orchestration.database import connect
from orchestration.dbt_manifest import ensure_dbt_manifest
from orchestration.file_modes import secure_data_dir
from orchestration.instance import ensure_instance_config
from orchestration.landing import manifest
from orchestration.landing.archive import remove_partial_copies
from orchestration.landing.files import scan_landing
from orchestration.landing.intake import PendingWork, survey_landing
from orchestration.landing.old_reasons import withhold_old_reasons
from orchestration.landing.unusable import refuse_unrecognised, refuse_unusable
from orchestration.lib.intake_source import IntakeSource
from orchestration.lib.run_planning import PlannedRun, plan_runs
from orchestration.lib.runs import BUILD_JOB_NAME, BUILD_REASON_TAG, FULL_BUILD_TAG, TRIGGER_TAG
from orchestration.progress import Progress, reporting
from orchestration.publication.build_state import reason_to_build
from orchestration.quality import suite_worker
from orchestration.run_liveness import fail_dead_runs, process_tags
from orchestration.settings import Settings, export_runtime_environment
from orchestration.writer_lock import Holder, hold


@dataclass
class RefreshPlan:
    work: dict[dg.AssetKey, PendingWork] = field(default_factory=dict)
    unrecognised: list[tuple[str, str]] = field(default_factory=list)  # name, reason
    runs: list[PlannedRun] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # landing folders not read, and why

    @property
    def refused(self) -> list[tuple[str, str]]:
        early = [(f.name, f.reason) for w in self.work.values() for f in w.refused]
        return early + self.unrecognised

    @property
    def duplicates(self) -> int:
        return sum(len(w.duplicates) for w in self.work.values())

    @property
    def waiting(self) -> list[tuple[str, str]]:
        return [item for w in self.work.values() for item in w.waiting]


@dataclass
class RefreshSummary:
    plan: RefreshPlan
    intake_run_ids: list[str] = field(default_factory=list)
    build_reason: str | None = None
    build_run_id: str | None = None
    failed_runs: list[str] = field(default_factory=list)
    loaded: list[tuple[str, str, int]] = field(default_factory=list)  # dataset, name, rows
    months: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # name, reason

    @property
    def duplicates(self) -> int:
        return self.plan.duplicates

    @property
    def run_ids(self) -> list[str]:
        return [*self.intake_run_ids, *([self.build_run_id] if self.build_run_id else [])]

    @property
    def ok(self) -> bool:
        return not self.refused and not self.failed_runs


def plan_refresh(settings: Settings, sources: tuple[IntakeSource, ...]) -> RefreshPlan:
    """Survey landing and decide which runs to launch. Writes only to refuse or drop files."""
    plan = RefreshPlan()
    folders: dict[str, list[tuple[IntakeSource, object]]] = {}
    for source in sources:
        fmt = source.make_format(settings)
        folders.setdefault(fmt.landing_folder, []).append((source, fmt))
    for folder, members in folders.items():
        scan = scan_landing(settings.landing_dir, folder)
        if scan.folder_problem:
            plan.warnings.append(scan.folder_problem)
        expected = "; ".join(fmt.describe_files() for _, fmt in members)
        # Links, folders, pipes, devices and unusable names: refused for the folder, unopened.
        plan.unrecognised += refuse_unusable(settings, folder, scan.unusable, expected)
        files = scan.files
        if not files:
            continue
        claimed: set[str] = set()
        for source, fmt in members:
            plan.work[source.key] = survey_landing(settings, fmt, files, run_id=None)
            claimed |= {f.name for f in files if fmt.claims(f.name)}
        unclaimed = [f for f in files if f.name not in claimed]
        if unclaimed:
            plan.unrecognised += refuse_unrecognised(settings, folder, unclaimed, expected)

    plan.runs = plan_runs(
        {
            source: plan.work[source.key].partition_keys
            for source in sources
            if source.key in plan.work
        }
    )
    return plan


def _summarise_runs(settings: Settings, summary: RefreshSummary) -> None:
    if not summary.intake_run_ids:
        return
    with connect(settings.warehouse_path, read_only=True) as con:
        recorded = manifest.deliveries_of_runs(con, summary.intake_run_ids)
    for delivery in recorded:
        if delivery.status == "refused":
            summary.refused.append((delivery.original_name, delivery.reason))
        else:
            summary.loaded.append((delivery.source, delivery.original_name, delivery.row_count))
            summary.months.extend(delivery.partition_keys)
    summary.months = sorted(set(summary.months))


def _step_labels(plan: RefreshPlan) -> dict[str, str]:
    """What each Dagster step is called on the console: the source and its new files."""
    from orchestration.defs.intake_sources import INTAKE_SOURCES

    labels = {
        "warehouse_dbt_models": "build: dbt build (models and their tests)",
        "published__marts": "publication: marts to published/",
    }
    for source in INTAKE_SOURCES:
        work = plan.work.get(source.key)
        count = len(work.files) if work else 0
        name = source.key.path[-1]
        labels["__".join(source.key.path)] = f"intake {name}: {count} new file(s)"
    return labels


def _execute(job_name: str, instance: dg.DagsterInstance, log_level: str, **kwargs):
    from orchestration.definitions import defs

    tags = {**kwargs.pop("tags", {}), **process_tags(), TRIGGER_TAG: "pcp refresh"}
    return defs.resolve_job_def(job_name).execute_in_process(
        instance=instance,
        tags=tags,
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}, "progress": {}}},
        raise_on_error=False,
        **kwargs,
    )


def refresh(
    settings: Settings,
    *,
    log_level: str = "CRITICAL",
    progress: Progress | None = None,
    wait: float = 0.0,
    full_build: bool = False,
) -> RefreshSummary:
    """Take in what is new, then build and publish if due (with ``full_build``, always, every
    model). Raises `DatabaseBusy` when another process holds the warehouse for longer than
    ``wait`` seconds."""
    progress = progress or Progress(io.StringIO(), quiet=True)
    export_runtime_environment(settings)
    ensure_instance_config(settings)
    ensure_dbt_manifest()
    # Imported here: loading the definitions reads the dbt manifest, prepared just above.
    from orchestration.defs.intake_sources import INTAKE_SOURCES

    def waiting(holder: Holder | None) -> None:
        who = holder.describe() if holder else "another process"
        progress.note(f"The warehouse is busy: {who} is writing it. Waiting up to {wait:.0f} s…")

    # dagster-dbt re-emits dbt's own log on stdout; unless asked for, it goes to a log file.
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    with (
        hold(settings.warehouse_path, "pcp refresh", wait=wait, on_wait=waiting),
        reporting(progress),
        dg.DagsterInstance.get() as instance,
        (settings.log_dir / "refresh.log").open("a", encoding="utf-8") as log_file,
        contextlib.redirect_stdout(sys.stdout if log_level == "INFO" else log_file),
    ):
        for run in fail_dead_runs(instance):
            progress.note(f"Marked run {run.run_id[:8]} ({run.job_name}) failed: its process died.")
        remove_partial_copies(settings.archive_dir)
        _migrate(settings, progress)
        _secure(settings, progress)  # what older releases left world-readable, tightened
        with progress.phase("landing: survey and fingerprint files"):
            plan = plan_refresh(settings, INTAKE_SOURCES)
        summary = RefreshSummary(plan=plan, refused=list(plan.refused))
        progress.step_labels = _step_labels(plan)
        for planned in plan.runs:
            result = _execute(
                planned.job_name,
                instance,
                log_level,
                asset_selection=list(planned.asset_keys),
                tags=planned.tags,
            )
            summary.intake_run_ids.append(result.run_id)
            if not result.success:
                summary.failed_runs.append(result.run_id)
        suite_worker.retire()  # validation is over: its memory back before the build
        _summarise_runs(settings, summary)
        with connect(settings.warehouse_path) as con:
            summary.build_reason = reason_to_build(con, date.today())
        if full_build:
            summary.build_reason = summary.build_reason or "a full build was asked for"
        if summary.build_reason:
            progress.note(f"Building the warehouse: {summary.build_reason}.")
            tags = {BUILD_REASON_TAG: summary.build_reason[:200]}
            result = _execute(
                BUILD_JOB_NAME,
                instance,
                log_level,
                tags={**tags, **({FULL_BUILD_TAG: "true"} if full_build else {})},
            )
            summary.build_run_id = result.run_id
            if not result.success:
                summary.failed_runs.append(result.run_id)
        _secure(settings, progress)  # archived links and quarantined files keep landing's mode
    return summary


def _migrate(settings: Settings, progress: Progress) -> None:
    """One-off changes to what older releases recorded, under the writer lock, before anything
    reads it (landing/old_reasons.py); each is done once, then recorded (migrations.py)."""
    with connect(settings.warehouse_path) as con:
        withheld = withhold_old_reasons(con, settings.quarantine_dir)
    if withheld:
        progress.note(
            f"Withheld {withheld} refusal reason(s) recorded by an earlier release (they could "
            "quote the file's content); the files are in quarantine."
        )


def _secure(settings: Settings, progress: Progress) -> None:
    for problem in secure_data_dir(settings.data_dir, settings.file_group):
        progress.note(problem)
