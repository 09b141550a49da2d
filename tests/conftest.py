"""Fixtures shared by every test: a private data dir per test, the dbt manifest, shared data."""

from __future__ import annotations

import os
from pathlib import Path

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


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A fresh, private PCP_DATA_DIR (warehouse, landing, Dagster instance) for one test."""
    data_dir = tmp_path / "data"
    monkeypatch.setenv("PCP_DATA_DIR", str(data_dir))
    monkeypatch.setenv("PCP_WAREHOUSE_PATH", str(data_dir / "warehouse.duckdb"))
    monkeypatch.setenv("DAGSTER_HOME", str(data_dir / "dagster"))
    monkeypatch.delenv("PCP_FORCES", raising=False)
    resolved = load_settings()
    resolved.ensure_dirs()
    return resolved
