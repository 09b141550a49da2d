"""The partner returns' Great Expectations suite, run on each file's staged rows."""

from orchestration.quality.audit import DatasetSuite

RETURNS_SUITE = DatasetSuite(
    suite="partner_returns",
    frame_query="select * from {rows}",
    parameters=lambda settings, keys: {},
)
