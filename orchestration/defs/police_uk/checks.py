"""Checks on the raw police.uk assets, run in the same run as their intake."""

from orchestration.defs.police_uk.assets import RAW_OUTCOMES_KEY, RAW_STREET_KEY
from orchestration.defs.police_uk.format import force_name
from orchestration.forces import configured_forces
from orchestration.lib.intake_checks import intake_checks


def _parameters(settings, months):
    return {"months": months, "forces": [force_name(f.slug) for f in configured_forces(settings)]}


street_checks = intake_checks(
    key=RAW_STREET_KEY,
    dataset="police_uk_street",
    suite="police_uk_street",
    frame_query="""
        select *, try_cast(longitude as double) as longitude_num,
                  try_cast(latitude as double) as latitude_num
        from raw.police_uk_street where strftime(partition_month, '%Y-%m') in ?
    """,
    parameters=_parameters,
)

outcomes_checks = intake_checks(
    key=RAW_OUTCOMES_KEY,
    dataset="police_uk_outcomes",
    suite="police_uk_outcomes",
    frame_query="""
        select *, try_cast(longitude as double) as longitude_num,
                  try_cast(latitude as double) as latitude_num
        from raw.police_uk_outcomes where strftime(partition_month, '%Y-%m') in ?
    """,
    parameters=_parameters,
)
