"""The dbt project as Dagster assets: `dbt build` streamed, so dbt tests appear as asset checks.

A full build is recorded in the build ledger (`ops.warehouse_builds`) as it starts and as it
ends, so a build that a crash interrupted, or that failed, is built again by the next refresh.
"""

import importlib.metadata
import re
from collections.abc import Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)
from dagster_dbt.asset_utils import get_node
from dagster_shared.record import replace
from packaging import version

from orchestration.database import connect
from orchestration.defs.warehouse.dbt_test_results import DbtTestResults, with_test_results
from orchestration.lib.ownership import owners_for
from orchestration.lib.resources import SettingsResource, WarehouseWriter
from orchestration.lib.runs import TRIGGER_TAG
from orchestration.pause_points import pause_point
from orchestration.publication.build_state import (
    finish_build,
    reference_data_current,
    start_build,
)
from orchestration.settings import DBT_PROJECT_DIR, PROJECT_ROOT, Settings

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)

_LAYER_GROUPS = {"staging": "staging", "intermediate": "intermediate", "marts": "marts"}


class WarehouseTranslator(DagsterDbtTranslator):
    """Asset keys are the warehouse's own names (schema, table); groups follow the dbt layer;
    owners come from orchestration/lib/ownership.py; descriptions from each model's yml (none
    there leaves none here, so the ownership test names the model rather than Dagster's
    "dbt model x" stand-in); a dbt test, when reported as a check, says what it asserts."""

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "source":
            return spec
        if props["resource_type"] == "seed":
            key, group = dg.AssetKey(["reference", props["name"]]), "reference"
        else:
            layer = props["fqn"][1] if len(props["fqn"]) > 2 else "marts"
            key = dg.AssetKey([props["schema"], props["name"]])
            group = _LAYER_GROUPS.get(layer, "marts")
        return spec.replace_attributes(
            key=key,
            group_name=group,
            owners=owners_for(group, props["name"]),
            description=spec.description if props.get("description", "").strip() else None,
        )

    def get_asset_check_spec(
        self,
        asset_spec: dg.AssetSpec,
        manifest: Mapping[str, Any],
        unique_id: str,
        project: DbtProject | None,
    ) -> dg.AssetCheckSpec | None:
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None or spec.description:
            return spec
        return replace(spec, description=dbt_test_description(get_node(manifest, unique_id)))


def dbt_test_description(test: Mapping[str, Any]) -> str:
    """What a dbt test asserts, in words, from its name, column and arguments (the generic
    tests carry no description of their own)."""
    if test.get("description", "").strip():
        return test["description"].strip()
    meta = test.get("test_metadata") or {}
    kind, kwargs = meta.get("name"), meta.get("kwargs") or {}
    column = test.get("column_name") or kwargs.get("column_name")
    if kind == "not_null" and column:
        return f"{column} is never null."
    if kind == "unique" and column:
        return f"{column} is unique: no two rows share a value."
    if kind == "accepted_values" and column:
        values = ", ".join(str(v) for v in kwargs.get("values") or [])
        return f"{column} holds only the accepted values: {values}."
    if kind == "relationships" and column:
        target = re.sub(r"ref\(['\"](\w+)['\"]\)", r"\1", str(kwargs.get("to", "")))
        return f"Every {column} is found in {target}.{kwargs.get('field')}."
    if kind:
        on = f" on {column}" if column else ""
        return f"dbt test {kind}{on} ({test['name']}) passes."
    return f"dbt data test {test['name']} ({test.get('original_file_path', '')}) returns no rows."


# dbt's unit tests prove the models' logic on fixed inputs: they change only when the code does,
# so they run in `make test` (tests/integration/test_dbt_unit_tests.py), not in every build.
DBT_BUILD_ARGS = ["build", "--exclude-resource-type", "unit_test"]
# When the seeds are already loaded from the current code, leave them and the tests that test
# only them out (about a sixth of a build); tests comparing a model with a seed still run.
WITHOUT_SEEDS = ["--exclude", "resource_type:seed", "--indirect-selection", "cautious"]


def dbt_target_dir(settings: Settings) -> Path:
    """dbt's artefacts (run results, compiled SQL, its log, the partial-parse state) for this
    data dir: one folder, rewritten by each build, so they never pile up in the checkout."""
    return settings.data_dir / "dbt" / "target"


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=WarehouseTranslator(
        DagsterDbtTranslatorSettings(enable_asset_checks=False)
    ),
)
def warehouse_dbt_models(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: WarehouseWriter,
    pcp_settings: SettingsResource,
):
    settings = pcp_settings.settings
    with connect(settings.warehouse_path) as con:
        ensure_raw_tables(con, settings)
        seeds_current = reference_data_current(con)
        # A subset (one model re-run from the UI) is not a build of the warehouse: only a full
        # build enters the ledger and can be published.
        build_id = (
            None
            if context.is_subset
            else start_build(con, context.run.run_id, context.run.tags.get(TRIGGER_TAG, "dagster"))
        )
    args = DBT_BUILD_ARGS + (WITHOUT_SEEDS if seeds_current else [])
    invocation = dbt.cli(args, context=context, target_path=dbt_target_dir(settings))
    tests, events = DbtTestResults(), []
    try:
        for event in invocation.stream():
            if not tests.take(event):
                events.append(event)
            if isinstance(event, dg.Output | dg.AssetMaterialization):
                pause_point("build.dbt_running")
    except Exception as error:
        yield from with_test_results(events, tests, context.assets_def)
        if build_id:
            with connect(settings.warehouse_path) as con:
                finish_build(con, build_id, failure=str(error).splitlines()[0][:500])
        raise
    yield from with_test_results(events, tests, context.assets_def)
    if build_id:
        with connect(settings.warehouse_path) as con:
            finish_build(con, build_id)


def ensure_raw_tables(con, settings: Settings) -> None:
    """Create any raw table no delivery has created yet (and the file manifest, which
    readiness reads), so every model can build."""
    from orchestration.defs.intake_sources import INTAKE_SOURCES
    from orchestration.landing.manifest import ensure_manifest

    ensure_manifest(con)
    for source in INTAKE_SOURCES:
        source.make_format(settings).ensure_tables(con)


class WarehouseDbt(DbtCliResource):
    """dagster-dbt's dbt resource without two costs this project does not need, which were a
    third of a one-month refresh: asking the dbt executable its version (a second dbt process)
    when the locked dbt-core package says it, and building a dbt adapter inside the Dagster
    process (importing dbt, parsing its macros), used only to fetch column metadata and row
    counts we do not ask for. Both are dagster-dbt internals, pinned with it in uv.lock; the
    test of this resource fails if they change."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None


def dbt_resource() -> DbtCliResource:
    # dbt lives in the project's virtual environment; name it so PATH doesn't matter.
    executable = PROJECT_ROOT / ".venv" / "bin" / "dbt"
    return WarehouseDbt(
        project_dir=dbt_project,
        dbt_executable=str(executable) if executable.exists() else "dbt",
    )
