"""The victim survey Great Expectations suite. The suite never sees a comment: the staged rows
have none, and the frame names its columns."""

from orchestration.defs.victim_survey.format import SURVEYS
from orchestration.quality.audit import DatasetSuite

RESPONSES_SUITE = DatasetSuite(
    suite="victim_survey_responses",
    frame_query="""
        select survey, response_id, response_date, overall_satisfaction, crime_group, area_code,
               strftime(partition_month, '%Y-%m') as month,
               strftime(response_date, '%Y-%m') as response_month, source_line, source_file
        from {rows}
    """,
    parameters=lambda settings, months: {"months": months, "surveys": list(SURVEYS)},
)
