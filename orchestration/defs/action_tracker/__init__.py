"""The delivery action tracker: the plan's actions and their leads' updates, board by board."""

import dagster as dg

from orchestration.defs.action_tracker.assets import SOURCES

defs = dg.Definitions(assets=[s.asset for s in SOURCES])
