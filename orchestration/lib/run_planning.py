"""Deciding which refresh runs to launch for pending partitions, for `pcp refresh`, sensors and
schedules alike: one run per contiguous range of partitions per cadence, selecting only the
sources that have new files in that range (plus the dbt models they feed)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import dagster as dg

from orchestration.lib.intake_source import IntakeSource
from orchestration.lib.partitions import contiguous_ranges


@dataclass(frozen=True)
class PlannedRun:
    job_name: str
    asset_keys: tuple[dg.AssetKey, ...]
    partition_range: tuple[str, str] | None  # None for unpartitioned sources

    @property
    def tags(self) -> dict[str, str]:
        if self.partition_range is None:
            return {}
        return {
            "dagster/asset_partition_range_start": self.partition_range[0],
            "dagster/asset_partition_range_end": self.partition_range[1],
        }


def plan_runs(pending: Mapping[IntakeSource, Sequence[str]]) -> list[PlannedRun]:
    """``pending``: each source with new files -> the partition keys those files hold."""
    by_job: dict[str, list[IntakeSource]] = {}
    for source, keys in pending.items():
        if keys:
            by_job.setdefault(source.job_name, []).append(source)
    runs: list[PlannedRun] = []
    for job_name, members in by_job.items():
        if members[0].partitions_def is None:
            runs.append(PlannedRun(job_name, tuple(s.key for s in members), None))
            continue
        step = 3 if members[0].cadence == "quarterly" else 1
        keys = [k for s in members for k in pending[s]]
        for start, end in contiguous_ranges(keys, step):
            in_range = tuple(s.key for s in members if any(start <= k <= end for k in pending[s]))
            runs.append(PlannedRun(job_name, in_range, (start, end)))
    return runs
