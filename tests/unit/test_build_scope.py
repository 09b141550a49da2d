"""What a build rebuilds (publication/build_scope.py): only what new deliveries feed when the
last build was published from the same code and deliveries; every model otherwise, or when in
doubt. And the dbt arguments each scope becomes (defs/warehouse/dbt_assets.py)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import duckdb
import pytest

from orchestration.dbt_manifest import MANIFEST
from orchestration.defs.warehouse.dbt_assets import (
    DBT_BUILD_ARGS,
    EVERY_MART,
    FULL_REFRESH,
    MANIFEST_SOURCE,
    WITHOUT_SEEDS,
    buildable_scope,
    scoped_build_args,
)
from orchestration.landing import manifest
from orchestration.migrations import record_applied
from orchestration.publication import build_scope as scope_module
from orchestration.publication.build_scope import BuildScope, build_scope
from orchestration.publication.build_state import finish_build, mark_published, start_build
from orchestration.settings import load_settings


def deliver(con: duckdb.DuckDBPyConnection, dataset: str, name: str) -> None:
    manifest.ensure_manifest(con)
    delivery = manifest.Delivery(
        dataset, name, name.ljust(64, "0"), datetime.now(UTC), ("2025-01",), "r"
    )
    manifest.record_refused(con, delivery, "/quarantine/x", "a refusal is a delivery too")
    time.sleep(0.002)  # taken-in times strictly after the build that follows


def published_build(con: duckdb.DuckDBPyConnection) -> str:
    build = start_build(con, "run", "pcp refresh", scope="full build")
    finish_build(con, build)
    mark_published(con, build, [])
    time.sleep(0.002)
    return build


@pytest.fixture
def con():
    with duckdb.connect() as connection:
        yield connection


def test_never_built_or_asked_for_is_a_full_build(con):
    deliver(con, "police_uk_street", "a")
    assert build_scope(con).is_full
    published_build(con)
    deliver(con, "partner_returns", "b")
    assert build_scope(con, full_build=True) == BuildScope(None, "asked for")


def test_after_a_published_build_only_the_datasets_delivered_since_are_rebuilt(con):
    deliver(con, "police_uk_street", "a")
    deliver(con, "victim_survey", "b")
    published_build(con)
    deliver(con, "partner_returns", "c")
    deliver(con, "partner_returns", "d")
    deliver(con, "csew_force_estimates", "e")
    scope = build_scope(con)
    assert scope.datasets == ("csew_force_estimates", "partner_returns")
    assert scope.describe() == (
        "what new deliveries feed (csew_force_estimates, partner_returns), and every mart"
    )
    # Nothing delivered (a board due to be frozen): every mart, nothing else.
    published_build(con)
    assert build_scope(con).datasets == ()


@pytest.mark.parametrize("ending", ["building", "built", "failed"])
def test_after_a_build_that_did_not_publish_everything_is_rebuilt(con, ending):
    deliver(con, "police_uk_street", "a")
    published_build(con)
    deliver(con, "partner_returns", "b")
    build = start_build(con, "run-2", "pcp refresh")
    if ending != "building":
        finish_build(con, build, failure="a test failed" if ending == "failed" else None)
    scope = build_scope(con)
    assert scope.is_full and ending in scope.reason


def test_changed_code_a_migration_or_rewritten_deliveries_rebuild_everything(con, monkeypatch):
    deliver(con, "police_uk_street", "a")
    published_build(con)
    deliver(con, "partner_returns", "b")
    assert not build_scope(con).is_full

    monkeypatch.setattr(scope_module, "project_fingerprint", lambda: "changed")
    assert "models or reference data changed" in build_scope(con).reason
    monkeypatch.undo()

    record_applied(con, "a_migration", changed=3)
    assert "migration" in build_scope(con).reason
    published_build(con)
    assert not build_scope(con).is_full

    # A delivery the last build started from re-stamped later: what changed is unknown.
    con.execute("update ops.file_manifest set taken_in_at = current_timestamp where 1 = 1")
    assert "deliveries the last build started from changed" in build_scope(con).reason


def test_each_scope_becomes_dbt_arguments():
    dbt_manifest = json.loads(MANIFEST.read_text())
    settings = load_settings()
    everything = BuildScope(None, "asked for")
    # A full build rebuilds the incremental models whole; a scoped one adds to them.
    assert scoped_build_args(everything, True, dbt_manifest, settings) == (
        DBT_BUILD_ARGS + FULL_REFRESH + WITHOUT_SEEDS
    )
    assert scoped_build_args(everything, False, dbt_manifest, settings) == (
        DBT_BUILD_ARGS + FULL_REFRESH
    )

    some = BuildScope(("partner_returns", "victim_survey"), "new deliveries")
    args = scoped_build_args(some, True, dbt_manifest, settings)
    selected = args[args.index("--select") + 1].split()
    assert selected == [
        "source:raw_partner_returns.partner_returns+",
        "source:raw_victim_survey.victim_survey_responses+",
        MANIFEST_SOURCE,
        EVERY_MART,
    ]
    assert args[args.index("--indirect-selection") + 1] == "eager"
    assert "--full-refresh" not in args

    # A dataset no dbt source reads (a source added to intake but not yet to dbt): everything,
    # and the ledger says so.
    unknown = BuildScope(("partner_returns", "a_new_source"), "new deliveries")
    assert scoped_build_args(unknown, True, dbt_manifest, settings) == (
        DBT_BUILD_ARGS + FULL_REFRESH + WITHOUT_SEEDS
    )
    assert buildable_scope(unknown, dbt_manifest, settings) == BuildScope(
        None, "a dataset delivered since is read by no dbt source"
    )
    assert buildable_scope(some, dbt_manifest, settings) == some


def test_the_selectors_select_real_nodes():
    """Each selector names a source and folder the dbt project has (a typo would select
    nothing and silently leave models stale)."""
    dbt_manifest = json.loads(MANIFEST.read_text())
    sources = {f"source:{p['source_name']}.{p['name']}+" for p in dbt_manifest["sources"].values()}
    assert MANIFEST_SOURCE in sources
    marts = [n for n in dbt_manifest["nodes"].values() if n["resource_type"] == "model"]
    folder = EVERY_MART.removeprefix("path:")
    assert any(n["original_file_path"].startswith(folder) for n in marts)
    assert all(
        n["original_file_path"].startswith(folder) == (n["fqn"][1] == "marts")
        for n in marts
        if len(n["fqn"]) > 2
    )
