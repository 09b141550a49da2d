"""DfT STATS19 road casualties: format, raw assets and their suites."""

import dagster as dg

from orchestration.defs.stats19.assets import SOURCES

defs = dg.Definitions(assets=[source.asset for source in SOURCES])
