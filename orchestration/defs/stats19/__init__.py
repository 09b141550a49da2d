"""DfT STATS19 road casualties: format, raw assets, checks."""

import dagster as dg

from orchestration.defs.stats19.assets import SOURCES
from orchestration.defs.stats19.checks import casualty_checks, collision_checks, vehicle_checks

defs = dg.Definitions(
    assets=[source.asset for source in SOURCES],
    asset_checks=[*collision_checks, *casualty_checks, *vehicle_checks],
)
