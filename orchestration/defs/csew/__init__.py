"""Crime Survey for England and Wales force-area estimates."""

import dagster as dg

from orchestration.defs.csew.assets import SOURCES
from orchestration.defs.csew.checks import csew_checks

defs = dg.Definitions(assets=[s.asset for s in SOURCES], asset_checks=csew_checks)
