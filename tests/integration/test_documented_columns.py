"""Every column a model builds is documented in its yml, and every documented column is built.

The manifest holds only the documented columns (tests/unit/test_dbt_project_layout.py checks
them); what a model's SQL outputs is known only once it is built, so this reads the demo
warehouse's catalog.
"""

from __future__ import annotations

import json

import duckdb
import pytest

from orchestration.dbt_manifest import ensure_dbt_manifest

pytestmark = pytest.mark.slow


def test_every_built_column_is_documented_and_every_documented_column_built(demo):
    settings, _ = demo
    manifest = json.loads(ensure_dbt_manifest().read_text(encoding="utf-8"))
    models = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["package_name"] == "pcp_warehouse"
    ]
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        rows = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns"
        ).fetchall()
    built: dict[tuple[str, str], set[str]] = {}
    for schema, table, column in rows:
        built.setdefault((schema, table), set()).add(column)

    offenders = []
    for node in sorted(models, key=lambda node: node["name"]):
        name, patch = node["name"], (node.get("patch_path") or "no yml").split("://")[-1]
        columns = built.get((node["schema"], node["alias"]))
        if columns is None:
            offenders.append(f"{name}: not built as {node['schema']}.{node['alias']}")
            continue
        documented = set(node["columns"])
        offenders += [
            f"{name}.{column}: built, not documented in {patch}"
            for column in sorted(columns - documented)
        ]
        offenders += [
            f"{name}.{column}: documented in {patch}, not built"
            for column in sorted(documented - columns)
        ]
    assert not offenders, f"{len(offenders)} columns out of step with their yml:\n  " + (
        "\n  ".join(offenders)
    )
