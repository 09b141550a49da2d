"""Victim satisfaction surveys: format, raw asset, checks."""

import dagster as dg

from orchestration.defs.victim_survey.assets import SOURCES
from orchestration.defs.victim_survey.checks import response_checks

defs = dg.Definitions(assets=[s.asset for s in SOURCES], asset_checks=response_checks)
