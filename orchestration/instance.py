"""The Dagster instance under $PCP_DATA_DIR/dagster: one for `pcp refresh`, the sensors and
schedules of `make dev`, and the tests. Its settings are written by pcp, before any Dagster
process starts (`make dev` runs `python -m orchestration.instance` first)."""

from __future__ import annotations

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


def ensure_instance_config(settings: Settings) -> None:
    config = settings.dagster_home / "dagster.yaml"
    if not config.exists() or config.read_text(encoding="utf-8") != INSTANCE_CONFIG:
        config.write_text(INSTANCE_CONFIG, encoding="utf-8")


if __name__ == "__main__":
    settings = load_settings()
    export_runtime_environment(settings)
    ensure_instance_config(settings)
