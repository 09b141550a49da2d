"""police.uk publishes one file per force per month."""

import dagster as dg

from orchestration.defs.police_uk.format import FIRST_MONTH

# Keys look like "2025-06", the same as the file names. end_offset=0: the last partition is the
# last complete month (police.uk never publishes the current one).
monthly_partitions = dg.MonthlyPartitionsDefinition(
    start_date=FIRST_MONTH, fmt="%Y-%m", end_offset=0
)
