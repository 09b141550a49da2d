"""The dbt project as Dagster assets: `dbt build` run in the step (dbt_in_process.py), each
model's result streamed as its materialization, its tests' results written onto it.

A build of the warehouse is recorded in the build ledger (`ops.warehouse_builds`) as it starts
(with its scope: everything, or what new deliveries feed, publication/build_scope.py) and as it
ends, so a build that a crash interrupted, or that failed, is built again, whole, by the next
refresh.
"""

import os
import re
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtProject,
    dbt_assets,
)
from dagster_dbt.asset_utils import get_manifest_and_translator_from_dbt_assets, get_node
from dagster_shared.record import replace

from orchestration.database import connect
from orchestration.defs.warehouse.dbt_in_process import dbt_arguments, stream_dbt
from orchestration.defs.warehouse.dbt_test_results import DbtTestResults, with_test_results
from orchestration.lib.ownership import owners_for
from orchestration.lib.resources import SettingsResource, WarehouseWriter
from orchestration.lib.runs import FULL_BUILD_TAG, TRIGGER_TAG
from orchestration.pause_points import pause_point
from orchestration.publication.build_scope import BuildScope, build_scope
from orchestration.publication.build_state import (
    finish_build,
    reference_data_current,
    start_build,
)
from orchestration.settings import DBT_PROJECT_DIR, Settings

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)

# dbt's partial-parse state in a target folder.
PARSE_STATE = "partial_parse.msgpack"

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
# A full build rebuilds the incremental models whole too (int_street_crimes_located): it is the
# build that follows a change to the models or seeds, or a build that did not publish, and the
# rows they kept may have been made by other code or never published. A build of what new
# deliveries feed adds to them.
FULL_REFRESH = ["--full-refresh"]
# Every mart is rebuilt by every build: the publication copies them all, and Dagster runs it
# only when each mart it depends on was materialized in the run.
EVERY_MART = "path:models/marts"
# The file manifest changes with every delivery, accepted or refused (readiness reads it).
MANIFEST_SOURCE = "source:ops.file_manifest+"


def dbt_target_dir(settings: Settings) -> Path:
    """dbt's artefacts (run results, compiled SQL, its log, the partial-parse state) for this
    data dir: one folder, rewritten by each build, so they never pile up in the checkout."""
    return settings.data_dir / "dbt" / "target"


# The parse state `dbt parse` leaves beside the manifest Dagster loads (the Makefile's step).
CHECKOUT_PARSE_STATE = DBT_PROJECT_DIR / "target" / PARSE_STATE


def seed_parse_state(target: Path) -> bool:
    """Give a data dir's first build the checkout's parse state, so dbt parses only what changed
    since (nothing, after `make`) rather than the whole project: a full parse is ~5 s of a new
    warehouse's first build. dbt itself checks the state before using it (its version, the
    profile, vars and every file's hash) and parses in full when any differs, so a stale copy
    costs nothing but the copy. True when a copy was placed."""
    state = target / PARSE_STATE
    if state.exists() or not CHECKOUT_PARSE_STATE.is_file():
        return False
    target.mkdir(parents=True, exist_ok=True)
    # Copied aside then renamed: a build killed mid-copy leaves no half state for dbt to read.
    partial = target / f".{PARSE_STATE}.{os.getpid()}"
    shutil.copyfile(CHECKOUT_PARSE_STATE, partial)
    os.replace(partial, state)
    return True


def buildable_scope(
    scope: BuildScope, manifest: Mapping[str, Any], settings: Settings
) -> BuildScope:
    """``scope``, or a full build when a dataset delivered since is one no dbt source reads (a
    source added to intake before its models): the ledger then says what was really built."""
    if scope.datasets and _source_selectors(scope.datasets, manifest, settings) is None:
        return BuildScope(None, "a dataset delivered since is read by no dbt source")
    return scope


