"""police.uk street-level crime and outcomes: format, raw assets, checks."""

import dagster as dg

from orchestration.defs.police_uk.assets import SOURCES
from orchestration.defs.police_uk.checks import outcomes_checks, street_checks

defs = dg.Definitions(
    assets=[source.asset for source in SOURCES],
    asset_checks=[*street_checks, *outcomes_checks],
)
