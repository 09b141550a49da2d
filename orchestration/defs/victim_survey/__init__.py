"""Victim satisfaction surveys: format, raw asset and its suite."""

import dagster as dg

from orchestration.defs.victim_survey.assets import SOURCES

defs = dg.Definitions(assets=[s.asset for s in SOURCES])
