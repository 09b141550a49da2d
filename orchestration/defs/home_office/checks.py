"""The Home Office CSP table's Great Expectations suite, run on each file's staged rows."""

from orchestration.quality.audit import DatasetSuite

CSP_CRIME_SUITE = DatasetSuite(
    suite="home_office_csp_crime",
    frame_query="select *, try_cast(number_of_offences as bigint) as offences from {rows}",
    # Every force's rows are kept (the national table), so no force list to check against.
    parameters=lambda settings, quarters: {},
)
