"""A dataset's Great Expectations suite as intake runs it: on a file's staged rows, before they
load (write-audit-publish).

Each source declares its ``DatasetSuite`` once, in ``defs/<source>/checks.py``: the suite's
name, the frame the suite expects (the staged rows in the raw table's shape, with any columns
the suite computes on, such as ``longitude_num``) and the suite's parameters (the months loaded,
the configured forces, ...). The Dagster intake asset hands ``audit(settings)`` to intake; the
benchmark measures the structural intake without it, and the validation of the same rows apart.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from orchestration.landing.intake import Audit
from orchestration.landing.staged import StagedRows
from orchestration.lib.freed_memory import release_freed_memory
from orchestration.quality.expectation_suites import (
    COLLECT_FROM_ROWS,
    SuiteOutcome,
    frame_rule_columns,
    has_frame_rules,
    run_suite,
)
from orchestration.settings import Settings

ParameterFactory = Callable[[Settings, list[str]], dict[str, Any]]


@dataclass(frozen=True)
class DatasetSuite:
    suite: str  # expectations/<suite>.json
    # The frame the suite validates, selected from ``{rows}``: the rows in the raw table's
    # shape (its columns, ``source_line`` and, for a batch, ``source_file``). Keep
    # ``source_line`` (and ``source_file``): they say where a failing row is.
    frame_query: str
    parameters: ParameterFactory  # (settings, partition keys) -> the suite's parameters

    def frame(
        self,
        con: duckdb.DuckDBPyConnection,
        rows: StagedRows,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """The frame the suite validates; only ``columns`` of it when given (the few a subset
        of the rules reads: building the frame is most of a small validation's cost)."""
        query = self.frame_query.replace("{rows}", f"({rows.sql}) as staged")
        if columns is not None:
            quoted = ", ".join('"' + c.replace('"', '""') + '"' for c in columns)
            query = f"select {quoted} from ({query}) as framed"
        return con.execute(query, rows.params).df()

    def validate(
        self,
        settings: Settings,
        con: duckdb.DuckDBPyConnection,
        rows: StagedRows,
        partitions: Sequence[str],
        rules: str = "all",
    ) -> SuiteOutcome:
        columns = frame_rule_columns(self.suite) if rules == "frame" else None
        frame = self.frame(con, rows, columns)
        outcome = run_suite(self.suite, frame, self.parameters(settings, sorted(partitions)), rules)
        if len(frame) >= COLLECT_FROM_ROWS:  # a large frame's memory back (freed_memory)
            del frame
            release_freed_memory()
        return outcome

    def audit(self, settings: Settings) -> Audit:
        """What ``take_in`` runs on each file's (or batch's) staged rows."""
        return SuiteAudit(self, settings, has_frame_rules(self.suite))


@dataclass(frozen=True)
class SuiteAudit:
    """A dataset's suite bound to the settings it needs: the ``Audit`` intake runs."""

    dataset_suite: DatasetSuite
    settings: Settings
    has_frame_rules: bool

    def __call__(
        self,
        con: duckdb.DuckDBPyConnection,
        rows: StagedRows,
        partitions: Sequence[str],
        rules: str = "all",
    ) -> SuiteOutcome:
        return self.dataset_suite.validate(self.settings, con, rows, partitions, rules)
