"""Checks on the raw police.uk asset, run in the same run as the intake.

``delivered_files_accepted`` makes a refused file plain in the UI without failing the run (the
other months still build). ``great_expectations_suite`` validates what this run loaded against
``expectations/police_uk_street.json`` and blocks the dbt build on an error-level failure.
"""

import dagster as dg

from orchestration.database import connect, table_exists
from orchestration.defs.police_uk.assets import RAW_STREET_KEY
from orchestration.defs.police_uk.format import SOURCE, force_name
from orchestration.quality.expectation_suites import run_suite
from orchestration.settings import load_settings


def _deliveries_of_run(run_id: str, status: str) -> list[tuple]:
    settings = load_settings()
    with connect(settings.warehouse_path, read_only=True) as con:
        if not table_exists(con, "ops", "file_manifest"):
            return []
        return con.execute(
            """
            select original_name, partition_keys, reason, quarantine_path, row_count
            from ops.file_manifest where run_id = ? and source = ? and status = ?
            order by original_name
            """,
            [run_id, SOURCE, status],
        ).fetchall()


@dg.asset_check(
    asset=RAW_STREET_KEY,
    name="delivered_files_accepted",
    blocking=False,
    description="Fails (severity ERROR) when a file delivered in this run was refused.",
)
def delivered_files_accepted(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    refused = _deliveries_of_run(context.run.run_id, "refused")
    return dg.AssetCheckResult(
        passed=not refused,
        severity=dg.AssetCheckSeverity.ERROR,
        description=(
            f"{len(refused)} file(s) refused; their months keep the last good data."
            if refused
            else "Every file delivered in this run was accepted."
        ),
        metadata={
            "files_refused": len(refused),
            "refusals": dg.MetadataValue.md(
                "\n".join(
                    f"- **{name}**: {reason}  \n  kept in `{path}`"
                    for name, _, reason, path, _ in refused
                )
                or "none"
            ),
        },
    )


@dg.asset_check(
    asset=RAW_STREET_KEY,
    name="great_expectations_suite",
    blocking=True,
    description="The police_uk_street Great Expectations suite on the months this run loaded.",
)
def street_rows_meet_expectations(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    loaded = _deliveries_of_run(context.run.run_id, "loaded")
    months = sorted({m for _, keys, *_ in loaded for m in keys})
    if not months:
        return dg.AssetCheckResult(
            passed=True,
            description="No new months loaded in this run: nothing to validate.",
            metadata={"months_validated": 0},
        )
    settings = load_settings()
    with connect(settings.warehouse_path, read_only=True) as con:
        frame = con.execute(
            """
            select *, try_cast(longitude as double) as longitude_num,
                      try_cast(latitude as double) as latitude_num
            from raw.police_uk_street where strftime(partition_month, '%Y-%m') in ?
            """,
            [months],
        ).df()
    outcome = run_suite(
        "police_uk_street",
        frame,
        {"months": months, "forces": [force_name(f) for f in settings.forces]},
    )
    severity = dg.AssetCheckSeverity.ERROR if outcome.errors else dg.AssetCheckSeverity.WARN
    return dg.AssetCheckResult(
        passed=not outcome.failures,
        severity=severity,
        description=(
            f"{len(outcome.errors)} error(s), {len(outcome.warnings)} warning(s) over "
            f"{outcome.rows} rows in {len(months)} month(s)."
        ),
        metadata={
            "months_validated": len(months),
            "rows_validated": outcome.rows,
            "expectations_evaluated": outcome.evaluated,
            "failures": dg.MetadataValue.md(
                "\n".join(f"- {line}" for line in outcome.summary_lines()) or "none"
            ),
        },
    )
