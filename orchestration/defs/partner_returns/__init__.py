"""Partner returns: figures supplied for metrics no system computes."""

import dagster as dg

from orchestration.defs.partner_returns.assets import SOURCES

defs = dg.Definitions(assets=[s.asset for s in SOURCES])
