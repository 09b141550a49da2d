"""The raw police.uk assets: street-level crimes and outcomes, one monthly partition per file."""

import dagster as dg

from orchestration.defs.police_uk.checks import OUTCOMES_SUITE, STREET_SUITE
from orchestration.defs.police_uk.format import OutcomesFormat, StreetFormat
from orchestration.lib.intake_source import IntakeSource

RAW_STREET_KEY = dg.AssetKey(["raw", "police_uk_street"])
RAW_OUTCOMES_KEY = dg.AssetKey(["raw", "police_uk_outcomes"])

STREET = IntakeSource(
    key=RAW_STREET_KEY,
    make_format=lambda settings: StreetFormat(settings.forces, settings.history_start),
    suite=STREET_SUITE,
    group="police_uk",
    description=(
        "police.uk street-level crimes as delivered (text columns, one partition per month and "
        "force), from landing/police_uk/*-street.csv. A refused file is quarantined with its "
        "reason and its month keeps its last good rows."
    ),
)

OUTCOMES = IntakeSource(
    key=RAW_OUTCOMES_KEY,
    make_format=lambda settings: OutcomesFormat(settings.forces, settings.history_start),
    suite=OUTCOMES_SUITE,
    group="police_uk",
    description=(
        "police.uk outcomes as delivered (one row per outcome recorded in the month, joined to "
        "crimes on Crime ID), from landing/police_uk/*-outcomes.csv."
    ),
)

SOURCES = (STREET, OUTCOMES)
