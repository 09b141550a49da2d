"""The two checks every raw intake asset carries.

``delivered_files_accepted`` (non-blocking, severity ERROR) makes a refused file plain in the UI
without stopping the other partitions. ``great_expectations_suite`` (blocking) validates what the
run loaded against the dataset's suite in ``expectations/``: an error-level failure stops the dbt
build, so the marts keep their last good state.
"""

from collections.abc import Callable
from typing import Any

import dagster as dg

from orchestration.database import connect, table_exists
from orchestration.quality.expectation_suites import run_suite
from orchestration.settings import Settings, load_settings

ParameterFactory = Callable[[Settings, list[str]], dict[str, Any]]


def deliveries_of_run(settings: Settings, run_id: str, dataset: str, status: str) -> list[tuple]:
    with connect(settings.warehouse_path, read_only=True) as con:
        if not table_exists(con, "ops", "file_manifest"):
            return []
        return con.execute(
            """
            select original_name, partition_keys, reason, quarantine_path, row_count
            from ops.file_manifest where run_id = ? and source = ? and status = ?
            order by original_name
            """,
            [run_id, dataset, status],
        ).fetchall()


def intake_checks(
    *,
    key: dg.AssetKey,
    dataset: str,
    suite: str,
    frame_query: str,
    parameters: ParameterFactory,
) -> list[dg.AssetChecksDefinition]:
    """``frame_query`` selects the rows to validate, with one ``?`` for the partition keys."""

    @dg.asset_check(
        asset=key,
        name="delivered_files_accepted",
        blocking=False,
        description="Fails (severity ERROR) when a file delivered in this run was refused.",
    )
    def files_accepted(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        refused = deliveries_of_run(load_settings(), context.run.run_id, dataset, "refused")
        return dg.AssetCheckResult(
            passed=not refused,
            severity=dg.AssetCheckSeverity.ERROR,
            description=(
                f"{len(refused)} file(s) refused; their partitions keep the last good data."
                if refused
                else "Every file delivered in this run was accepted."
            ),
            metadata={
                "files_refused": len(refused),
                "refusals": dg.MetadataValue.md(
                    "\n".join(
                        f"- **{n}**: {why}  \n  kept in `{path}`" for n, _, why, path, _ in refused
                    )
                    or "none"
                ),
            },
        )

    @dg.asset_check(
        asset=key,
        name="great_expectations_suite",
        blocking=True,
        description=f"The {suite} Great Expectations suite on what this run loaded.",
    )
    def suite_passes(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        settings = load_settings()
        loaded = deliveries_of_run(settings, context.run.run_id, dataset, "loaded")
        keys = sorted({k for _, partition_keys, *_ in loaded for k in partition_keys})
        if not keys:
            return dg.AssetCheckResult(
                passed=True,
                description="Nothing new loaded in this run: nothing to validate.",
                metadata={"partitions_validated": 0},
            )
        with connect(settings.warehouse_path, read_only=True) as con:
            frame = con.execute(frame_query, [keys]).df()
        outcome = run_suite(suite, frame, parameters(settings, keys))
        return dg.AssetCheckResult(
            passed=not outcome.failures,
            severity=dg.AssetCheckSeverity.ERROR if outcome.errors else dg.AssetCheckSeverity.WARN,
            description=(
                f"{len(outcome.errors)} error(s), {len(outcome.warnings)} warning(s) over "
                f"{outcome.rows} rows in {len(keys)} partition(s)."
            ),
            metadata={
                "partitions_validated": len(keys),
                "rows_validated": outcome.rows,
                "expectations_evaluated": outcome.evaluated,
                "failures": dg.MetadataValue.md(
                    "\n".join(f"- {line}" for line in outcome.summary_lines()) or "none"
                ),
            },
        )

    return [files_accepted, suite_passes]
