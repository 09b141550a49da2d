"""The published marts as a Dagster asset: after a full build, freeze due boards, then publish."""

from datetime import date

import dagster as dg

from orchestration.database import connect
from orchestration.defs.warehouse.dbt_assets import warehouse_dbt_models
from orchestration.file_modes import secure_data_dir
from orchestration.lib.resources import SettingsResource, WarehouseWriter
from orchestration.publication.action_snapshots import freeze_board_actions
from orchestration.publication.board_snapshots import freeze_due_boards
from orchestration.publication.build_state import latest_build, mark_published
from orchestration.publication.publish import publish

MART_KEYS = [key for key in warehouse_dbt_models.keys if key.path[0] == "marts"]


@dg.asset(
    key=["published", "marts"],
    deps=MART_KEYS,
    group_name="published",
    owners=["team:data-engineering"],
    description=(
        "The marts and board snapshots of the last full, successful build, copied to "
        "$PCP_DATA_DIR/published/marts.duckdb (and Parquet in published/parquet/) in one "
        "atomic swap, so analysts never open the file the pipeline writes. Boards whose date "
        "has come and whose sources are complete are frozen first, once."
    ),
)
def published_marts(
    context: dg.AssetExecutionContext, warehouse: WarehouseWriter, pcp_settings: SettingsResource
) -> dg.MaterializeResult:
    settings = pcp_settings.settings
    with connect(settings.warehouse_path) as con:
        build = latest_build(con)
        if build is None or build.status not in ("built", "published"):
            state = f"is {build.status}" if build else "has never been built"
            raise dg.Failure(
                f"Nothing to publish: the warehouse {state}. Only a full, successful build is "
                "published; the published marts stay as they were."
            )
        frozen = freeze_due_boards(con, date.today(), build)
        actions_frozen = freeze_board_actions(con)  # after: it freezes frozen boards' actions
        publication = publish(con, settings.published_dir)
        mark_published(con, build.build_id, [b.snapshot_name for b in frozen])
    # A build from the sensor (not `pcp refresh`) leaves the data dir private too.
    for problem in secure_data_dir(settings.data_dir, settings.file_group):
        context.log.warning(problem)
    for name in actions_frozen:
        context.log.info(f"Froze the action tracker figures of {name}")
    for board in frozen:
        context.log.info(
            f"Froze {board.snapshot_name}: {board.rows} rows of {board.reporting_quarter}"
        )
    return dg.MaterializeResult(
        metadata={
            "build": build.build_id,
            "database": dg.MetadataValue.path(str(publication.database)),
            "parquet": dg.MetadataValue.path(str(publication.parquet_dir)),
            "tables": len(publication.tables),
            "boards frozen now": ", ".join(b.snapshot_name for b in frozen) or "none",
        }
    )
