"""dbt and `connect` open the warehouse with one configuration (orchestration/database.py,
dbt_project/profiles.yml): dbt runs inside the Dagster step, and DuckDB refuses a second
connection in a process to a file already open there with a different configuration."""

from __future__ import annotations

import re

import duckdb
import pytest
import yaml

from orchestration.database import connect, duckdb_config
from orchestration.settings import DBT_PROJECT_DIR

# dbt's `env_var('NAME', 'default')`, the only Jinja the profile's settings use.
ENV_VAR = re.compile(r"""^\{\{\s*env_var\('(?P<name>\w+)',\s*'(?P<default>[^']*)'\)\s*\}\}$""")


def profile_config(env: dict[str, str]) -> dict[str, str]:
    """The profile's ``config_options`` as dbt renders them under ``env``."""
    profiles = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    options = profiles["pcp_warehouse"]["outputs"]["warehouse"]["config_options"]
    rendered = {}
    for key, value in options.items():
        found = ENV_VAR.match(str(value))
        rendered[key] = env.get(found["name"], found["default"]) if found else str(value)
    return rendered


@pytest.mark.parametrize("env", [{}, {"PCP_DUCKDB_MEMORY_LIMIT": "700MB"}])
def test_dbt_and_connect_open_the_warehouse_alike(env):
    assert profile_config(env) == duckdb_config(env)


def test_a_second_configuration_in_one_process_is_refused_and_ours_is_not(tmp_path):
    """Why the two must agree: while `connect` holds the file, dbt-duckdb's connection (as
    ``duckdb.connect(path, config=config_options)``) opens with the profile's configuration,
    and one without it is refused."""
    path = tmp_path / "warehouse.duckdb"
    with connect(path) as con:
        con.execute("create table t as select 1 as x")
        with duckdb.connect(str(path), config=profile_config({})) as dbt_like:
            assert dbt_like.execute("select x from t").fetchall() == [(1,)]
            limit = dbt_like.execute("select current_setting('memory_limit')").fetchall()[0][0]
        assert limit.replace(" ", "") in {"1GB", "953.6MiB"}
        with pytest.raises(duckdb.ConnectionException, match="different configuration"):
            duckdb.connect(str(path))
