"""The partitionings every source shares (a Dagster job runs one partitioning at a time).

Keys are "YYYY-MM": a month, or the first month of a financial quarter ("2025-04" = 2025/26-Q1).
They start at the configured history start (PCP_HISTORY_START), so the UI lists the months the
warehouse keeps, not every month since police.uk began; the last is the last complete month or
quarter.
"""

import dagster as dg

from orchestration.settings import load_settings


def month_index(key: str) -> int:
    return int(key[:4]) * 12 + int(key[5:7]) - 1


def _month_key(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def first_quarter_start(history_start: str) -> str:
    """The first financial quarter wholly inside the history (quarters start Jan/Apr/Jul/Oct)."""
    index = month_index(history_start)
    return _month_key(index + (-index) % 3)


def partitions_by_cadence(history_start: str) -> dict[str, dg.PartitionsDefinition | None]:
    return {
        "monthly": dg.MonthlyPartitionsDefinition(
            start_date=history_start, fmt="%Y-%m", end_offset=0
        ),
        "quarterly": dg.TimeWindowPartitionsDefinition(
            cron_schedule="0 0 1 1,4,7,10 *",
            start=first_quarter_start(history_start),
            fmt="%Y-%m",
            end_offset=0,
        ),
        "unpartitioned": None,
    }


# Built once from the environment of whoever loads the code location (`pcp`, `make dev`).
PARTITIONS_BY_CADENCE = partitions_by_cadence(load_settings().history_start)


def financial_quarter(key: str) -> str:
    """A quarterly partition key as its financial quarter: "2025-07" -> "2025/26-Q2"."""
    index = month_index(key) - 3  # months since the April that starts quarter 1 of year 0
    year, quarter = index // 12, (index % 12) // 3 + 1
    return f"{year}/{(year + 1) % 100:02d}-Q{quarter}"


def contiguous_ranges(keys: list[str], step: int = 1) -> list[tuple[str, str]]:
    """Group 'YYYY-MM' keys into runs of consecutive partitions (``step`` months apart)."""
    ranges: list[tuple[str, str]] = []
    for key in sorted(set(keys)):
        if ranges and month_index(key) == month_index(ranges[-1][1]) + step:
            ranges[-1] = (ranges[-1][0], key)
        else:
            ranges.append((key, key))
    return ranges
