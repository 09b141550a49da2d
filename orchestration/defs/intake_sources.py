"""Every intake source, in processing order. A new source adds its entries here."""

from orchestration.defs.action_tracker.assets import SOURCES as ACTION_TRACKER
from orchestration.defs.csew.assets import SOURCES as CSEW
from orchestration.defs.home_office.assets import SOURCES as HOME_OFFICE
from orchestration.defs.partner_returns.assets import SOURCES as PARTNER_RETURNS
from orchestration.defs.police_uk.assets import SOURCES as POLICE_UK
from orchestration.defs.stats19.assets import SOURCES as STATS19
from orchestration.defs.victim_survey.assets import SOURCES as VICTIM_SURVEY
from orchestration.lib.intake_source import IntakeSource

INTAKE_SOURCES: tuple[IntakeSource, ...] = (
    *POLICE_UK,
    *STATS19,
    *VICTIM_SURVEY,
    *HOME_OFFICE,
    *PARTNER_RETURNS,
    *CSEW,
    *ACTION_TRACKER,
)
