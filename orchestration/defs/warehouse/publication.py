"""The published marts as a Dagster asset: after dbt builds, freeze due boards, then publish."""

from datetime import date

import dagster as dg

from orchestration.database import connect
from orchestration.defs.warehouse.dbt_assets import warehouse_dbt_models
from orchestration.publication.board_snapshots import freeze_due_boards
from orchestration.publication.publish import publish
from orchestration.settings import load_settings

MART_KEYS = [key for key in warehouse_dbt_models.keys if key.path[0] == "marts"]


@dg.asset(
    key=["published", "marts"],
    deps=MART_KEYS,
    group_name="published",
    description=(
        "The marts and board snapshots copied to $PCP_DATA_DIR/published/marts.duckdb (and "
        "Parquet in published/parquet/) in one atomic swap, so analysts never open the file "
        "the pipeline writes. Boards whose date has come are frozen first, once."
    ),
)
def published_marts(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    settings = load_settings()
    with connect(settings.warehouse_path) as con:
        frozen = freeze_due_boards(con, date.today())
        publication = publish(con, settings.published_dir)
    for board in frozen:
        context.log.info(
            f"Froze {board.snapshot_name}: {board.rows} rows of {board.reporting_quarter}"
        )
    return dg.MaterializeResult(
        metadata={
            "database": dg.MetadataValue.path(str(publication.database)),
            "parquet": dg.MetadataValue.path(str(publication.parquet_dir)),
            "tables": len(publication.tables),
            "boards frozen now": ", ".join(b.snapshot_name for b in frozen) or "none",
        }
    )
