"""Home Office police recorded crime by Community Safety Partnership."""

import dagster as dg

from orchestration.defs.home_office.assets import SOURCES
from orchestration.defs.home_office.checks import csp_crime_checks

defs = dg.Definitions(assets=[s.asset for s in SOURCES], asset_checks=csp_crime_checks)
