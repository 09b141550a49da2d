"""Running the Great Expectations suites in ``expectations/`` against a DataFrame.

GX 1.x runs here directly (dagster-ge is abandoned). Each expectation carries
``meta.severity``: ``error`` refuses the file whose rows break it (intake validates staged rows
before they load), ``warn`` is reported and the rows load. Failures are described in words with
the lines of the failing rows (``source_line``, and ``source_file`` for a batch of files),
never with the values in them: GX is asked to leave the values out. GX is imported lazily: it
takes seconds, and only validation needs it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from orchestration.landing.refusal import BrokenExpectation, ExpectationsFailed
from orchestration.lib.freed_memory import release_freed_memory
from orchestration.settings import EXPECTATIONS_DIR

LINES_SHOWN = 5  # line numbers named per failed expectation
SET_VALUES_SHOWN = 6  # allowed values named in "expected"; a longer set is referred to
INDEX_COLUMNS = ("source_file", "source_line")  # where a failing row is, when the frame has them
COLLECT_FROM_ROWS = 100_000  # frames from this size are freed as soon as they are validated


@dataclass(frozen=True)
class FailedExpectation:
    expectation: str  # the GX expectation type
    columns: tuple[str, ...]
    severity: str  # error | warn
    unexpected_count: int | None
    lines: tuple[int, ...]  # the first few failing rows' lines (in their file)
    why: str | None  # the suite's meta.why
    what: str  # in plain words: why, or what the expectation checks
    expected: str
    # For a frame of many files: file name -> (failing rows, their first lines).
    by_file: Mapping[str, tuple[int, tuple[int, ...]]] = field(default_factory=dict)

    @property
    def column(self) -> str | None:
        return self.columns[0] if self.columns else None

    def breach(self) -> BrokenExpectation:
        return BrokenExpectation(
            what=self.what,
            expectation=self.expectation,
            columns=self.columns,
            rows=self.unexpected_count,
            lines=self.lines,
            expected=self.expected,
        )

    def in_file(self, file_name: str) -> FailedExpectation | None:
        """The failure as far as one file of the frame goes: its rows and lines; None when
        none of its rows fail. A failure of the whole frame (no rows to point at) stays."""
        if not self.by_file:
            return self
        if file_name not in self.by_file:
            return None
        rows, lines = self.by_file[file_name]
        return replace(self, unexpected_count=rows, lines=lines, by_file={})

    def __str__(self) -> str:
        return f"[{self.severity}] {self.breach()}"


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
        return [str(f) for f in self.failures]

    def refusal(self, file_name: str) -> ExpectationsFailed:
        """The refusal of a file whose rows these are, naming its error-level failures."""
        return ExpectationsFailed.of(file_name, self.suite, tuple(f.breach() for f in self.errors))

    def joined(self, other: SuiteOutcome) -> SuiteOutcome:
        """The outcome of this and ``other``, two parts of one suite run on the same rows."""
        failures = sorted(
            [*self.failures, *other.failures],
            key=lambda f: (f.severity != "error", f.lines[:1] or (0,)),
        )
        return SuiteOutcome(self.suite, self.evaluated + other.evaluated, self.rows, failures)

    def in_file(self, file_name: str, rows: int) -> SuiteOutcome:
        """The outcome as far as one file of a frame of many goes (it has ``rows`` rows)."""
        failures = [f.in_file(file_name) for f in self.failures]
        return SuiteOutcome(
            self.suite, self.evaluated, rows, [f for f in failures if f is not None]
        )


def load_suite_definition(suite_name: str) -> dict[str, Any]:
    path = EXPECTATIONS_DIR / f"{suite_name}.json"
    return json.loads(path.read_text(encoding="utf-8"))


# Which of a suite's expectations to run. Most judge each row alone ("row"): run over the rows
# of many files at once they give each file exactly its own verdict. A tolerance judges the
# rows as a whole ("frame": "mostly", e.g. 90% of respondents answer): over many files at once
# it would hide a bad file among good ones, so tolerances run file by file. Table rules (the
# columns, at least one row) come out the same either way: every file of a pool is staged in
# the same columns, and a file without rows is refused by its structural checks first.
RULES = ("all", "row", "frame")


def is_frame_rule(expectation: Mapping[str, Any]) -> bool:
    return "mostly" in expectation.get("kwargs", {})


def frame_rule_columns(suite_name: str) -> list[str]:
    """The columns the suite's frame rules read, and those that say where a row is."""
    columns: list[str] = []
    for expectation in load_suite_definition(suite_name)["expectations"]:
        if is_frame_rule(expectation):
            kwargs = expectation.get("kwargs", {})
            columns += [kwargs["column"]] if "column" in kwargs else []
            columns += list(kwargs.get("column_list") or [])
            # A rule may apply to some rows only: `col("crime_type") != "..."`.
            columns += re.findall(r'col\("([^"]+)"\)', str(kwargs.get("row_condition") or ""))
    return list(dict.fromkeys([*columns, *INDEX_COLUMNS]))


