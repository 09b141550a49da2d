"""The raw CSEW force estimates asset (unpartitioned: estimates are revised in place)."""

import dagster as dg

from orchestration.defs.csew.checks import CSEW_SUITE
from orchestration.defs.csew.format import CsewFormat
from orchestration.lib.intake_source import IntakeSource

RAW_CSEW_KEY = dg.AssetKey(["raw", "csew_force_estimates"])

ESTIMATES = IntakeSource(
    key=RAW_CSEW_KEY,
    make_format=CsewFormat,
    suite=CSEW_SUITE,
    group="csew",
    cadence="unpartitioned",
    description=(
        "Crime Survey for England and Wales force-area estimates with 95% intervals for the "
        "home force and its peer group, from landing/csew/csew-*.csv or .xlsx."
    ),
)

SOURCES = (ESTIMATES,)
