"""The Dagster instance under $PCP_DATA_DIR/dagster: one for `pcp refresh`, the sensors and
schedules of `make dev`, and the tests. Its settings are written by pcp, before any Dagster
process starts (`make dev` runs `python -m orchestration.instance` first)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from orchestration.settings import Settings, export_runtime_environment, load_settings

INSTANCE_CONFIG = """\
# Written by pcp: the Dagster instance for `pcp refresh`, sensors, schedules and `make dev`.
# DuckDB allows one writing process per file: runs queue and go one at a time.
concurrency:
  runs:
    max_concurrent_runs: 1
# Runs that never get going, or hang while cancelling, are marked failed (the daemon of
# `make dev` does this; runs whose process died are found by pcp itself: run_liveness.py).
run_monitoring:
  enabled: true
  start_timeout_seconds: 180
  cancel_timeout_seconds: 180
  max_resume_run_attempts: 0
  poll_interval_seconds: 60
telemetry:
  enabled: false
"""


# The run history: Dagster's own SQLite files, in Dagster's default places under DAGSTER_HOME,
# through storages that keep their connections open (run_history.py). Paths are absolute, as
# Dagster needs them; pcp rewrites them whenever the data dir moves.
RUN_HISTORY_CONFIG = """\
run_storage:
  module: orchestration.run_history
  class: RunHistoryRuns
  config:
    base_dir: {runs}
event_log_storage:
  module: orchestration.run_history
  class: RunHistoryEventLog
  config:
    base_dir: {events}
schedule_storage:
  module: orchestration.run_history
  class: RunHistorySchedules
  config:
    base_dir: {schedules}
"""


def instance_config(dagster_home: Path) -> str:
    """The dagster.yaml for the instance in ``dagster_home``."""
    home = Path(os.path.abspath(dagster_home))
    # A JSON string is a YAML string: any character a path may hold stays a path.
    return INSTANCE_CONFIG + RUN_HISTORY_CONFIG.format(
        runs=json.dumps(f"{home / 'history'}/"),
        events=json.dumps(f"{home / 'history' / 'runs'}/"),
        schedules=json.dumps(str(home / "schedules")),
    )


def ensure_instance_config(settings: Settings) -> None:
    config = settings.dagster_home / "dagster.yaml"
    wanted = instance_config(settings.dagster_home)
    if not config.exists() or config.read_text(encoding="utf-8") != wanted:
        config.write_text(wanted, encoding="utf-8")


if __name__ == "__main__":
    settings = load_settings()
    export_runtime_environment(settings)
    ensure_instance_config(settings)
