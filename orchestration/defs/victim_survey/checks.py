"""Checks on the raw victim survey asset. The suite never sees the comments table."""

from orchestration.defs.victim_survey.assets import RAW_RESPONSES_KEY
from orchestration.defs.victim_survey.format import SURVEYS
from orchestration.lib.intake_checks import intake_checks

response_checks = intake_checks(
    key=RAW_RESPONSES_KEY,
    dataset="victim_survey",
    suite="victim_survey_responses",
    frame_query="""
        select survey, response_id, response_date, overall_satisfaction, crime_group, area_code,
               strftime(partition_month, '%Y-%m') as month,
               strftime(response_date, '%Y-%m') as response_month
        from raw.victim_survey_responses where strftime(partition_month, '%Y-%m') in ?
    """,
    parameters=lambda settings, months: {"months": months, "surveys": list(SURVEYS)},
)