def has_frame_rules(suite_name: str) -> bool:
    return any(is_frame_rule(e) for e in load_suite_definition(suite_name)["expectations"])


def run_suite(
    suite_name: str, frame: pd.DataFrame, parameters: dict[str, Any], rules: str = "all"
) -> SuiteOutcome:
    """Validate ``frame`` against the suite (or only its ``rules``: see RULES): in the second
    process `pcp refresh` started for it (suite_worker), or here."""
    from orchestration.quality.suite_worker import current

    worker = current()
    if worker is not None:
        return worker.run(suite_name, frame, parameters, rules)
    return run_suite_here(suite_name, frame, parameters, rules)


def warm_up() -> None:
    """Import GX and build one context, so the first validation is no slower than the next."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    gx.get_context(mode="ephemeral")


def run_suite_here(
    suite_name: str,
    frame: pd.DataFrame,
    parameters: dict[str, Any],
    rules: str = "all",
    release: bool = True,
) -> SuiteOutcome:
    """Validate ``frame`` here. ``release``: hand a large frame's freed memory back before
    returning (the suite worker does it once itself, after it has dropped the frame too)."""
    assert rules in RULES, rules
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    index_columns = [c for c in INDEX_COLUMNS if c in frame.columns]
    validation = _validation(suite_name, rules)
    result_format: dict[str, Any] = {
        "result_format": "SUMMARY",
        # Which rows fail, by their line (and file), without the values in them.
        "exclude_unexpected_values": True,
        "return_unexpected_index_query": False,
        "include_unexpected_rows": False,
    }
    if index_columns:
        result_format["unexpected_index_column_names"] = index_columns
    result = validation.run(
        batch_parameters={"dataframe": frame},
        expectation_parameters=parameters,
        result_format=result_format,
    )
    outcome = SuiteOutcome(suite=suite_name, evaluated=len(result.results), rows=len(frame))
    for item in result.results:
        if item.success:
            continue
        outcome.failures.append(_failure(suite_name, item))
    outcome.failures.sort(key=lambda f: (f.severity != "error", f.lines[:1] or (0,)))
    # GX's context, batch and results hold the frame in reference cycles: without a collection
    # each large frame stays in memory until Python happens to collect (at national volume,
    # ~0.6 GB more per month validated), and collected, its memory stays in the process unless
    # handed back (freed_memory). A collection takes ~0.25 s: only for large frames.
    del result
    _forget_frames(validation)
    if release and len(frame) >= COLLECT_FROM_ROWS:
        release_freed_memory()
    return outcome


# suite name, rules -> its validation definition, built once per process: building the context,
# data source, suite and definition took 60% of a small frame's run (0.07 of 0.11 s), and a
# first refresh validates the tolerances of each of hundreds of files alone. Each run is
# handed its own frame and parameters; nothing of one run's frame is read by the next.
_validations: dict[tuple[str, str, str], Any] = {}


def _validation(suite_name: str, rules: str) -> Any:
    definition = load_suite_definition(suite_name)
    if rules != "all":
        definition["expectations"] = [
            e for e in definition["expectations"] if is_frame_rule(e) == (rules == "frame")
        ]
    # Keyed by the definition itself: a suite edited while the process runs is rebuilt.
    key = (suite_name, rules, json.dumps(definition, sort_keys=True, default=str))
    if key not in _validations:
        import great_expectations as gx
        from great_expectations.core.expectation_suite import ExpectationSuite
        from great_expectations.data_context.types.base import ProgressBarsConfig

        _no_batch_fingerprint()
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        batch = (
            context.data_sources.add_pandas("frames")
            .add_dataframe_asset(suite_name)
            .add_batch_definition_whole_dataframe("whole")
        )
        suite = context.suites.add(ExpectationSuite(**definition))
        _validations[key] = context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{suite_name}_{rules}", data=batch, suite=suite)
        )
    return _validations[key]


def _no_batch_fingerprint() -> None:
    """Stop GX hashing every row of each frame it validates. The hash is only a marker in the
    batch's metadata (``pandas_data_fingerprint``), which nothing here reads, and GX itself skips
    it for frames of 1 GB and more (its ``HASH_THRESHOLD``); it cost 13% of the suite worker's
    time in a first refresh (6.8 of 52 s, profiled)."""
    from great_expectations.execution_engine import pandas_execution_engine

    pandas_execution_engine.HASH_THRESHOLD = 0


def _forget_frames(validation: Any) -> None:
    """Drop the frame a kept validation definition's execution engine still holds (its batch
    manager caches each run's batch): kept, a large frame would stay in memory beside the next
    one read, in the suite worker at national volume."""
    manager = validation.data.data_asset.datasource.get_execution_engine().batch_manager
    manager.batch_data_cache.clear()
    manager.reset_batch_cache()


def _failure(suite_name: str, item: Any) -> FailedExpectation:
    config = item.expectation_config
    meta = config.meta or {}
    kwargs = dict(config.kwargs)
    details = item.result or {}
    columns = (
        (kwargs["column"],) if kwargs.get("column") else tuple(kwargs.get("column_list") or ())
    )
    plain, expected = plain_words(config.type, kwargs, suite_name)
    what = meta.get("why") or plain
    count = details.get("unexpected_count")
    lines, by_file = _locations(details)
    if _raised(item.exception_info):
        # The suite could not be run on these rows (a fault in the suite or the frame, such as
        # a missing column): never a reason to let them in unvalidated. GX's message is not
        # repeated: it may quote a value.
        what = f"{what} (could not be evaluated on these rows: a fault in the suite or its frame)"
    return FailedExpectation(
        expectation=config.type,
        columns=tuple(columns),
        severity=meta.get("severity", "error"),
        unexpected_count=int(count) if count is not None else None,
        lines=lines,
        why=meta.get("why"),
        what=what,
        expected=expected,
        by_file=by_file,
    )


def _raised(exception_info: Any) -> bool:
    """Whether GX raised while evaluating: its exception_info is flat, or keyed by metric."""
    if not isinstance(exception_info, Mapping):
        return False
    if exception_info.get("raised_exception"):
        return True
    return any(
        isinstance(info, Mapping) and info.get("raised_exception")
        for info in exception_info.values()
    )


def _locations(
    details: Mapping[str, Any],
) -> tuple[tuple[int, ...], dict[str, tuple[int, tuple[int, ...]]]]:
    """(first lines, {file: (rows, first lines)}) of the failing rows GX reports.

    With ``exclude_unexpected_values`` GX gives one mapping of index column -> every failing
    row's value, in frame order.
    """
    found = details.get("partial_unexpected_index_list") or []
    if not found or not isinstance(found[0], Mapping) or "source_line" not in found[0]:
        return (), {}
    lines = [int(line) for line in found[0]["source_line"]]
    files = found[0].get("source_file")
    if files is None:
        return tuple(sorted(lines)[:LINES_SHOWN]), {}
    per_file: dict[str, list[int]] = {}
    for name, line in zip(files, lines, strict=True):
        per_file.setdefault(str(name), []).append(line)
    by_file = {
        name: (len(at), tuple(sorted(at)[:LINES_SHOWN])) for name, at in sorted(per_file.items())
    }
    # Lines mean something only within one file.
    first = next(iter(by_file.values()))[1] if len(by_file) == 1 else ()
    return first, by_file


def _condition_text(condition: Any) -> str:
    """A row condition in words: GX 1.x keeps the suite's ``col("a") != "b"`` as a structure."""
    if isinstance(condition, str):
        return re.sub(r'col\("([^"]+)"\)', r"\1", condition)
    if not isinstance(condition, Mapping):
        return str(condition)
    kind = condition.get("type")
    column = (condition.get("column") or {}).get("name")
    if kind == "comparison":
        parameter = condition.get("parameter")
        shown = f'"{parameter}"' if isinstance(parameter, str) else str(parameter)
        return f"{column} {condition.get('operator')} {shown}"
    if kind == "nullity":
        return f"{column} is {'empty' if condition.get('is_null') else 'filled in'}"
    if kind in ("and", "or"):
        parts = [_condition_text(c) for c in condition.get("conditions") or []]
        return "(" + f" {kind} ".join(parts) + ")"
    if kind == "pass_through":
        return str(condition.get("pass_through_filter"))
    return str(condition)


