"""The dbt project reads as staging -> intermediate -> marts, and every node is documented.

Read from the manifest `dbt parse` writes (no warehouse needed). Each test lists every
offender, so one run shows all there is to fix. That the documented columns are exactly the
columns each model builds is checked against a built warehouse in
tests/integration/test_documented_columns.py.
"""

from __future__ import annotations

import csv
import json
from pathlib import PurePosixPath

import pytest
import yaml

from orchestration.dbt_manifest import ensure_dbt_manifest
from orchestration.settings import DBT_PROJECT_DIR, SEEDS_DIR

PROJECT = "pcp_warehouse"
LAYERS = ("staging", "intermediate", "marts")
# What each layer may read: nothing reads a layer after its own (no edge backwards), and only
# staging reads the raw sources.
MAY_READ = {
    "staging": {"source", "seed", "staging"},
    "intermediate": {"seed", "staging", "intermediate"},
    "marts": {"seed", "staging", "intermediate", "marts"},
}
# What dbt reads of a column entry. Anything else is usually a description cut short at a comma
# in a one-line `{name: x, description: a, b}`: YAML reads "b" as a key, and dbt keeps only "a".
COLUMN_KEYS = {
    *("name", "description", "data_type", "data_tests", "tests", "constraints"),
    *("meta", "tags", "quote", "config", "granularity"),
}


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(ensure_dbt_manifest().read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def models(manifest) -> dict[str, dict]:
    found = {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["package_name"] == PROJECT
    }
    assert found, "the manifest holds no model of the project"
    return found


def layer(node: dict) -> str:
    """The layer a node belongs to: its kind for sources and seeds, else its models/ folder."""
    if node["resource_type"] in ("source", "seed"):
        return node["resource_type"]
    return PurePosixPath(node["original_file_path"]).parts[1]


def patch_file(node: dict) -> str | None:
    """The yml that documents a node, relative to the dbt project (dbt prefixes the package)."""
    patch = node.get("patch_path")
    return patch.split("://", 1)[1] if patch else None


def report(offenders: list[str], what: str) -> str:
    return f"{len(offenders)} {what}:\n  " + "\n  ".join(offenders)


def test_every_model_lives_in_a_layer(models):
    offenders = [
        f"{name}: {node['original_file_path']}"
        for name, node in sorted(models.items())
        if layer(node) not in LAYERS
    ]
    assert not offenders, report(offenders, f"models outside models/{{{','.join(LAYERS)}}}/")


def test_no_model_reads_a_later_layer(manifest, models):
    every_node = {**manifest["nodes"], **manifest["sources"]}
    offenders = []
    for name, node in sorted(models.items()):
        allowed = MAY_READ.get(layer(node), set())
        for parent_id in node["depends_on"]["nodes"]:
            parent = every_node[parent_id]
            if layer(parent) not in allowed:
                offenders.append(
                    f"{name} ({layer(node)}) reads {parent['name']} ({layer(parent)}); "
                    f"{layer(node)} may read only {', '.join(sorted(allowed))}"
                )
    assert not offenders, report(offenders, "edges against staging -> intermediate -> marts")


# Tables, or tables a scoped build adds to (int_street_crimes_located, by delivered file).
TABLES = ("table", "incremental")


def test_staging_models_are_views_and_later_layers_contracted_tables(models):
    """Intermediate models and marts are tables under an enforced contract, so DuckDB checks
    their constraints (key, not null, accepted values) as dbt creates them (and, for an
    incremental one, as each build inserts into it). An incremental model fails the build when
    its columns change (on_schema_change: fail) rather than add rows of another shape: a full
    build (--full-refresh) rebuilds it whole after any change to the models."""
    offenders = []
    for name, node in sorted(models.items()):
        config = node["config"]
        if layer(node) == "staging" and config["materialized"] != "view":
            offenders.append(f"{name}: staging, materialized as {config['materialized']}")
        if layer(node) in ("intermediate", "marts"):
            if config["materialized"] not in TABLES:
                offenders.append(f"{name}: {layer(node)}, materialized as {config['materialized']}")
            if config["materialized"] == "incremental" and config["on_schema_change"] != "fail":
                offenders.append(f"{name}: incremental without on_schema_change: fail")
            if not config["contract"]["enforced"]:
                offenders.append(f"{name}: {layer(node)} without contract: {{enforced: true}}")
    assert not offenders, report(offenders, "models materialized against their layer")


# Generic tests a contracted table states as constraints instead, and the constraint for each.
AS_CONSTRAINT = {
    "not_null": "{type: not_null}",
    "unique": "{type: unique} (several columns: a model-level unique or primary_key)",
    "unique_key": "{type: unique} (several columns: a model-level unique or primary_key)",
    "accepted_values": '{type: check, expression: "column in (...)"}',
}
# The generic tests that check a grain: dbt's own, and the project's over several columns
# (macros/unique_key.sql).
UNIQUE_TESTS = ("unique", "unique_key")


def is_contracted_table(node: dict) -> bool:
    return node["config"]["materialized"] in TABLES and node["config"]["contract"]["enforced"]


def key_as_test(node: dict) -> bool:
    """The model checks its grain with a `unique_key` test, not a key constraint: `meta:
    {key_as_test: true}`, with the measurement in a comment. DuckDB builds an index for a key
    constraint as it loads the table, which on tables of some 20k rows and more (int_metric_series,
    fct_metric_period; 17 s on int_crime_outcomes_latest's 0.92M) cost more than the test."""
    return bool(node["config"].get("meta", {}).get("key_as_test"))


def test_contracted_tables_use_constraints_not_generic_tests(manifest, models):
    """DuckDB enforces a contracted table's constraints while dbt creates it: a violating row
    fails the model, which then never replaces the table that was there. The same check as a
    generic test is a dbt node of its own run after the table is replaced (~40 ms of dbt each,
    a second of a build per 25). relationships stays a test: a foreign key would stop dbt
    dropping and replacing the table it points at."""
    offenders = []
    for test in sorted(manifest["nodes"].values(), key=lambda node: node["unique_id"]):
        parent = test.get("attached_node") or ""
        kind = (test.get("test_metadata") or {}).get("name")
        node = models.get(parent.rsplit(".", 1)[-1]) if parent.startswith("model.") else None
        if node and is_contracted_table(node) and kind in AS_CONSTRAINT:
            if kind in UNIQUE_TESTS and key_as_test(node):
                continue
            offenders.append(
                f"{node['name']}: {test['name']}: declare {AS_CONSTRAINT[kind]} in "
                f"{patch_file(node)}"
            )
    assert not offenders, report(offenders, "generic tests on contracted tables")


def test_every_contracted_table_declares_its_grain_as_a_key(manifest, models):
    """The grain the description names is enforced: a primary_key or unique constraint, on the
    model (several columns) or on its one key column; or, where key_as_test says so, a unique
    test."""
    unique_tested = {
        test["attached_node"].rsplit(".", 1)[-1]
        for test in manifest["nodes"].values()
        if (test.get("test_metadata") or {}).get("name") in UNIQUE_TESTS
        and test.get("attached_node")
    }
    offenders = []
    for name, node in sorted(models.items()):
        if not is_contracted_table(node):
            continue
        if key_as_test(node):
            if name not in unique_tested:
                offenders.append(f"{name}: key_as_test, but no unique test in {patch_file(node)}")
            continue
        constraints = [
            *node["constraints"],
            *(c for column in node["columns"].values() for c in column["constraints"]),
        ]
        if not any(c["type"] in ("primary_key", "unique") for c in constraints):
            offenders.append(f"{name}: no primary_key or unique constraint in {patch_file(node)}")
    assert not offenders, report(offenders, "contracted tables without a key constraint")


def test_every_model_has_its_own_yml_beside_its_sql(models):
    offenders = []
    for name, node in sorted(models.items()):
        expected = str(PurePosixPath(node["original_file_path"]).with_suffix(".yml"))
        actual = patch_file(node)
        if actual != expected:
            offenders.append(f"{name}: documented in {actual or 'no yml'}, expected {expected}")
    assert not offenders, report(offenders, "models not documented in a yml beside their sql")


def test_unit_tests_sit_beside_their_model(manifest, models):
    """In the model's own yml, or in a `_*_unit_tests.yml` file of the model's folder."""
    offenders = []
    for test in sorted(manifest["unit_tests"].values(), key=lambda test: test["name"]):
        model = models[test["model"]]
        model_sql = PurePosixPath(model["original_file_path"])
        test_file = PurePosixPath(test["original_file_path"])
        beside = test_file == model_sql.with_suffix(".yml") or (
            test_file.parent == model_sql.parent
            and test_file.name.startswith("_")
            and test_file.name.endswith("_unit_tests.yml")
        )
        if not beside:
            offenders.append(f"{test['name']} (of {test['model']}) is in {test_file}")
    assert not offenders, report(offenders, "unit tests away from their model")


def test_every_model_and_every_documented_column_has_a_description(models):
    offenders = []
    for name, node in sorted(models.items()):
        if not node["description"].strip():
            offenders.append(f"{name}: no description")
        if not node["columns"]:
            offenders.append(f"{name}: no column documented")
        offenders += [
            f"{name}.{column}: no description"
            for column, spec in node["columns"].items()
            if not spec["description"].strip()
        ]
    assert not offenders, report(offenders, "models or columns without a description")


def test_model_descriptions_state_the_grain(models):
    offenders = [
        name for name, node in sorted(models.items()) if "grain" not in node["description"].lower()
    ]
    assert not offenders, report(offenders, "model descriptions that do not name the grain")


def test_contracted_models_give_every_column_its_type(models):
    offenders = [
        f"{name}.{column}: no data_type"
        for name, node in sorted(models.items())
        if node["config"]["contract"]["enforced"]
        for column, spec in node["columns"].items()
        if not spec.get("data_type")
    ]
    assert not offenders, report(offenders, "contracted columns without a data_type")


def test_every_seed_and_every_seed_column_is_described(manifest):
    seeds = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "seed" and node["package_name"] == PROJECT
    ]
    assert seeds, "the manifest holds no seed"
    offenders = []
    for seed in sorted(seeds, key=lambda seed: seed["name"]):
        name = seed["name"]
        if not seed["description"].strip():
            offenders.append(f"{name}: no description")
        with (SEEDS_DIR / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
            header = next(csv.reader(handle))
        documented = seed["columns"]
        offenders += [
            f"{name}.{column}: not documented in {patch_file(seed)}"
            for column in header
            if column not in documented or not documented[column]["description"].strip()
        ]
        offenders += [
            f"{name}.{column}: documented but not a column of {name}.csv"
            for column in documented
            if column not in header
        ]
    assert not offenders, report(offenders, "seeds or seed columns without a description")


def test_no_column_entry_has_a_key_dbt_does_not_read():
    offenders = []
    for path in sorted(
        [*DBT_PROJECT_DIR.joinpath("models").rglob("*.yml"), *SEEDS_DIR.glob("*.yml")]
    ):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for node in [*document.get("models", []), *document.get("seeds", [])]:
            for column in node.get("columns", []):
                offenders += [
                    f"{path.name}: {node['name']}.{column.get('name')}: unknown key {key!r} "
                    "(quote a description that holds a comma)"
                    for key in column
                    if key not in COLUMN_KEYS
                ]
    assert not offenders, report(offenders, "column entries dbt would read only in part")
