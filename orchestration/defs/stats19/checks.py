"""The STATS19 Great Expectations suites, as intake runs them on each file's staged rows."""

from orchestration.forces import configured_forces
from orchestration.quality.audit import DatasetSuite


def _parameters(settings, months):
    return {"force_codes": [str(f.stats19_code) for f in configured_forces(settings)]}


COLLISION_SUITE = DatasetSuite(
    suite="stats19_collision",
    frame_query="select *, try_strptime(date, '%d/%m/%Y') as collision_date from {rows}",
    parameters=_parameters,
)

CASUALTY_SUITE = DatasetSuite(
    suite="stats19_casualty",
    frame_query="select *, "
    "try_cast(casualty_adjusted_severity_serious as double) as adjusted_serious from {rows}",
    parameters=_parameters,
)

VEHICLE_SUITE = DatasetSuite(
    suite="stats19_vehicle", frame_query="select * from {rows}", parameters=_parameters
)


def _adjustment_suite(table: str) -> DatasetSuite:
    return DatasetSuite(
        suite=f"stats19_{table}_adjustment",
        frame_query="select *, "
        f"try_cast({table}_adjusted_severity_serious as double) as adjusted_serious, "
        f"try_cast({table}_adjusted_severity_slight as double) as adjusted_slight from {{rows}}",
        parameters=_parameters,
    )


CASUALTY_ADJUSTMENT_SUITE = _adjustment_suite("casualty")
COLLISION_ADJUSTMENT_SUITE = _adjustment_suite("collision")
