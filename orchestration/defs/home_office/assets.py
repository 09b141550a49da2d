"""The raw Home Office CSP table asset: one partition per financial quarter."""

import dagster as dg

from orchestration.defs.home_office.checks import CSP_CRIME_SUITE
from orchestration.defs.home_office.format import CspCrimeFormat
from orchestration.lib.intake_source import IntakeSource

RAW_CSP_CRIME_KEY = dg.AssetKey(["raw", "home_office_csp_crime"])

CSP_CRIME = IntakeSource(
    key=RAW_CSP_CRIME_KEY,
    make_format=CspCrimeFormat,
    suite=CSP_CRIME_SUITE,
    group="home_office",
    cadence="quarterly",
    description=(
        "Home Office police recorded crime by Community Safety Partnership x financial quarter x "
        "offence code (the official counts), from landing/home_office/prc-csp-*.ods or .xlsx "
        "(one sheet per financial year, as published) or .csv. Partitions are financial "
        "quarters keyed by their first month."
    ),
)

SOURCES = (CSP_CRIME,)
