"""The dbt project as Dagster assets: `dbt build` streamed, so dbt tests appear as asset checks."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from orchestration.database import connect
from orchestration.settings import DBT_PROJECT_DIR, PROJECT_ROOT, load_settings

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)

_LAYER_GROUPS = {"staging": "staging", "intermediate": "intermediate", "marts": "marts"}


class WarehouseTranslator(DagsterDbtTranslator):
    """Asset keys are the warehouse's own names (schema, table); groups follow the dbt layer."""

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "source":
            return spec
        if props["resource_type"] == "seed":
            return spec.replace_attributes(
                key=dg.AssetKey(["reference", props["name"]]), group_name="reference"
            )
        layer = props["fqn"][1] if len(props["fqn"]) > 2 else "marts"
        return spec.replace_attributes(
            key=dg.AssetKey([props["schema"], props["name"]]),
            group_name=_LAYER_GROUPS.get(layer, "marts"),
        )


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=WarehouseTranslator(),
)
def warehouse_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    ensure_raw_tables()
    yield from dbt.cli(["build"], context=context).stream()


def ensure_raw_tables() -> None:
    """Create any raw table no delivery has created yet (and the file manifest, which
    readiness reads), so every model can build."""
    from orchestration.defs.intake_sources import INTAKE_SOURCES
    from orchestration.landing.manifest import ensure_manifest

    settings = load_settings()
    with connect(settings.warehouse_path) as con:
        ensure_manifest(con)
        for source in INTAKE_SOURCES:
            source.make_format(settings).ensure_tables(con)


def dbt_resource() -> DbtCliResource:
    # dbt lives in the project's virtual environment; name it so PATH doesn't matter.
    executable = PROJECT_ROOT / ".venv" / "bin" / "dbt"
    return DbtCliResource(
        project_dir=dbt_project,
        dbt_executable=str(executable) if executable.exists() else "dbt",
    )
