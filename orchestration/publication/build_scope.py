"""What a build rebuilds: every model, or only what the datasets with new deliveries feed.

A model's table is a function of its inputs and its code. When the last build was published
(complete), the dbt project and its reference data are the ones it was built from, no one-off
migration has touched recorded data since, and every delivery it started from is still as it
was, then the only inputs that can have changed are the raw tables of the datasets delivered
since: rebuilding what descends from those (and every mart, which the publication copies) leaves
the warehouse exactly as a full build would. Anything else, or any doubt, is a full build.
`pcp refresh --full-build` asks for one.

A one-month refresh rebuilds about two thirds of the models this way; a day that brings only a
partner return rebuilds far fewer.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from orchestration.dbt_manifest import project_fingerprint
from orchestration.landing import manifest
from orchestration.migrations import changed_since
from orchestration.publication.build_state import latest_build


@dataclass(frozen=True)
class BuildScope:
    """``datasets`` None: build everything; otherwise the intake datasets (ops.file_manifest's
    ``source``) delivered since the last published build, whose descendants are rebuilt."""

    datasets: tuple[str, ...] | None
    reason: str

    @property
    def is_full(self) -> bool:
        return self.datasets is None

    def describe(self) -> str:
        """One line for the ledger, the run's metadata and the refresh's progress."""
        if self.datasets is None:
            return f"full build: {self.reason}"
        names = ", ".join(self.datasets) or "none"
        return f"what new deliveries feed ({names}), and every mart"


def full(reason: str) -> BuildScope:
    return BuildScope(None, reason)


def build_scope(con: duckdb.DuckDBPyConnection, *, full_build: bool = False) -> BuildScope:
    """The scope of the build about to start. Read before `start_build` records the new one."""
    if full_build:
        return full("asked for")
    last = latest_build(con)
    if last is None:
        return full("the warehouse has never been built")
    if last.status != "published":
        return full(f"the last build is {last.status}, not published")
    if last.code_fingerprint != project_fingerprint():
        return full("the models or reference data changed since the last build")
    if changed_since(con, last.started_at):
        return full("a one-off migration changed recorded data since the last build")
    before, since = manifest.deliveries_around(con, last.watermark.last_taken_in_at)
    if before != last.watermark.deliveries:
        # Deliveries the last build started from were removed or re-stamped: no longer known
        # what changed.
        return full("the deliveries the last build started from changed")
    return BuildScope(tuple(since), "new deliveries since the last published build")
