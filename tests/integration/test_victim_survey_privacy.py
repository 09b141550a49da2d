"""A survey comment never reaches staging, a mart, the published copy (analysts read it; the
warehouse is for data engineers only), a log or Dagster's event log."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from orchestration.demo import write_demo_data
from orchestration.refresh import refresh

pytestmark = pytest.mark.slow


def comment_columns(con, relations: list[str], comments: list[str]) -> list[str]:
    """The text columns of ``relations`` (SQL, e.g. a quoted table or a read_parquet call)
    holding any of ``comments``."""
    found = []
    for relation in relations:
        described = con.execute(f"describe select * from {relation}").fetchall()
        for name, kind, *_ in described:
            if kind == "VARCHAR":
                hits = con.execute(
                    f'select count(*) from {relation} where "{name}" in ?', [comments]
                ).fetchall()[0][0]
                if hits:
                    found.append(f"{relation}.{name}")
    return found


def test_comments_stay_in_the_restricted_table(settings):
    write_demo_data(settings.landing_dir, start="2025-04", end="2025-05", seed=3)
    summary = refresh(settings, log_level="INFO")
    assert summary.ok, summary.refused

    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        comments = [
            r[0]
            for r in con.execute("select comment from restricted.victim_survey_comments").fetchall()
        ]
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema not in ('restricted', 'information_schema', 'pg_catalog')"
        ).fetchall()
        found = []
        for schema, table in tables:
            text_columns = [
                name
                for name, kind, *_ in con.execute(f'describe "{schema}"."{table}"').fetchall()
                if kind == "VARCHAR"
            ]
            for column in text_columns:
                hits = con.execute(
                    f'select count(*) from "{schema}"."{table}" where "{column}" in ?', [comments]
                ).fetchall()[0][0]
                if hits:
                    found.append(f"{schema}.{table}.{column}")
    assert len(comments) > 50
    assert found == []
    assert any(schema == "marts" for schema, _ in tables) and any(
        schema == "staging" for schema, _ in tables
    )

    # What analysts read: no restricted schema or table, and no comment in any column.
    published = settings.published_dir / "marts.duckdb"
    with duckdb.connect(str(published), read_only=True) as con:
        schemas = {r[0] for r in con.execute("select schema_name from duckdb_schemas()").fetchall()}
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where database_name = current_database()"
        ).fetchall()
        assert "restricted" not in schemas and tables
        assert not [t for _, t in tables if "comment" in t or "restricted" in t]
        assert comment_columns(con, [f'"{s}"."{t}"' for s, t in tables], comments) == []
        parquet = sorted((settings.published_dir / "parquet").glob("*.parquet"))
        assert parquet and not [p for p in parquet if "restricted" in p.name or "comment" in p.name]
        relations = [f"read_parquet('{p}')" for p in parquet]
        assert comment_columns(con, relations, comments) == []

    log = (
        (settings.log_dir / "refresh.log").read_text(encoding="utf-8")
        if (settings.log_dir / "refresh.log").exists()
        else ""
    )
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        events = [
            str(record.event_log_entry)
            for run_id in summary.run_ids
            for record in instance.get_records_for_run(run_id, limit=100_000).records
        ]
    for comment in comments:
        assert comment not in log
        assert not any(comment in event for event in events)