def scoped_build_args(
    scope: BuildScope, seeds_current: bool, manifest: Mapping[str, Any], settings: Settings
) -> list[str]:
    """dbt's arguments for a build of ``scope``: everything (leaving the seeds when they are
    current), or the descendants of the raw tables of the datasets delivered since the last
    published build, the file manifest's, and every mart. Tests touching a rebuilt model run
    (dbt's eager indirect selection), so a relationship to a model left as it was is still
    checked. A dataset the dbt project has no source for gets a full build."""
    if scope.datasets is None:
        return DBT_BUILD_ARGS + FULL_REFRESH + (WITHOUT_SEEDS if seeds_current else [])
    selectors = _source_selectors(scope.datasets, manifest, settings)
    if selectors is None:
        return DBT_BUILD_ARGS + FULL_REFRESH + (WITHOUT_SEEDS if seeds_current else [])
    return [
        *DBT_BUILD_ARGS,
        "--select",
        " ".join([*selectors, MANIFEST_SOURCE, EVERY_MART]),
        "--indirect-selection",
        "eager",
    ]


def _source_selectors(
    datasets: Sequence[str], manifest: Mapping[str, Any], settings: Settings
) -> list[str] | None:
    from orchestration.defs.intake_sources import INTAKE_SOURCES

    # A dataset's raw table is its intake asset; a dbt source names the asset it reads in its
    # meta (dagster.asset_key), which is how Dagster draws the lineage between them too.
    assets = {source.make_format(settings).dataset: source.key.path for source in INTAKE_SOURCES}
    readers = {}
    for props in manifest["sources"].values():
        if key := props.get("meta", {}).get("dagster", {}).get("asset_key"):
            readers[tuple(key)] = f"source:{props['source_name']}.{props['name']}+"
    selectors = []
    for dataset in datasets:
        selector = readers.get(tuple(assets.get(dataset) or ("no asset",)))
        if selector is None:
            return None
        selectors.append(selector)
    return selectors


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=WarehouseTranslator(
        DagsterDbtTranslatorSettings(enable_asset_checks=False)
    ),
)
def warehouse_dbt_models(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseWriter,
    pcp_settings: SettingsResource,
):
    settings = pcp_settings.settings
    manifest, translator = _manifest_and_translator(context)
    with connect(settings.warehouse_path) as con:
        ensure_raw_tables(con, settings)
        seeds_current = reference_data_current(con)
        scope = buildable_scope(
            build_scope(con, full_build=context.run.tags.get(FULL_BUILD_TAG) == "true"),
            manifest,
            settings,
        )
        # A subset (one model re-run from the UI) is not a build of the warehouse: only a full
        # build enters the ledger and can be published.
        build_id = (
            None
            if context.is_subset
            else start_build(
                con,
                context.run.run_id,
                context.run.tags.get(TRIGGER_TAG, "dagster"),
                scope=scope.describe(),
            )
        )
    args = (
        DBT_BUILD_ARGS + (WITHOUT_SEEDS if seeds_current else [])
        if context.is_subset
        else scoped_build_args(scope, seeds_current, manifest, settings)
    )
    if build_id:
        context.log.info(f"Building {scope.describe()}.")
    target = dbt_target_dir(settings)
    if seed_parse_state(target):
        context.log.info("dbt's parse state taken from the checkout's (dbt_project/target).")
    command = dbt_arguments(
        args,
        context=context,
        manifest=manifest,
        translator=translator,
        project=dbt_project,
        target_path=target,
    )
    tests, events = DbtTestResults(), []
    try:
        for event in stream_dbt(
            command,
            context=context,
            manifest=manifest,
            translator=translator,
            project=dbt_project,
            target_path=target,
        ):
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


def _manifest_and_translator(
    context: dg.AssetExecutionContext,
) -> tuple[Mapping[str, Any], DagsterDbtTranslator]:
    manifest, translator, _ = get_manifest_and_translator_from_dbt_assets([context.assets_def])
    return manifest, translator


def ensure_raw_tables(con, settings: Settings) -> None:
    """Create any raw table no delivery has created yet (and the file manifest, which
    readiness reads), so every model can build."""
    from orchestration.defs.intake_sources import INTAKE_SOURCES
    from orchestration.landing.manifest import ensure_manifest

    ensure_manifest(con)
    for source in INTAKE_SOURCES:
        source.make_format(settings).ensure_tables(con)