def _condition(kwargs: Mapping[str, Any]) -> str:
    condition = kwargs.get("row_condition")
    if not condition:
        return ""
    if hasattr(condition, "dict"):  # a GX Condition object rather than its serialised form
        condition = condition.dict()
    return " where " + _condition_text(condition)


def _value_set(values: Any, suite_name: str) -> str:
    values = list(values or [])
    if len(values) <= SET_VALUES_SHOWN:
        return "one of " + ", ".join(f"'{v}'" for v in values)
    return f"one of the {len(values)} values listed in expectations/{suite_name}.json"


def _number(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _between(kwargs: Mapping[str, Any]) -> str:
    low, high = _number(kwargs.get("min_value")), _number(kwargs.get("max_value"))
    if low is not None and high is not None:
        return f"from {low} to {high}"
    if low is not None:
        return f"at least {low}"
    return f"at most {high}"


def plain_words(kind: str, kwargs: Mapping[str, Any], suite_name: str) -> tuple[str, str]:
    """(what the expectation checks, what was expected), in words, from its type and kwargs
    (with parameters resolved). Never anything from the data."""
    column = kwargs.get("column")
    columns = ", ".join(kwargs.get("column_list") or ())
    where = _condition(kwargs)
    mostly = kwargs.get("mostly")
    share = f" (on at least {mostly:.0%} of rows)" if mostly not in (None, 1, 1.0) else ""
    words: dict[str, tuple[str, str]] = {
        "expect_column_values_to_not_be_null": (
            f"{column} must be filled in", f"a value in {column} on every row{where}{share}"),
        "expect_column_values_to_be_null": (
            f"{column} must be empty", f"no value in {column}{where}{share}"),
        "expect_column_values_to_be_in_set": (
            f"{column} must be an allowed value",
            f"{column} {_value_set(kwargs.get('value_set'), suite_name)}{where}{share}"),
        "expect_column_values_to_be_between": (
            f"{column} must be in range", f"{column} {_between(kwargs)}{where}{share}"),
        "expect_column_values_to_match_regex": (
            f"{column} must have the published form",
            f"{column} matching {kwargs.get('regex')}{where}{share}"),
        "expect_column_value_lengths_to_equal": (
            f"{column} must have its published length",
            f"{column} {kwargs.get('value')} characters long{where}{share}"),
        "expect_column_values_to_be_unique": (
            f"{column} must not repeat", f"each {column} on one row only{where}"),
        "expect_compound_columns_to_be_unique": (
            f"({columns}) must not repeat", f"each combination of {columns} on one row only"),
        "expect_table_row_count_to_be_between": (
            "the number of rows", f"{_between(kwargs)} rows"),
        "expect_table_columns_to_match_set": (
            "the columns", "the columns " + ", ".join(kwargs.get("column_set") or ())),
    }  # fmt: skip
    if kind in words:
        return words[kind]
    return (
        kind.removeprefix("expect_").replace("_", " ") + (f" ({column})" if column else ""),
        f"what expectations/{suite_name}.json says for {kind}",
    )
