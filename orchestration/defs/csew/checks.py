"""The CSEW estimates' Great Expectations suite, run on each file's staged rows."""

from orchestration.quality.audit import DatasetSuite

CSEW_SUITE = DatasetSuite(
    suite="csew_force_estimates",
    frame_query="select * from {rows}",
    parameters=lambda settings, periods: {},
)
