"""The Dagster code location: every source's definitions merged, plus project-wide policy.

Policy lives here, once: the in-process executor (DuckDB allows one writing process per file,
so steps run one after another in a single process) and the refresh job that `pcp refresh`,
sensors and schedules launch.
"""

import dagster as dg

from orchestration.defs import police_uk, warehouse
from orchestration.defs.police_uk.partitions import monthly_partitions
from orchestration.settings import export_runtime_environment, load_settings

# Whoever loads this code location (`make dev`, `pcp refresh`, a test), dbt and the checks it
# launches see the same data dir.
export_runtime_environment(load_settings())

REFRESH_JOB_NAME = "refresh_warehouse"

refresh_job = dg.define_asset_job(
    name=REFRESH_JOB_NAME,
    selection=dg.AssetSelection.all(),
    partitions_def=monthly_partitions,
    description=(
        "Take in the delivered files for the selected months, run their checks, and rebuild "
        "the dbt warehouse (seeds, staging, marts and dbt tests) in one run."
    ),
)

defs = dg.Definitions.merge(
    police_uk.defs,
    warehouse.defs,
    dg.Definitions(jobs=[refresh_job], executor=dg.in_process_executor),
)
