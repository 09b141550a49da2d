"""Checks on the raw STATS19 assets, run in the same run as their intake."""

from orchestration.defs.stats19.assets import RAW_CASUALTY_KEY, RAW_COLLISION_KEY, RAW_VEHICLE_KEY
from orchestration.forces import configured_forces
from orchestration.lib.intake_checks import intake_checks


def _parameters(settings, months):
    return {"force_codes": [str(f.stats19_code) for f in configured_forces(settings)]}


_ROWS_IN = "from {table} where strftime(partition_month, '%Y-%m') in ?"

collision_checks = intake_checks(
    key=RAW_COLLISION_KEY,
    dataset="stats19_collision",
    suite="stats19_collision",
    frame_query="select *, try_strptime(date, '%d/%m/%Y') as collision_date "
    + _ROWS_IN.format(table="raw.stats19_collision"),
    parameters=_parameters,
)

casualty_checks = intake_checks(
    key=RAW_CASUALTY_KEY,
    dataset="stats19_casualty",
    suite="stats19_casualty",
    frame_query="select *, "
    "try_cast(casualty_adjusted_severity_serious as double) as adjusted_serious "
    + _ROWS_IN.format(table="raw.stats19_casualty"),
    parameters=_parameters,
)

vehicle_checks = intake_checks(
    key=RAW_VEHICLE_KEY,
    dataset="stats19_vehicle",
    suite="stats19_vehicle",
    frame_query="select * " + _ROWS_IN.format(table="raw.stats19_vehicle"),
    parameters=_parameters,
)
