"""Shared fixtures of the integration tests."""

from __future__ import annotations

import shutil

import pytest

from orchestration.demo import write_demo_data
from orchestration.refresh import refresh
from orchestration.settings import load_settings
from tests.conftest import private_copy, private_data_dir

DEMO_START, DEMO_END = "2022-04", "2025-09"
# Three of the home force's peers (seeds/peer_forces.csv), high, low and lower in level: their
# police.uk street files for the months the peer comparison needs (fewer than `make run`'s seven,
# to keep the session's build short).
DEMO_PEERS = ("nottinghamshire", "derbyshire", "hertfordshire")


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """A demo warehouse from 2022-04 to 2025-09, and a copy of every file delivered to it: for
    tests that only read it (a test that writes takes `demo_copy`). The environment points at
    it only while it is built, so no later test reaches it through PCP_DATA_DIR."""
    root = tmp_path_factory.mktemp("demo-warehouse")
    delivered = root / "delivered"
    write_demo_data(delivered, start=DEMO_START, end=DEMO_END, seed=11, peer_forces=DEMO_PEERS)
    with pytest.MonkeyPatch.context() as patch:
        private_data_dir(patch, root / "data")
        patch.setenv("PCP_FORCES", ",".join(("leicestershire", *DEMO_PEERS)))
        settings = load_settings()
        shutil.copytree(delivered, settings.landing_dir, dirs_exist_ok=True)
        summary = refresh(settings)
        assert summary.ok, summary
    return settings, delivered


@pytest.fixture
def demo_copy(demo, tmp_path, monkeypatch):
    """A private copy of the demo warehouse's data dir, for a test that writes: the shared
    `demo` stays as the session built it. Returns (settings, delivered files)."""
    settings, delivered = demo
    # Hard links would share bytes with the shared warehouse: copied.
    return private_copy(monkeypatch, settings, tmp_path / "data"), delivered
