"""Fixtures shared by every test: a private data dir per test, the dbt manifest, shared data."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.dbt_manifest import ensure_dbt_manifest
from orchestration.settings import PROJECT_ROOT, Settings, load_settings

SHARED_DIR = PROJECT_ROOT.parent / "shared"
REAL_DATA_DIR = SHARED_DIR / "data" / "real"
REFERENCE_DIR = SHARED_DIR / "reference"


def require_shared(path: Path, what: str) -> Path:
    """Skip (or, under PCP_REQUIRE_REAL_DATA=1 as in CI, fail) when shared data is absent."""
    if path.exists():
        return path
    message = (
        f"{what} not found at {path}: these tests read the public files in ../shared "
        "in place (see ../shared/data/real/README.md)."
    )
    if os.environ.get("PCP_REQUIRE_REAL_DATA") == "1":
        pytest.fail(message + " PCP_REQUIRE_REAL_DATA=1 is set, so this is a failure.")
    pytest.skip(message)


@pytest.fixture(scope="session", autouse=True)
def dbt_manifest() -> Path:
    """Dagster loads the dbt project from its manifest: make sure it is current (as `make` does)."""
    return ensure_dbt_manifest()


ALERT_CHANNEL_ENV = (
    "PCP_SMTP_HOST",
    "PCP_SMTP_PORT",
    "PCP_SMTP_USER",
    "PCP_SMTP_PASSWORD",
    "PCP_SMTP_STARTTLS",
    "PCP_SMTP_TLS",
    "PCP_SMTP_CA_FILE",
    "PCP_ALERT_FROM",
    "PCP_TEAMS_WEBHOOK_URL",
    "PCP_SLACK_WEBHOOK_URL",
)


def private_data_dir(patch: pytest.MonkeyPatch, data_dir: Path) -> Settings:
    """Point everything (warehouse, landing, Dagster instance) at ``data_dir``, with the default
    force and no alert channel configured, whatever the developer's shell says."""
    patch.setenv("PCP_DATA_DIR", str(data_dir))
    patch.setenv("PCP_WAREHOUSE_PATH", str(data_dir / "warehouse.duckdb"))
    patch.setenv("DAGSTER_HOME", str(data_dir / "dagster"))
    for name in ("PCP_FORCES", "PCP_FILE_GROUP", *ALERT_CHANNEL_ENV):
        patch.delenv(name, raising=False)
    resolved = load_settings()
    resolved.ensure_dirs()
    return resolved


def private_copy(patch: pytest.MonkeyPatch, shared: Settings, target: Path) -> Settings:
    """A private copy of a data dir a fixture built once for many tests, pointed at as
    ``private_data_dir`` does: a test that writes (refreshes, sends alerts) writes its copy, so
    the shared one stays as the fixture built it, whatever ran before. Dagster's run history is
    not copied (a refresh of the copy starts its own)."""
    shutil.copytree(
        shared.data_dir, target, symlinks=True, ignore=shutil.ignore_patterns("dagster")
    )
    return private_data_dir(patch, target)


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A fresh, private PCP_DATA_DIR (warehouse, landing, Dagster instance) for one test."""
    return private_data_dir(monkeypatch, tmp_path / "data")


def land_copies(folder: Path, files: list[Path]) -> None:
    """Deliver real files into a test's landing folder as a sender would: as regular files (a
    landing folder refuses links). The copies live in the test's temporary data dir only: the
    real files are read from ../shared, never copied into the repository."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in files:
        shutil.copyfile(path, folder / path.name)


def published_fingerprint(data_dir: Path) -> dict[str, str]:
    """Every published table's rows, hashed, by table."""
    with duckdb.connect(str(data_dir / "published" / "marts.duckdb"), read_only=True) as con:
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() order by all"
        ).fetchall()
        return {
            f"{schema}.{table}": hashlib.sha256(
                repr(
                    con.execute(f'select * from "{schema}"."{table}" order by all').fetchall()
                ).encode()
            ).hexdigest()
            for schema, table in tables
        }
