"""The action tracker's Great Expectations suite, run on each file's staged rows."""

from orchestration.quality.audit import DatasetSuite

TRACKER_SUITE = DatasetSuite(
    suite="action_tracker",
    frame_query="select * exclude (metric_ids) from {rows}",
    parameters=lambda settings, keys: {},
)
