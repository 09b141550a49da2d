"""Home Office police recorded crime by Community Safety Partnership."""

import dagster as dg

from orchestration.defs.home_office.assets import SOURCES

defs = dg.Definitions(assets=[s.asset for s in SOURCES])
