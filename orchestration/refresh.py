"""`pcp refresh`: take in everything new in landing and rebuild, through Dagster.

The same planning serves sensors and schedules: survey each landing folder, drop byte-identical
re-deliveries, refuse what no source can place, then request runs of the refresh jobs for
exactly the partitions that changed. Each run covers one contiguous range (a backfill of many
months is one run, one dbt build) and selects only the sources with new files. Runs are
recorded in the Dagster instance under DAGSTER_HOME, so they show in the UI.
"""

from __future__ import annotations

import contextlib
import sys
from dataclasses import dataclass, field

import dagster as dg

from orchestration.database import connect, table_exists
from orchestration.dbt_manifest import ensure_dbt_manifest
from orchestration.landing import manifest
from orchestration.landing.archive import quarantine
from orchestration.landing.files import LandedFile, list_landed
from orchestration.landing.intake import PendingWork, survey_landing
from orchestration.landing.refusal import FileRefused
from orchestration.lib.intake_source import IntakeSource
from orchestration.lib.run_planning import PlannedRun, plan_runs
from orchestration.settings import Settings, export_runtime_environment


@dataclass
class RefreshPlan:
    work: dict[dg.AssetKey, PendingWork] = field(default_factory=dict)
    unrecognised: list[tuple[str, str]] = field(default_factory=list)  # name, reason
    runs: list[PlannedRun] = field(default_factory=list)

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
    run_ids: list[str] = field(default_factory=list)
    failed_runs: list[str] = field(default_factory=list)
    loaded: list[tuple[str, str, int]] = field(default_factory=list)  # dataset, name, rows
    months: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # name, reason

    @property
    def duplicates(self) -> int:
        return self.plan.duplicates

    @property
    def ok(self) -> bool:
        return not self.refused and not self.failed_runs


def _refuse_unrecognised(
    settings: Settings, folder: str, files: list[LandedFile], expected: str
) -> list[tuple[str, str]]:
    refused = []
    with connect(settings.warehouse_path) as con:
        manifest.ensure_manifest(con)
        for landed in files:
            refusal = FileRefused(
                file_name=landed.name,
                problem=f"no source of this warehouse takes this file in landing/{folder}/",
                expected=expected,
            )
            target = quarantine(
                settings.quarantine_dir, folder, landed.path, landed.sha256, refusal
            )
            delivery = manifest.Delivery.of(folder, landed, None)
            manifest.record_refused(con, delivery, str(target), str(refusal))
            refused.append((landed.name, str(refusal)))
    return refused


def plan_refresh(settings: Settings, sources: tuple[IntakeSource, ...]) -> RefreshPlan:
    """Survey landing and decide which runs to launch. Writes only to refuse or drop files."""
    plan = RefreshPlan()
    folders: dict[str, list[tuple[IntakeSource, object]]] = {}
    for source in sources:
        fmt = source.make_format(settings)
        folders.setdefault(fmt.landing_folder, []).append((source, fmt))
    for folder, members in folders.items():
        files = list_landed(settings.landing_dir, folder)
        if not files:
            continue
        claimed: set[str] = set()
        for source, fmt in members:
            plan.work[source.key] = survey_landing(settings, fmt, files, run_id=None)
            claimed |= {f.name for f in files if fmt.claims(f.name)}
        unclaimed = [f for f in files if f.name not in claimed]
        if unclaimed:
            expected = "; ".join(fmt.describe_files() for _, fmt in members)
            plan.unrecognised += _refuse_unrecognised(settings, folder, unclaimed, expected)

    plan.runs = plan_runs(
        {
            source: plan.work[source.key].partition_keys
            for source in sources
            if source.key in plan.work
        }
    )
    return plan


INSTANCE_CONFIG = """\
# Written by pcp: the Dagster instance for `pcp refresh`, sensors, schedules and `make dev`.
# DuckDB allows one writing process per file: runs queue and go one at a time.
concurrency:
  runs:
    max_concurrent_runs: 1
telemetry:
  enabled: false
"""


def ensure_instance_config(settings: Settings) -> None:
    config = settings.dagster_home / "dagster.yaml"
    if not config.exists() or "max_concurrent_runs" not in config.read_text(encoding="utf-8"):
        config.write_text(INSTANCE_CONFIG, encoding="utf-8")


def _summarise_runs(settings: Settings, summary: RefreshSummary) -> None:
    if not summary.run_ids:
        return
    with connect(settings.warehouse_path, read_only=True) as con:
        if not table_exists(con, "ops", "file_manifest"):
            return
        rows = con.execute(
            """
            select source, original_name, status, row_count, reason, partition_keys
            from ops.file_manifest where run_id in ? order by source, original_name
            """,
            [summary.run_ids],
        ).fetchall()
    for dataset, name, status, row_count, reason, keys in rows:
        if status == "refused":
            summary.refused.append((name, reason))
        else:
            summary.loaded.append((dataset, name, row_count))
            summary.months.extend(keys)
    summary.months = sorted(set(summary.months))


def refresh(settings: Settings, *, log_level: str = "WARNING") -> RefreshSummary:
    export_runtime_environment(settings)
    ensure_instance_config(settings)
    ensure_dbt_manifest()
    # Imported here: loading the definitions reads the dbt manifest, prepared just above.
    from orchestration.definitions import DBT_KEYS, defs
    from orchestration.defs.intake_sources import INTAKE_SOURCES

    plan = plan_refresh(settings, INTAKE_SOURCES)
    summary = RefreshSummary(plan=plan, refused=list(plan.refused))
    # dagster-dbt re-emits dbt's own log on stdout; unless asked for, it goes to a log file.
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    with (
        dg.DagsterInstance.get() as instance,
        (settings.log_dir / "refresh.log").open("a", encoding="utf-8") as log_file,
        contextlib.redirect_stdout(sys.stdout if log_level == "INFO" else log_file),
    ):
        for planned in plan.runs:
            result = defs.resolve_job_def(planned.job_name).execute_in_process(
                instance=instance,
                asset_selection=[*planned.asset_keys, *DBT_KEYS],
                tags={**planned.tags, "pcp/trigger": "pcp refresh"},
                run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
                raise_on_error=False,
            )
            summary.run_ids.append(result.run_id)
            if not result.success:
                summary.failed_runs.append(result.run_id)
    _summarise_runs(settings, summary)
    return summary
