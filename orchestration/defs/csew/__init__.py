"""Crime Survey for England and Wales force-area estimates."""

import dagster as dg

from orchestration.defs.csew.assets import SOURCES

defs = dg.Definitions(assets=[s.asset for s in SOURCES])
