"""Checks on the raw Home Office CSP table."""

from orchestration.defs.home_office.assets import RAW_CSP_CRIME_KEY
from orchestration.forces import configured_forces
from orchestration.lib.intake_checks import intake_checks

csp_crime_checks = intake_checks(
    key=RAW_CSP_CRIME_KEY,
    dataset="home_office_csp_crime",
    suite="home_office_csp_crime",
    frame_query="""
        select *, try_cast(number_of_offences as bigint) as offences
        from raw.home_office_csp_crime where strftime(partition_quarter, '%Y-%m') in ?
    """,
    parameters=lambda settings, quarters: {
        "forces": [f.pfa_name for f in configured_forces(settings)]
    },
)
