"""`pcp refresh`: take in everything new in landing and rebuild, through Dagster.

Each run of the refresh job covers one contiguous range of months (a backfill of many months is
one run, one dbt build); runs are recorded in the Dagster instance under DAGSTER_HOME, so they
show in the UI beside runs launched there.
"""

from __future__ import annotations

import contextlib
import sys
from dataclasses import dataclass, field

import dagster as dg

from orchestration.database import connect, table_exists
from orchestration.defs.police_uk.format import SOURCE as POLICE_UK
from orchestration.defs.police_uk.format import StreetFormat
from orchestration.landing.files import list_landed
from orchestration.landing.intake import discard_duplicates, refuse_unplaceable
from orchestration.settings import Settings, export_runtime_environment


@dataclass
class RefreshSummary:
    run_ids: list[str] = field(default_factory=list)
    failed_runs: list[str] = field(default_factory=list)
    loaded: list[tuple[str, str, int]] = field(default_factory=list)  # source, name, rows
    months: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # name, reason
    duplicates: int = 0

    @property
    def ok(self) -> bool:
        return not self.refused and not self.failed_runs


def contiguous_ranges(months: list[str]) -> list[tuple[str, str]]:
    """Group sorted 'YYYY-MM' keys into runs of consecutive months."""

    def index(month: str) -> int:
        return int(month[:4]) * 12 + int(month[5:]) - 1

    ranges: list[tuple[str, str]] = []
    for month in sorted(set(months)):
        if ranges and index(month) == index(ranges[-1][1]) + 1:
            ranges[-1] = (ranges[-1][0], month)
        else:
            ranges.append((month, month))
    return ranges


def ensure_instance_config(settings: Settings) -> None:
    config = settings.dagster_home / "dagster.yaml"
    if not config.exists():
        config.write_text(
            "# Written by pcp: local run history for `pcp refresh` and `make dev`.\n"
            "telemetry:\n  enabled: false\n",
            encoding="utf-8",
        )


def _summarise_runs(settings: Settings, summary: RefreshSummary) -> None:
    if not summary.run_ids or not settings.warehouse_path.exists():
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
    for source, name, status, row_count, reason, keys in rows:
        if status == "refused":
            summary.refused.append((name, reason))
        else:
            summary.loaded.append((source, name, row_count))
            summary.months.extend(keys)
    summary.months = sorted(set(summary.months))


def refresh(settings: Settings, *, log_level: str = "WARNING") -> RefreshSummary:
    export_runtime_environment(settings)
    ensure_instance_config(settings)
    # Imported here: loading the definitions reads the dbt manifest, which `make` prepares.
    from orchestration.definitions import REFRESH_JOB_NAME, defs

    summary = RefreshSummary()
    fmt = StreetFormat(settings.forces)
    landed = list_landed(settings.landing_dir, POLICE_UK)
    placeable, refused_early = refuse_unplaceable(settings, fmt, landed, run_id=None)
    summary.refused.extend((f.name, f.reason) for f in refused_early)
    fresh, duplicates = discard_duplicates(settings, POLICE_UK, placeable)
    summary.duplicates = len(duplicates)
    months = sorted({key for f in fresh for key in fmt.partitions_of(f.name, settings)})

    job = defs.resolve_job_def(REFRESH_JOB_NAME)
    # dagster-dbt re-emits dbt's own log on stdout; unless asked for, it goes to a log file.
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    with (
        dg.DagsterInstance.get() as instance,
        (settings.log_dir / "refresh.log").open("a", encoding="utf-8") as log_file,
        contextlib.redirect_stdout(sys.stdout if log_level == "INFO" else log_file),
    ):
        for start, end in contiguous_ranges(months):
            result = job.execute_in_process(
                instance=instance,
                tags={
                    "dagster/asset_partition_range_start": start,
                    "dagster/asset_partition_range_end": end,
                    "pcp/trigger": "pcp refresh",
                },
                run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
                raise_on_error=False,
            )
            summary.run_ids.append(result.run_id)
            if not result.success:
                summary.failed_runs.append(result.run_id)
    _summarise_runs(settings, summary)
    return summary
