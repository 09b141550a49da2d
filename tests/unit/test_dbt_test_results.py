"""dbt's tests are reported on the model they test: each model's materialization says how many
of its tests passed and names any that did not."""

from __future__ import annotations

import dagster as dg

from orchestration.defs.warehouse.dbt_test_results import DbtTestResults, with_test_results

KEY = dg.AssetKey(["marts", "mart_csp_crime"])


def observation(test: str, status: str, key: dg.AssetKey = KEY) -> dg.AssetObservation:
    return dg.AssetObservation(
        asset_key=key,
        metadata={"unique_id": f"test.pcp_warehouse.{test}.abc123", "status": status},
    )


def test_a_models_tests_land_on_its_materialization_and_a_failure_is_named():
    results = DbtTestResults()
    assert results.take(observation("unique_mart_csp_crime_key", "pass"))
    assert results.take(observation("not_null_mart_csp_crime_csp_code", "fail"))
    # Anything else is not a test result, and is passed on.
    assert not results.take(dg.AssetMaterialization(asset_key=KEY))
    assert not results.take(
        dg.AssetObservation(asset_key=KEY, metadata={"unique_id": "model.pcp_warehouse.x"})
    )
    untested = dg.AssetMaterialization(asset_key=dg.AssetKey(["marts", "dim_area"]))
    [tested, other] = with_test_results(
        [dg.AssetMaterialization(asset_key=KEY), untested], results, assets_def=None
    )
    assert tested.metadata["dbt tests"].value == (
        "1 of 2 passed; not passed: not_null_mart_csp_crime_csp_code"
    )
    assert "| unique_mart_csp_crime_key | pass |" in tested.metadata["dbt test results"].value
    assert other is untested
