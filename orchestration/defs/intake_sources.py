"""Every intake source, in processing order. A new source adds its entries here."""

from orchestration.defs.police_uk.assets import SOURCES as POLICE_UK
from orchestration.defs.stats19.assets import SOURCES as STATS19
from orchestration.defs.victim_survey.assets import SOURCES as VICTIM_SURVEY
from orchestration.lib.intake_source import IntakeSource

INTAKE_SOURCES: tuple[IntakeSource, ...] = (*POLICE_UK, *STATS19, *VICTIM_SURVEY)
