"""Where a format's staged rows are, for a step that reads them before they load (the audit)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class StagedRows:
    """A query over the staging temp tables of a connection giving the rows as the raw table
    will hold them: the raw table's column names and types, ``source_line`` (the line in the
    delivered file) and, for a batch, ``source_file``. ``params`` binds its ``?`` placeholders:
    values from a file name or content are always bound, never pasted into the SQL."""

    sql: str
    params: list[object] = field(default_factory=list)
