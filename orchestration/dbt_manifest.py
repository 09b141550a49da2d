"""Keeping the dbt manifest in step with the dbt project.

Dagster builds the dbt assets from ``target/manifest.json``. If models or seeds change and the
manifest does not, dbt runs nodes Dagster does not know and the step fails; so the manifest is
re-parsed whenever any dbt input is newer than it (``make`` does the same through its rules).
This module imports nothing from Dagster: it must run before the dbt assets are built.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from orchestration.settings import (
    DBT_PROJECT_DIR,
    PROJECT_ROOT,
    SEEDS_DIR,
    dbt_environment,
    load_settings,
)

MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"


def _inputs() -> list[Path]:
    return [
        *DBT_PROJECT_DIR.joinpath("models").rglob("*"),
        *DBT_PROJECT_DIR.joinpath("macros").rglob("*"),
        *SEEDS_DIR.rglob("*"),
        DBT_PROJECT_DIR / "dbt_project.yml",
        DBT_PROJECT_DIR / "profiles.yml",
    ]


def project_fingerprint() -> str:
    """A hash of every dbt input's name and content: a build records it, and a changed project
    (a model, a seed, a var) makes the next refresh build again even with no new file."""
    digest = hashlib.sha256()
    for path in sorted(p for p in _inputs() if p.is_file()):
        digest.update(str(path.relative_to(DBT_PROJECT_DIR.parent)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def manifest_is_stale() -> bool:
    if not MANIFEST.exists():
        return True
    newest = max(path.stat().st_mtime for path in _inputs() if path.is_file())
    return MANIFEST.stat().st_mtime < newest


def parse(target: Path = MANIFEST.parent) -> Path:
    """``dbt parse`` into ``target`` in the environment a build gives dbt
    (settings.dbt_environment), so the parse state it leaves beside the manifest is one a new
    data dir's first build can start from (dbt_assets.seed_parse_state) rather than parse the
    project again. Returns the manifest's path."""
    executable = PROJECT_ROOT / ".venv" / "bin" / "dbt"
    subprocess.run(
        [
            str(executable) if executable.exists() else "dbt",
            "parse",
            "--quiet",
            "--target-path",
            str(target),
        ],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, **dbt_environment(load_settings())},
        check=True,
    )
    return target / MANIFEST.name


def ensure_dbt_manifest() -> Path:
    """Run ``dbt parse`` when the manifest is missing or older than the project."""
    if manifest_is_stale():
        parse()
    return MANIFEST


if __name__ == "__main__":  # the Makefile's manifest step
    parse()
