"""The raw action tracker asset, partitioned by the quarter each delivery board reviews."""

import dagster as dg

from orchestration.defs.action_tracker.checks import TRACKER_SUITE
from orchestration.defs.action_tracker.format import ActionTrackerFormat
from orchestration.lib.intake_source import IntakeSource

RAW_TRACKER_KEY = dg.AssetKey(["raw", "action_tracker"])

TRACKER = IntakeSource(
    key=RAW_TRACKER_KEY,
    make_format=lambda settings: ActionTrackerFormat(),
    suite=TRACKER_SUITE,
    group="action_tracker",
    cadence="quarterly",
    description=(
        "The delivery action tracker: one row per plan action per lead's update, one file per "
        "delivery board (the template in the README), from landing/action_tracker/"
        "action-tracker-*.csv or .xlsx. Leads, statuses, dates and metrics are checked."
    ),
)

SOURCES = (TRACKER,)
