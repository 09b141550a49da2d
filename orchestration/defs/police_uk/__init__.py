"""police.uk street-level crime and outcomes: format, raw assets and their suites."""

import dagster as dg

from orchestration.defs.police_uk.assets import SOURCES

defs = dg.Definitions(assets=[source.asset for source in SOURCES])
