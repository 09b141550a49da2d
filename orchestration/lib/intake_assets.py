"""One factory for every raw intake asset: take the dataset's files from landing, load, report.

A source defines its file format (a ``SourceFormat``); this turns it into a Dagster asset whose
materialisation metadata says what was loaded, skipped or refused. Partitioned assets take only
the files whose partitions all fall in the run's range, so a backfill of many months is one run.
"""

from collections.abc import Callable, Sequence

import dagster as dg

from orchestration.landing.files import list_landed
from orchestration.landing.intake import IntakeResult, SourceFormat, take_in
from orchestration.settings import Settings, load_settings

FormatFactory = Callable[[Settings], SourceFormat]


def intake_metadata(result: IntakeResult) -> dict[str, dg.MetadataValue]:
    lines = ["| file | partitions | rows | outcome |", "|---|---|---|---|"]
    lines += [
        f"| {f.name} | {', '.join(f.partitions)} | {f.rows} | loaded (version {f.version}) |"
        for f in result.loaded
    ]
    lines += [f"| {name} | | | already loaded: nothing changed |" for name in result.duplicates]
    lines += [f"| {name} | | | waiting: {why} |" for name, why in result.waiting]
    lines += [
        f"| {f.name} | {', '.join(f.partitions)} | | **refused**: {f.reason} |"
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


def intake_asset(
    *,
    key: dg.AssetKey,
    make_format: FormatFactory,
    group: str,
    description: str,
    partitions_def: dg.PartitionsDefinition | None = None,
    deps: Sequence[dg.AssetKey] = (),
) -> dg.AssetsDefinition:
    @dg.asset(
        key=key,
        partitions_def=partitions_def,
        # A backfill of many partitions is one run: one intake pass and one dbt build.
        backfill_policy=dg.BackfillPolicy.single_run() if partitions_def else None,
        group_name=group,
        kinds={"duckdb"},
        owners=["team:data-engineering"],
        description=description,
        deps=list(deps),
    )
    def _intake(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        settings = load_settings()
        fmt = make_format(settings)
        within = set(context.partition_keys) if partitions_def else None
        files = list_landed(settings.landing_dir, fmt.landing_folder, fmt.claims)
        result = take_in(settings, fmt, files, context.run.run_id, within)
        for refused in result.refused:
            context.log.error(
                f"Refused {refused.name}: {refused.reason} ({refused.quarantine_path})"
            )
        for loaded in result.loaded:
            context.log.info(
                f"Loaded {loaded.name}: {loaded.rows} rows for {', '.join(loaded.partitions)}"
            )
        for name, why in result.waiting:
            context.log.warning(f"Left {name} in landing: {why}")
        return dg.MaterializeResult(metadata=intake_metadata(result))

    return _intake
