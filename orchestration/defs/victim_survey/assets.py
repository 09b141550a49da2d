"""The raw victim satisfaction survey asset: one monthly partition, all three surveys."""

import dagster as dg

from orchestration.defs.victim_survey.checks import RESPONSES_SUITE
from orchestration.defs.victim_survey.format import VictimSurveyFormat
from orchestration.lib.intake_source import IntakeSource

RAW_RESPONSES_KEY = dg.AssetKey(["raw", "victim_survey_responses"])

RESPONSES = IntakeSource(
    key=RAW_RESPONSES_KEY,
    make_format=lambda settings: VictimSurveyFormat(settings.history_start),
    suite=RESPONSES_SUITE,
    group="victim_survey",
    description=(
        "Victim satisfaction survey responses (force survey, domestic-abuse victims, OPCC "
        "commissioned services) from landing/victim_survey/victim-survey-<survey>-YYYY-MM.csv "
        "or .xlsx. Free-text comments go only to restricted.victim_survey_comments."
    ),
)

SOURCES = (RESPONSES,)
