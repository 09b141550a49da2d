"""The Dagster code location: every source's definitions merged, plus project-wide policy.

Policy lives here, once: the in-process executor (DuckDB allows one writing process per file,
so steps run one after another in a single process), and one refresh job per partitioning
(monthly, quarterly, unpartitioned), each taking in its sources' files and rebuilding dbt;
a landing sensor per source and a monthly schedule that request those jobs.
"""

import dagster as dg

from orchestration.defs import (
    csew,
    home_office,
    partner_returns,
    police_uk,
    stats19,
    victim_survey,
    warehouse,
)
from orchestration.defs.intake_sources import INTAKE_SOURCES
from orchestration.defs.warehouse.dbt_assets import warehouse_dbt_models
from orchestration.defs.warehouse.publication import published_marts
from orchestration.lib.landing_watch import landing_sensor, monthly_refresh_schedule
from orchestration.lib.partitions import PARTITIONS_BY_CADENCE
from orchestration.settings import export_runtime_environment, load_settings

# Whoever loads this code location (`make dev`, `pcp refresh`, a test), dbt and the checks it
# launches see the same data dir.
export_runtime_environment(load_settings())


def refresh_job(cadence: str):
    sources = [s for s in INTAKE_SOURCES if s.cadence == cadence]
    names = ", ".join(s.key.path[-1] for s in sources)
    return dg.define_asset_job(
        name=f"refresh_{cadence}_sources",
        selection=dg.AssetSelection.assets(*[s.key for s in sources])
        | dg.AssetSelection.assets(warehouse_dbt_models, published_marts),
        partitions_def=PARTITIONS_BY_CADENCE[cadence],
        description=(
            f"Take in the {cadence} sources' new files ({names}), "
            "run their checks, rebuild the dbt warehouse and publish the marts, in one run."
        ),
    )


REFRESH_JOBS = {
    cadence: refresh_job(cadence)
    for cadence in PARTITIONS_BY_CADENCE
    if any(s.cadence == cadence for s in INTAKE_SOURCES)
}
# What every run rebuilds after intake: the dbt warehouse, then the published copy.
DBT_KEYS = [*warehouse_dbt_models.keys, published_marts.key]

LANDING_SENSORS = [
    landing_sensor(source, REFRESH_JOBS[source.cadence], DBT_KEYS) for source in INTAKE_SOURCES
]
MONTHLY_SCHEDULE = monthly_refresh_schedule(
    [s for s in INTAKE_SOURCES if s.cadence == "monthly"], REFRESH_JOBS["monthly"], DBT_KEYS
)

defs = dg.Definitions.merge(
    police_uk.defs,
    stats19.defs,
    victim_survey.defs,
    home_office.defs,
    partner_returns.defs,
    csew.defs,
    warehouse.defs,
    dg.Definitions(
        jobs=list(REFRESH_JOBS.values()),
        sensors=LANDING_SENSORS,
        schedules=[MONTHLY_SCHEDULE],
        executor=dg.in_process_executor,
    ),
)
