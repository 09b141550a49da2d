"""ops.file_manifest as a Dagster asset: the ledger of every delivered file, written by intake
(orchestration/landing/) and read by dbt (stg_ops__file_manifest). Declared here so the UI
shows it with its owner and meaning rather than as an anonymous dbt source."""

import dagster as dg

from orchestration.defs.intake_sources import INTAKE_SOURCES
from orchestration.lib.ownership import owners_for

FILE_MANIFEST = dg.AssetSpec(
    key=["ops", "file_manifest"],
    # Every intake run writes it: one row per delivered file (loaded, superseded or refused).
    deps=[source.key for source in INTAKE_SOURCES],
    group_name="ops",
    owners=owners_for("ops"),
    kinds={"duckdb"},
    description=(
        "The warehouse's ledger of delivered files: one row per file taken in from landing "
        "(loaded, superseded or refused, with its SHA-256, partitions, version and the reason "
        "for a refusal). Written by intake, never by dbt; readiness and `pcp status` read it."
    ),
)
