"""Checks on the raw partner returns."""

from orchestration.defs.partner_returns.assets import RAW_RETURNS_KEY
from orchestration.lib.intake_checks import intake_checks

returns_checks = intake_checks(
    key=RAW_RETURNS_KEY,
    dataset="partner_returns",
    suite="partner_returns",
    frame_query="select * from raw.partner_returns where lower(source_file) in ?",
    parameters=lambda settings, keys: {},
)
