"""dbt's unit tests (the models' logic on fixed inputs: the financial calendar, KSI, the metric
formulas, the RAG rules) run here, in `make test`, rather than in every production build."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
import yaml

from orchestration.defs.warehouse.dbt_assets import DBT_BUILD_ARGS
from orchestration.settings import DBT_PROJECT_DIR, PROJECT_ROOT

pytestmark = pytest.mark.slow


def declared_unit_tests() -> set[str]:
    names = set()
    for path in (DBT_PROJECT_DIR / "models").rglob("*.yml"):
        for test in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("unit_tests", []):
            names.add(test["name"])
    return names


def test_production_builds_leave_unit_tests_to_the_test_suite():
    assert DBT_BUILD_ARGS[:1] == ["build"]
    assert "unit_test" in DBT_BUILD_ARGS[DBT_BUILD_ARGS.index("--exclude-resource-type") + 1]


def test_every_dbt_unit_test_passes_against_the_demo_warehouse(demo_copy, tmp_path):
    settings, _ = demo_copy
    target = tmp_path / "dbt-target"
    result = subprocess.run(
        [str(PROJECT_ROOT / ".venv" / "bin" / "dbt"), "test", "--select", "test_type:unit"],
        cwd=DBT_PROJECT_DIR,
        env={
            **os.environ,
            "PCP_WAREHOUSE_PATH": str(settings.warehouse_path),
            "DBT_TARGET_PATH": str(target),
            "DBT_LOG_PATH": str(target),
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    ran = {
        r["unique_id"].split(".")[-1]: r["status"]
        for r in results
        if r["unique_id"].startswith("unit_test.")
    }
    # Every declared unit test ran (none silently deselected) and passed.
    assert set(ran) == declared_unit_tests() and len(ran) >= 8
    assert set(ran.values()) == {"pass"}
