"""The Dagster code location loads, with the assets, checks and job the UI should show."""

import dagster as dg

from orchestration.lib.partitions import contiguous_ranges


def test_definitions_load_with_the_crime_slice_end_to_end():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {
        "raw/police_uk_street",
        "staging/stg_police_uk__street_crimes",
        "intermediate/int_street_crimes_located",
        "marts/dim_month",
        "marts/dim_area",
        "marts/mart_csp_crime",
        "reference/metric_catalogue",
        "reference/population",
        "reference/areas",
        "reference/board_leads",
        "reference/delivery_boards",
    } <= keys
    raw = graph.get(dg.AssetKey(["raw", "police_uk_street"]))
    # Partitions start at the configured history start, not police.uk's first month.
    assert raw.partitions_def.get_first_partition_key() == "2019-01"
    assert raw.backfill_policy == dg.BackfillPolicy.single_run()
    # The mart depends on the raw asset through staging: lineage is unbroken.
    upstream = graph.get(dg.AssetKey(["staging", "stg_police_uk__street_crimes"])).parent_keys
    assert dg.AssetKey(["raw", "police_uk_street"]) in upstream
    check_names = {c.name for c in graph.asset_check_keys if c.asset_key == raw.key}
    assert check_names == {"delivered_files_accepted", "great_expectations_suite"}
    # Reported by the intake asset itself, and blocking nothing: a file breaking the suite
    # is refused before any of its rows load.
    raw_assets = [graph.get(key) for key in graph.get_all_asset_keys() if key.path[0] == "raw"]
    # One raw asset per intake source (orchestration/defs/intake_sources.py), and no other.
    from orchestration.defs.intake_sources import INTAKE_SOURCES

    assert {node.key for node in raw_assets} == {source.key for source in INTAKE_SOURCES}
    assert len(raw_assets) == 12  # the action tracker is the twelfth
    for node in raw_assets:
        specs = {spec.name: spec for spec in node.assets_def.check_specs}
        assert set(specs) == {"delivered_files_accepted", "great_expectations_suite"}, node.key
        assert not any(spec.blocking for spec in specs.values())
    assert defs.resolve_job_def("intake_monthly_sources").executor_def == dg.in_process_executor
    # Intake jobs take files in; only the build job builds dbt and publishes.
    intake = defs.resolve_job_def("intake_monthly_sources").asset_layer.executable_asset_keys
    assert not any(k.path[0] in {"marts", "published", "staging"} for k in intake)
    build = defs.resolve_job_def("build_warehouse").asset_layer.executable_asset_keys
    assert dg.AssetKey(["published", "marts"]) in build
    assert dg.AssetKey(["marts", "mart_delivery_dashboard"]) in build
    assert not any(k.path[0] == "raw" for k in build)


def test_changed_months_group_into_one_run_per_contiguous_range():
    assert contiguous_ranges([]) == []
    assert contiguous_ranges(["2024-02", "2024-01", "2024-03"]) == [("2024-01", "2024-03")]
    assert contiguous_ranges(["2023-12", "2024-01", "2024-06", "2024-06"]) == [
        ("2023-12", "2024-01"),
        ("2024-06", "2024-06"),
    ]
    # Quarters are keyed by their first month, three months apart.
    assert contiguous_ranges(["2024-04", "2024-07", "2025-01"], step=3) == [
        ("2024-04", "2024-07"),
        ("2025-01", "2025-01"),
    ]


def test_what_the_in_process_dbt_build_relies_on_is_still_there():
    """dbt_in_process.py uses dagster-dbt's translation of dbt's result events and dbt-duckdb's
    connection holder (both pinned in uv.lock): if an upgrade renames them, this fails first,
    rather than a build."""
    import inspect

    from dagster_dbt.asset_utils import get_updated_cli_invocation_params_for_context
    from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    from orchestration.defs.warehouse.dbt_in_process import RESULT_EVENTS

    raw = {"info": {"name": "LogModelResult"}, "data": {"node_info": {"unique_id": "model.a.b"}}}
    assert DbtCoreCliEventMessage(raw_event=raw, event_history_metadata={}).is_result_event
    assert {"LogModelResult", "LogTestResult", "LogSeedResult"} <= RESULT_EVENTS
    assert callable(DbtCoreCliEventMessage.to_default_asset_events)
    parameters = inspect.signature(get_updated_cli_invocation_params_for_context).parameters
    assert {"context", "manifest", "dagster_dbt_translator", "runtime_selects"} <= set(parameters)
    assert hasattr(DuckDBConnectionManager, "_ENV") and hasattr(DuckDBConnectionManager, "_LOCK")
    assert callable(DuckDBConnectionManager.close_all_connections)


def test_dbt_that_stops_before_any_node_fails_the_step_in_dbts_words(tmp_path):
    """A build dbt cannot start (here: no dbt project where it is pointed) raises, naming why
    in one line (what the ledger keeps), rather than hanging the step or passing as empty."""
    import pytest
    from dagster_dbt import DagsterDbtTranslator

    from orchestration.defs.warehouse.dbt_assets import dbt_project
    from orchestration.defs.warehouse.dbt_in_process import DbtBuildFailed, stream_dbt

    command = ["build", "--project-dir", str(tmp_path), "--profiles-dir", str(tmp_path)]
    with pytest.raises(DbtBuildFailed, match=r"^dbt build failed: .*No dbt_project\.yml found"):
        list(
            stream_dbt(
                command,
                context=None,
                manifest={},
                translator=DagsterDbtTranslator(),
                project=dbt_project,
                target_path=tmp_path / "target",
            )
        )
