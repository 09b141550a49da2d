"""Resources every run of this code location uses, whoever launched it (`pcp refresh`, a sensor,
the UI): the settings, which process runs it, and the warehouse's writer lock for the whole
run."""

# No `from __future__ import annotations`: Dagster reads the resource dependency annotation
# (ResourceDependency) at class creation.

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
from pydantic import PrivateAttr

from orchestration.run_liveness import tag_current_run
from orchestration.settings import Settings, load_settings
from orchestration.writer_lock import Holder, hold


def _tag(context: dg.InitResourceContext) -> None:
    if context.instance is not None and context.dagster_run is not None:
        tag_current_run(context.instance, context.dagster_run.run_id)


class SettingsResource(dg.ConfigurableResource):
    """The warehouse's settings (settings.py) for assets, checks, sensors and schedules: read
    from the environment (PCP_DATA_DIR and the rest) once when a run or a tick starts, so every
    step of it sees the same data dir, and a test or a second code location can point a run
    elsewhere by its environment alone, as `pcp` does."""

    _settings: Settings | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._settings = load_settings()

    @property
    def settings(self) -> Settings:
        # Outside a run (called directly in a test) there is no setup: read them now.
        return self._settings if self._settings is not None else load_settings()


class RunProcess(dg.ConfigurableResource):
    """Records on the run which process runs it, so a run whose process dies is marked failed
    instead of blocking the queue for ever (see orchestration/run_liveness.py)."""

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator["RunProcess"]:
        _tag(context)
        yield self


class WarehouseWriter(dg.ConfigurableResource):
    """The warehouse's writer lock, held from the first step of a run to its last, so no other
    writer (a second refresh, a sensor's run) gets in between them; a run that finds the
    warehouse held waits, saying who holds it. Also records the run's process, as RunProcess."""

    pcp_settings: dg.ResourceDependency[SettingsResource]
    wait_seconds: float = 3600.0

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator["WarehouseWriter"]:
        _tag(context)
        settings = self.pcp_settings.settings
        run = context.dagster_run
        purpose = f"Dagster run {run.run_id[:8]} ({run.job_name})" if run else "a Dagster run"

        def waiting(holder: Holder | None) -> None:
            who = holder.describe() if holder else "another process"
            context.log.info(f"Waiting for the warehouse: {who} is writing it.")

        with hold(settings.warehouse_path, purpose, wait=self.wait_seconds, on_wait=waiting):
            yield self


def run_resources() -> dict[str, dg.ConfigurableResource]:
    """The resources above under the keys assets, checks, sensors and schedules ask for: one
    settings resource shared by everything that needs the settings."""
    pcp_settings = SettingsResource()
    return {
        "pcp_settings": pcp_settings,
        "warehouse": WarehouseWriter(pcp_settings=pcp_settings),
        "run_process": RunProcess(),
    }
