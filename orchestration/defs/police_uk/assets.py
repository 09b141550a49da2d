"""The raw police.uk street-level asset: one monthly partition per published file."""

import dagster as dg

from orchestration.defs.police_uk.format import SOURCE, StreetFormat, parse_file_name
from orchestration.defs.police_uk.partitions import monthly_partitions
from orchestration.landing.files import LandedFile, list_landed
from orchestration.landing.intake import IntakeResult, take_in
from orchestration.landing.refusal import FileRefused
from orchestration.settings import load_settings

RAW_STREET_KEY = dg.AssetKey(["raw", "police_uk_street"])


def _month_of(landed: LandedFile) -> str | None:
    try:
        return parse_file_name(landed.name).month
    except FileRefused:
        return None


def intake_metadata(result: IntakeResult) -> dict[str, dg.MetadataValue]:
    lines = ["| file | months | rows | outcome |", "|---|---|---|---|"]
    lines += [
        f"| {f.name} | {', '.join(f.partitions)} | {f.rows} | loaded (v{f.version}) |"
        for f in result.loaded
    ]
    lines += [
        f"| {name} | | | same bytes as a file already loaded: nothing changed |"
        for name in result.duplicates
    ]
    lines += [
        f"| {f.name} | {', '.join(f.partitions)} | | **refused**: {f.reason} |"
        for f in result.refused
    ]
    return {
        "months_loaded": dg.MetadataValue.json(result.partitions_loaded),
        "rows_loaded": dg.MetadataValue.int(result.rows_loaded),
        "files_loaded": dg.MetadataValue.int(len(result.loaded)),
        "files_refused": dg.MetadataValue.int(len(result.refused)),
        "files_already_loaded": dg.MetadataValue.int(len(result.duplicates)),
        "deliveries": dg.MetadataValue.md("\n".join(lines)),
    }


@dg.asset(
    key=RAW_STREET_KEY,
    partitions_def=monthly_partitions,
    # A backfill of many months is one run: one intake pass and one dbt build.
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="police_uk",
    kinds={"duckdb", "csv"},
    owners=["team:data-engineering"],
    description=(
        "police.uk street-level crimes as delivered (text columns, one partition per month and "
        "force). Files are taken from landing/police_uk/, checked, loaded, archived by content "
        "hash; a refused file is quarantined with its reason and its month keeps its last good "
        "rows."
    ),
)
def raw_police_uk_street(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    settings = load_settings()
    wanted = set(context.partition_keys)
    files = [f for f in list_landed(settings.landing_dir, SOURCE) if _month_of(f) in wanted]
    result = take_in(settings, StreetFormat(settings.forces), files, context.run.run_id)
    for refused in result.refused:
        context.log.error(
            f"Refused {refused.name}: {refused.reason} (kept in {refused.quarantine_path})"
        )
    for loaded in result.loaded:
        context.log.info(
            f"Loaded {loaded.name}: {loaded.rows} rows for {', '.join(loaded.partitions)}"
        )
    if not files:
        context.log.info("No files waiting in landing for these months: nothing changed.")
    return dg.MaterializeResult(metadata=intake_metadata(result))
