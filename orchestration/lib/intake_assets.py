"""One factory for every raw intake asset: take the dataset's files from landing, validate,
load, report.

A source defines its file format (a ``SourceFormat``) and its Great Expectations suite (a
``DatasetSuite``); this turns them into a Dagster asset whose materialisation metadata says
what was loaded, skipped or refused, and which reports two checks itself:

- ``great_expectations_suite``: the suite, run by intake on each file's staged rows before they
  load. An error-level failure refuses the file, so its rows never reach raw, the marts or the
  published copy, in this run or any later one; its partitions keep their previous rows. There
  is nothing downstream to stop, so the check is not blocking: it fails (severity ERROR) to say
  a file was refused, or (WARN) that rows loaded with warnings.
- ``delivered_files_accepted``: fails (severity ERROR) when a file taken in by the run was
  refused, for a structural problem or by the suite.

A refused file is intake doing its job: the run succeeds. Partitioned assets take only the
files whose partitions all fall in the run's range, so a backfill of many months is one run.
"""

from collections.abc import Callable, Iterator, Sequence

import dagster as dg

from orchestration.landing.files import list_landed
from orchestration.landing.intake import AuditedFile, IntakeResult, SourceFormat, take_in
from orchestration.landing.names import shown
from orchestration.lib.resources import SettingsResource, WarehouseWriter
from orchestration.quality.audit import DatasetSuite
from orchestration.settings import Settings

FormatFactory = Callable[[Settings], SourceFormat]

SUITE_CHECK = "great_expectations_suite"
FILES_CHECK = "delivered_files_accepted"


