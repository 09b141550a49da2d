"""Running the Great Expectations suites in ``expectations/`` against a DataFrame.

GX 1.x runs here directly (dagster-ge is abandoned). Each expectation carries
``meta.severity``: ``error`` fails the blocking asset check, ``warn`` is reported and the build
goes on. GX is imported lazily: it takes seconds, and only checks need it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from orchestration.settings import EXPECTATIONS_DIR


@dataclass(frozen=True)
class FailedExpectation:
    expectation: str
    column: str | None
    severity: str
    unexpected_count: int | None
    examples: list[Any]
    why: str | None


@dataclass
class SuiteOutcome:
    suite: str
    evaluated: int
    rows: int
    failures: list[FailedExpectation] = field(default_factory=list)

    @property
    def errors(self) -> list[FailedExpectation]:
        return [f for f in self.failures if f.severity == "error"]

    @property
    def warnings(self) -> list[FailedExpectation]:
        return [f for f in self.failures if f.severity != "error"]

    def summary_lines(self) -> list[str]:
        return [
            f"[{f.severity}] {f.expectation}"
            + (f" on {f.column}" if f.column else "")
            + (f": {f.unexpected_count} unexpected" if f.unexpected_count is not None else "")
            + (f", e.g. {f.examples[:3]}" if f.examples else "")
            + (f" ({f.why})" if f.why else "")
            for f in self.failures
        ]


def load_suite_definition(suite_name: str) -> dict[str, Any]:
    path = EXPECTATIONS_DIR / f"{suite_name}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def run_suite(suite_name: str, frame: pd.DataFrame, parameters: dict[str, Any]) -> SuiteOutcome:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.data_context.types.base import ProgressBarsConfig

    definition = load_suite_definition(suite_name)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas("frames")
        .add_dataframe_asset(suite_name)
        .add_batch_definition_whole_dataframe("whole")
    )
    suite = context.suites.add(ExpectationSuite(**definition))
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"{suite_name}_validation", data=batch, suite=suite)
    )
    result = validation.run(
        batch_parameters={"dataframe": frame}, expectation_parameters=parameters
    )
    outcome = SuiteOutcome(suite=suite_name, evaluated=len(result.results), rows=len(frame))
    for item in result.results:
        if item.success:
            continue
        config = item.expectation_config
        details = item.result or {}
        outcome.failures.append(
            FailedExpectation(
                expectation=config.type,
                column=config.kwargs.get("column"),
                severity=config.meta.get("severity", "error") if config.meta else "error",
                unexpected_count=details.get("unexpected_count"),
                examples=list(details.get("partial_unexpected_list") or [])[:5],
                why=config.meta.get("why") if config.meta else None,
            )
        )
    return outcome
