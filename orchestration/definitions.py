"""The Dagster code location: every intake source's asset (defs/intake_sources.py) and the
warehouse's definitions, plus project-wide policy. A source's package holds its format, asset
and suites; it defines no Definitions of its own, so reading a format (the demo data, the
bench, a test) does not load Dagster.

Policy lives here, once: the in-process executor (DuckDB allows one writing process per file,
so steps run one after another in a single process); one intake job per partitioning (monthly,
quarterly, unpartitioned) that only takes files in; the one build job (defs/warehouse) that
builds dbt and publishes after intake; a landing sensor per source and a monthly schedule that
request intake runs, and the build sensor that follows them with one build.
"""

import dagster as dg

from orchestration.defs import warehouse
from orchestration.defs.intake_sources import INTAKE_SOURCES
from orchestration.lib.intake_source import intake_job_name
from orchestration.lib.landing_watch import landing_sensor, monthly_refresh_schedule
from orchestration.lib.partitions import PARTITIONS_BY_CADENCE
from orchestration.progress import progress_logger
from orchestration.settings import export_runtime_environment, load_settings

# Whoever loads this code location (`make dev`, `pcp refresh`, a test), dbt and the checks it
# launches see the same data dir.
export_runtime_environment(load_settings())


def intake_job(cadence: str):
    sources = [s for s in INTAKE_SOURCES if s.cadence == cadence]
    names = ", ".join(s.key.path[-1] for s in sources)
    return dg.define_asset_job(
        name=intake_job_name(cadence),
        # Partitioned as its assets are (Dagster infers it; naming it too is deprecated).
        selection=dg.AssetSelection.assets(*[s.key for s in sources]),
        description=(
            f"Take in the {cadence} sources' new files ({names}) and run their checks. The "
            "warehouse is built and published afterwards, once, by the build_warehouse job."
        ),
    )


INTAKE_JOBS = {
    cadence: intake_job(cadence)
    for cadence in PARTITIONS_BY_CADENCE
    if any(s.cadence == cadence for s in INTAKE_SOURCES)
}

LANDING_SENSORS = [landing_sensor(source, INTAKE_JOBS[source.cadence]) for source in INTAKE_SOURCES]
MONTHLY_SCHEDULE = monthly_refresh_schedule(
    [s for s in INTAKE_SOURCES if s.cadence == "monthly"], INTAKE_JOBS["monthly"]
)

defs = dg.Definitions.merge(
    warehouse.defs,
    dg.Definitions(
        assets=[source.asset for source in INTAKE_SOURCES],
        jobs=list(INTAKE_JOBS.values()),
        sensors=LANDING_SENSORS,
        schedules=[MONTHLY_SCHEDULE],
        executor=dg.in_process_executor,
        loggers={"console": dg.colored_console_logger, "progress": progress_logger},
    ),
)