def _cell(text: object) -> str:
    """Text for a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _name(name: str) -> str:
    """A file name for a Markdown table cell: escaped and capped, as everywhere."""
    return _cell(shown(name))


def intake_metadata(result: IntakeResult) -> dict[str, dg.MetadataValue]:
    lines = ["| file | partitions | rows | outcome |", "|---|---|---|---|"]
    lines += [
        f"| {_name(f.name)} | {', '.join(f.partitions)} | {f.rows} | loaded (version {f.version}) |"
        for f in result.loaded
    ]
    lines += [
        f"| {_name(name)} | | | already loaded: nothing changed |" for name in result.duplicates
    ]
    lines += [f"| {_name(name)} | | | waiting: {_cell(why)} |" for name, why in result.waiting]
    lines += [
        f"| {_name(f.name)} | {', '.join(f.partitions)} | | **refused**: {_cell(f.reason)} |"
        for f in result.refused
    ]
    return {
        "partitions_loaded": dg.MetadataValue.json(result.partitions_loaded),
        "rows_loaded": dg.MetadataValue.int(result.rows_loaded),
        "files_loaded": dg.MetadataValue.int(len(result.loaded)),
        "files_refused": dg.MetadataValue.int(len(result.refused)),
        "files_already_loaded": dg.MetadataValue.int(len(result.duplicates)),
        "files_waiting": dg.MetadataValue.int(len(result.waiting)),
        "deliveries": dg.MetadataValue.md("\n".join(lines)),
    }


def files_accepted_result(key: dg.AssetKey, result: IntakeResult) -> dg.AssetCheckResult:
    refused = result.refused
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=FILES_CHECK,
        passed=not refused,
        severity=dg.AssetCheckSeverity.ERROR,
        description=(
            f"{len(refused)} file(s) refused: nothing of them loaded, their partitions keep "
            "their previous rows. Fix the file and deliver it again."
            if refused
            else "Every file taken in by this run was accepted."
        ),
        metadata={
            "files_refused": len(refused),
            "refusals": dg.MetadataValue.md(
                "\n".join(
                    f"- **{shown(f.name)}** ({', '.join(f.partitions) or 'no partition'}): "
                    f"{f.reason}  \n"
                    f"  kept in `{f.quarantine_path}`"
                    for f in refused
                )
                or "none"
            ),
        },
    )


def _audited_row(audited: AuditedFile) -> str:
    outcome = audited.outcome
    if audited.loaded:
        verdict = "loaded with warnings" if outcome.warnings else "passed, loaded"
    else:
        verdict = "**refused**: not loaded"
    failures = "<br>".join(_cell(line) for line in outcome.summary_lines()) or "none"
    partitions = ", ".join(audited.partitions)
    return f"| {audited.name} | {partitions} | {outcome.rows} | {verdict} | {failures} |"


def suite_result(
    key: dg.AssetKey, suite: DatasetSuite, result: IntakeResult
) -> dg.AssetCheckResult:
    audited = result.audited
    if not audited:
        return dg.AssetCheckResult(
            asset_key=key,
            check_name=SUITE_CHECK,
            passed=True,
            description="Nothing new to validate: no file's rows were staged in this run.",
            metadata={"files_validated": 0, "suite": suite.suite},
        )
    refused = [a for a in audited if not a.loaded]
    warned = [a for a in audited if a.loaded and a.outcome.warnings]
    rows = sum(a.outcome.rows for a in audited)
    table = [
        "| file | partitions | rows | outcome | failed expectations (lines in the file) |",
        "|---|---|---|---|---|",
        *(_audited_row(a) for a in audited),
    ]
    if refused:
        summary = (
            f"{len(refused)} of {len(audited)} file(s) refused for error-level failures: their "
            "rows were never loaded and their partitions keep their previous rows."
        )
    elif warned:
        summary = f"{len(warned)} of {len(audited)} file(s) loaded with warnings."
    else:
        summary = f"All {len(audited)} file(s) passed and loaded."
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=SUITE_CHECK,
        passed=not refused and not warned,
        severity=dg.AssetCheckSeverity.ERROR if refused else dg.AssetCheckSeverity.WARN,
        description=f"{summary} Suite {suite.suite} over {rows:,} staged row(s).",
        metadata={
            "suite": suite.suite,
            "files_validated": len(audited),
            "rows_validated": rows,
            "files_refused_by_suite": len(refused),
            "files_loaded_with_warnings": len(warned),
            "files": dg.MetadataValue.md("\n".join(table)),
        },
    )


def intake_check_specs(key: dg.AssetKey, suite: DatasetSuite | None) -> list[dg.AssetCheckSpec]:
    specs = [
        dg.AssetCheckSpec(
            FILES_CHECK,
            asset=key,
            blocking=False,
            description=(
                "Fails (severity ERROR) when a file taken in by the run was refused, for a "
                "structural problem or by the Great Expectations suite; its partitions keep "
                "their previous rows and every other file still loads."
            ),
        )
    ]
    if suite is not None:
        specs.append(
            dg.AssetCheckSpec(
                SUITE_CHECK,
                asset=key,
                blocking=False,
                description=(
                    f"The {suite.suite} Great Expectations suite, run by intake on each file's "
                    "staged rows before they load. An error-level failure refuses the file: its "
                    "rows never reach raw, the marts or the published copy, and its partitions "
                    "keep their previous rows (the check fails with severity ERROR; it need not "
                    "block anything, as nothing of the file loaded). Warn-level failures load "
                    "and are reported (severity WARN)."
                ),
            )
        )
    return specs


def intake_asset(
    *,
    key: dg.AssetKey,
    make_format: FormatFactory,
    group: str,
    description: str,
    suite: DatasetSuite | None = None,
    partitions_def: dg.PartitionsDefinition | None = None,
    deps: Sequence[dg.AssetKey] = (),
) -> dg.AssetsDefinition:
    @dg.asset(
        key=key,
        partitions_def=partitions_def,
        # A backfill of many partitions is one run: one intake pass.
        backfill_policy=dg.BackfillPolicy.single_run() if partitions_def else None,
        group_name=group,
        kinds={"duckdb"},
        owners=["team:data-engineering"],
        description=description,
        deps=list(deps),
        check_specs=intake_check_specs(key, suite),
    )
    def _intake(
        context: dg.AssetExecutionContext,
        warehouse: WarehouseWriter,
        pcp_settings: SettingsResource,
    ) -> Iterator[object]:
        settings = pcp_settings.settings
        fmt = make_format(settings)
        within = set(context.partition_keys) if partitions_def else None
        files = list_landed(settings.landing_dir, fmt.landing_folder, fmt.claims)
        audit = suite.audit(settings) if suite is not None else None
        result = take_in(settings, fmt, files, context.run.run_id, within, audit)
        for refused in result.refused:
            context.log.error(
                f"Refused {shown(refused.name)}: {refused.reason} ({refused.quarantine_path})"
            )
        for loaded in result.loaded:
            context.log.info(
                f"Loaded {shown(loaded.name)}: {loaded.rows} rows for "
                f"{', '.join(loaded.partitions)}"
            )
        for audited in result.audited:
            if audited.loaded and audited.outcome.warnings:
                context.log.warning(
                    f"Loaded {audited.name} with warnings: "
                    + "; ".join(audited.outcome.summary_lines())
                )
        for name, why in result.waiting:
            context.log.warning(f"Left {shown(name)} in landing: {why}")
        yield dg.MaterializeResult(metadata=intake_metadata(result))
        yield files_accepted_result(key, result)
        if suite is not None:
            yield suite_result(key, suite, result)

    return _intake
