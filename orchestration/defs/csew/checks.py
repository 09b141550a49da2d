"""Checks on the raw CSEW estimates."""

from orchestration.defs.csew.assets import RAW_CSEW_KEY
from orchestration.lib.intake_checks import intake_checks

csew_checks = intake_checks(
    key=RAW_CSEW_KEY,
    dataset="csew_force_estimates",
    suite="csew_force_estimates",
    frame_query="select * from raw.csew_force_estimates where strftime(period_end, '%Y-%m') in ?",
    parameters=lambda settings, periods: {},
)
