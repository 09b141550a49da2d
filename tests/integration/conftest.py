"""Shared fixtures of the integration tests."""

from __future__ import annotations

import shutil

import pytest

from orchestration.demo import write_demo_data
from orchestration.refresh import refresh
from tests.conftest import private_data_dir

DEMO_START, DEMO_END = "2022-04", "2025-09"


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """A demo warehouse from 2022-04 to 2025-09, and a copy of every file delivered to it."""
    root = tmp_path_factory.mktemp("demo-warehouse")
    delivered = root / "delivered"
    write_demo_data(delivered, start=DEMO_START, end=DEMO_END, seed=11)
    with pytest.MonkeyPatch.context() as patch:
        settings = private_data_dir(patch, root / "data")
        shutil.copytree(delivered, settings.landing_dir, dirs_exist_ok=True)
        summary = refresh(settings)
        assert summary.ok, summary
        yield settings, delivered, patch


@pytest.fixture
def demo_copy(demo, tmp_path, monkeypatch):
    """A private copy of the demo warehouse's data dir, for a test that writes: the shared
    `demo` stays as the session built it. Returns (settings, delivered files)."""
    settings, delivered, _ = demo
    target = tmp_path / "data"
    # Hard links would share bytes with the shared warehouse: copy, but not Dagster's history.
    shutil.copytree(
        settings.data_dir, target, symlinks=True, ignore=shutil.ignore_patterns("dagster")
    )
    return private_data_dir(monkeypatch, target), delivered
