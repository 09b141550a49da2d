"""The dbt-built warehouse: staging, intermediate and marts over the raw assets, the one job that
builds and publishes it, and board readiness over the published marts."""

import dagster as dg

from orchestration.defs.warehouse.build import build_warehouse_job, warehouse_build_sensor
from orchestration.defs.warehouse.dbt_assets import warehouse_dbt_models
from orchestration.defs.warehouse.file_manifest import FILE_MANIFEST
from orchestration.defs.warehouse.publication import published_marts
from orchestration.defs.warehouse.readiness import (
    board_readiness_alerts,
    board_readiness_job,
    board_readiness_schedule,
)
from orchestration.lib.resources import run_resources

defs = dg.Definitions(
    assets=[FILE_MANIFEST, warehouse_dbt_models, published_marts, board_readiness_alerts],
    jobs=[build_warehouse_job, board_readiness_job],
    schedules=[board_readiness_schedule],
    sensors=[warehouse_build_sensor],
    resources=run_resources(),
)
