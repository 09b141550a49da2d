"""The partitionings every source shares (a Dagster job runs one partitioning at a time).

Keys are "YYYY-MM": a month, or the first month of a financial quarter ("2025-04" = 2025/26-Q1).
The last partition is the last complete month or quarter.
"""

import dagster as dg

FIRST_MONTH = "2010-01"

monthly_partitions = dg.MonthlyPartitionsDefinition(
    start_date=FIRST_MONTH, fmt="%Y-%m", end_offset=0
)

quarterly_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 1,4,7,10 *", start="2010-04", fmt="%Y-%m", end_offset=0
)

PARTITIONS_BY_CADENCE: dict[str, dg.PartitionsDefinition | None] = {
    "monthly": monthly_partitions,
    "quarterly": quarterly_partitions,
    "unpartitioned": None,
}


def month_index(key: str) -> int:
    return int(key[:4]) * 12 + int(key[5:7]) - 1


def contiguous_ranges(keys: list[str], step: int = 1) -> list[tuple[str, str]]:
    """Group 'YYYY-MM' keys into runs of consecutive partitions (``step`` months apart)."""
    ranges: list[tuple[str, str]] = []
    for key in sorted(set(keys)):
        if ranges and month_index(key) == month_index(ranges[-1][1]) + step:
            ranges[-1] = (ranges[-1][0], key)
        else:
            ranges.append((key, key))
    return ranges
