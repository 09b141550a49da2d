"""The Home Office CSP table's Great Expectations suite, run on each file's staged rows."""

from orchestration.forces import configured_forces
from orchestration.quality.audit import DatasetSuite

CSP_CRIME_SUITE = DatasetSuite(
    suite="home_office_csp_crime",
    frame_query="select *, try_cast(number_of_offences as bigint) as offences from {rows}",
    parameters=lambda settings, quarters: {
        "forces": [f.pfa_name for f in configured_forces(settings)]
    },
)
