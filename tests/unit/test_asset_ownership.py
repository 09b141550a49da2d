"""Every asset in the Dagster UI says who owns it, which group it is in and what it is; every
check says what it checks; and the code location loads without a warning from Dagster.

The definitions load from the dbt manifest (the session fixture in conftest.py prepares it, as
`make setup` does), so these see exactly what `make dev` shows."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import dagster as dg
from dagster_dbt import DagsterDbtTranslatorSettings

from orchestration.lib.ownership import DATA_ENGINEERING, LEAD_OWNED_MARTS, lead_email
from orchestration.settings import PROJECT_ROOT


def asset_graph():
    from orchestration.definitions import defs

    return defs.resolve_asset_graph()


def test_every_asset_has_an_owner_a_group_and_a_description():
    graph = asset_graph()
    specs = {spec.key: spec for node in graph.asset_nodes for spec in node.assets_def.specs}
    assert len(specs) > 50  # raw intake, dbt staging/intermediate/marts, seeds, published, alerts
    offenders = [
        f"{key.to_user_string()}: "
        + ", ".join(
            what
            for what, missing in (
                ("no owner", not spec.owners),
                ("no group", spec.group_name in (None, "default")),
                ("no description", not (spec.description or "").strip()),
            )
            if missing
        )
        for key, spec in sorted(specs.items())
        if not spec.owners
        or spec.group_name in (None, "default")
        or not (spec.description or "").strip()
    ]
    assert offenders == [], "assets missing owner/group/description:\n" + "\n".join(offenders)
    # dbt assets take their description from their yml, not dagster-dbt's "dbt model x" stand-in.
    stand_ins = [k.to_user_string() for k, s in specs.items() if s.description.startswith("dbt ")]
    assert stand_ins == []


def test_every_asset_check_has_a_description():
    graph = asset_graph()
    checks = [spec for node in graph.asset_nodes for spec in node.assets_def.check_specs]
    assert len(checks) >= 20
    offenders = [
        f"{c.asset_key.to_user_string()}:{c.name}" for c in checks if not (c.description or "")
    ]
    assert offenders == [], "checks without a description:\n" + "\n".join(offenders)


def test_owners_follow_the_mapping_and_board_marts_name_their_lead():
    graph = asset_graph()
    owners = {node.key: node.owners for node in graph.asset_nodes}
    assert owners[dg.AssetKey(["raw", "police_uk_street"])] == [DATA_ENGINEERING]
    assert owners[dg.AssetKey(["staging", "stg_police_uk__street_crimes"])] == [DATA_ENGINEERING]
    assert owners[dg.AssetKey(["reference", "metric_catalogue"])] == ["team:performance"]
    assert owners[dg.AssetKey(["ops", "file_manifest"])] == [DATA_ENGINEERING]
    chair = "board.chair@example.org"  # seeds/board_leads.csv, lead_key board_chair
    assert lead_email("board_chair") == chair
    for model in LEAD_OWNED_MARTS:  # a renamed mart would leave the mapping pointing nowhere
        assert owners[dg.AssetKey(["marts", model])] == [DATA_ENGINEERING, chair], model


def test_dbt_tests_reported_as_checks_each_say_what_they_assert():
    """Builds do not report dbt tests as Dagster checks (dbt_test_results.py says why); when
    they are, the translator words each generic test from its name, column and arguments."""
    from orchestration.defs.warehouse.dbt_assets import WarehouseTranslator, dbt_project

    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    translator = WarehouseTranslator(DagsterDbtTranslatorSettings(enable_asset_checks=True))
    described = {}
    for test_id, test in manifest["nodes"].items():
        parent = test.get("attached_node")
        if test["resource_type"] != "test" or not parent:
            continue
        asset = translator.get_asset_spec(manifest, parent, dbt_project)
        check = translator.get_asset_check_spec(asset, manifest, test_id, dbt_project)
        assert check is not None and check.description, test_id
        described[test["name"]] = check.description
    assert len(described) > 100
    assert described["unique_areas_area_code"] == "area_code is unique: no two rows share a value."
    relationship = next(d for n, d in described.items() if n.startswith("relationships_population"))
    assert relationship == "Every area_code is found in areas.area_code."
    accepted = [d for d in described.values() if "accepted values" in d]
    assert accepted and all(d.rstrip(".").split(": ")[1] for d in accepted)


WARNINGS_AS_ERRORS = textwrap.dedent(
    """
    import warnings
    import dagster as dg

    for category in (dg.BetaWarning, dg.PreviewWarning, dg.SupersessionWarning,
                     dg.ConfigArgumentWarning):
        warnings.simplefilter("error", category)
    # Deprecations raised on behalf of this project's own code (Dagster attributes them to the
    # caller), not those inside Dagster's dependencies.
    warnings.filterwarnings("error", category=DeprecationWarning, module=r"orchestration(\\..*)?")

    from orchestration.definitions import defs

    defs.get_repository_def().get_all_jobs()
    print("loaded", len(defs.resolve_asset_graph().get_all_asset_keys()))
    """
)


def test_the_definitions_load_without_a_dagster_warning(tmp_path):
    # A fresh interpreter: warnings fire once per place, and this one must see them all.
    env = {"PCP_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", WARNINGS_AS_ERRORS],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("loaded "), done.stdout


def test_make_dev_starts_dg_dev_not_the_superseded_dagster_dev():
    """`dagster dev` warns at every start that it is superseded by `dg dev`."""
    recipe = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8").split("\ndev:")[1]
    recipe = recipe.split("\n\n")[0]
    assert "$(BIN)/dg dev" in recipe and "$(BIN)/dagster dev" not in recipe
    assert (PROJECT_ROOT / ".venv" / "bin" / "dg").exists()
