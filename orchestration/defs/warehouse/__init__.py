"""The dbt-built warehouse: staging, intermediate and marts over the raw assets."""

import dagster as dg

from orchestration.defs.warehouse.dbt_assets import dbt_resource, warehouse_dbt_models
from orchestration.defs.warehouse.publication import published_marts
from orchestration.defs.warehouse.readiness import (
    board_readiness_alerts,
    board_readiness_job,
    board_readiness_schedule,
)

defs = dg.Definitions(
    assets=[warehouse_dbt_models, published_marts, board_readiness_alerts],
    jobs=[board_readiness_job],
    schedules=[board_readiness_schedule],
    resources={"dbt": dbt_resource()},
)
