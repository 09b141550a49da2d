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
from orchestration.quality import suite_worker
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
        return con.execute(self.frame_sql(rows, columns), rows.params).df()

    def frame_sql(self, rows: StagedRows, columns: Sequence[str] | None = None) -> str:
        """The query of ``frame`` (its parameters are ``rows.params``)."""
        query = self.frame_query.replace("{rows}", f"({rows.sql}) as staged")
        if columns is not None:
            quoted = ", ".join('"' + c.replace('"', '""') + '"' for c in columns)
            query = f"select {quoted} from ({query}) as framed"
        return query

    def validate(
        self,
        settings: Settings,
        con: duckdb.DuckDBPyConnection,
        rows: StagedRows,
        partitions: Sequence[str],
        rules: str = "all",
    ) -> SuiteOutcome:
        columns = frame_rule_columns(self.suite) if rules == "frame" else None
        parameters = self.parameters(settings, sorted(partitions))
        worker = suite_worker.current()
        if worker is not None:  # the rows go to the worker as Parquet, never as a frame here
            query = self.frame_sql(rows, columns)
            return worker.run_query(self.suite, con, query, rows.params, parameters, rules)
        frame = self.frame(con, rows, columns)
        outcome = run_suite(self.suite, frame, parameters, rules)
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

    @property
    def validates_elsewhere(self) -> bool:
        """Whether ``defer`` hands validations to the suite worker (another process), so that
        intake can stage the next batch meanwhile."""
        return suite_worker.current() is not None

    def defer(
        self,
        con: duckdb.DuckDBPyConnection,
        rows: StagedRows,
        partitions: Sequence[str],
        rules: str = "all",
    ) -> Callable[[], SuiteOutcome]:
        """As calling it, but with the suite worker the validation runs there while this
        process goes on; the returned function waits for the outcome. Without a worker it
        validates now."""
        worker = suite_worker.current()
        if worker is None:
            outcome = self(con, rows, partitions, rules)
            return lambda: outcome
        suite = self.dataset_suite
        columns = frame_rule_columns(suite.suite) if rules == "frame" else None
        parameters = suite.parameters(self.settings, sorted(partitions))
        query = suite.frame_sql(rows, columns)
        ticket = worker.submit(suite.suite, con, query, rows.params, parameters, rules)
        return lambda: worker.result(ticket)
