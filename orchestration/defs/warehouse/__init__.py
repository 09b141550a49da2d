"""The dbt-built warehouse: staging, intermediate and marts over the raw assets."""

import dagster as dg

from orchestration.defs.warehouse.dbt_assets import dbt_resource, warehouse_dbt_models
from orchestration.defs.warehouse.publication import published_marts

defs = dg.Definitions(
    assets=[warehouse_dbt_models, published_marts], resources={"dbt": dbt_resource()}
)
