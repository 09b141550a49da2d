"""The raw partner returns asset (unpartitioned: each file is a set of figures)."""

import dagster as dg

from orchestration.defs.partner_returns.checks import RETURNS_SUITE
from orchestration.defs.partner_returns.format import PartnerReturnFormat
from orchestration.lib.intake_source import IntakeSource

RAW_RETURNS_KEY = dg.AssetKey(["raw", "partner_returns"])

RETURNS = IntakeSource(
    key=RAW_RETURNS_KEY,
    make_format=lambda settings: PartnerReturnFormat(),
    suite=RETURNS_SUITE,
    group="partner_returns",
    cadence="unpartitioned",
    description=(
        "Figures partners return for catalogue metrics no system computes (the template in the "
        "README), from landing/partner_returns/partner-return-*.csv or .xlsx. Each row is "
        "checked against the metric catalogue."
    ),
)

SOURCES = (RETURNS,)
