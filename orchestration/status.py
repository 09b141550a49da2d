"""`pcp status`: what the warehouse holds, source by source, read from the manifest."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from orchestration.database import connect, table_exists
from orchestration.settings import Settings

# Every source's raw table, so status can count rows. Later sources add themselves here.
RAW_TABLES = {"police_uk": "raw.police_uk_street"}


@dataclass
class SourceStatus:
    source: str
    months: list[str] = field(default_factory=list)
    rows: int = 0
    files_loaded: int = 0
    last_refresh: datetime | None = None
    refused: list[tuple[str, datetime, str, str]] = field(default_factory=list)


def compact_months(months: list[str]) -> str:
    """'2019-04..2025-09 (78 months)' or a list when there are gaps."""
    from orchestration.refresh import contiguous_ranges

    if not months:
        return "none"
    spans = [a if a == b else f"{a}..{b}" for a, b in contiguous_ranges(months)]
    return f"{', '.join(spans)} ({len(months)} months)"


def read_status(settings: Settings) -> list[SourceStatus]:
    statuses = {source: SourceStatus(source) for source in RAW_TABLES}
    if not settings.warehouse_path.exists():
        return list(statuses.values())
    with connect(settings.warehouse_path, read_only=True) as con:
        if not table_exists(con, "ops", "file_manifest"):
            return list(statuses.values())
        for source, status in statuses.items():
            loaded = con.execute(
                """
                select list_sort(list_distinct(flatten(list(partition_keys)))), count(*),
                       max(received_at)
                from ops.file_manifest where source = ? and status = 'loaded'
                """,
                [source],
            ).fetchall()[0]
            status.months = list(loaded[0] or [])
            status.files_loaded = loaded[1]
            status.last_refresh = loaded[2]
            schema, table = RAW_TABLES[source].split(".")
            if table_exists(con, schema, table):
                status.rows = con.execute(f"select count(*) from {RAW_TABLES[source]}").fetchall()[
                    0
                ][0]
            status.refused = con.execute(
                """
                select original_name, received_at, reason, quarantine_path
                from ops.file_manifest where source = ? and status = 'refused'
                order by received_at desc
                """,
                [source],
            ).fetchall()
    return list(statuses.values())
