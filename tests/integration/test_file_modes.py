"""Who may read what, on a demo warehouse: after `pcp refresh` (started with a permissive umask,
on a data dir an older release left world-readable, with a new return and a refused file
delivered), `pcp readiness --send` and `pcp pack`, no file under the data dir can be read by
others and every folder is 0750; the board pack is 0640 and only the public pack is 0644. With
PCP_FILE_GROUP set, the analysts' group reads the published copy and alerts, never the warehouse
(survey comments) or its .wal, archive or quarantine."""

from __future__ import annotations

import grp
import os
import stat
import subprocess
from datetime import date
from pathlib import Path

import pytest

from orchestration.demo import write_withheld_returns
from orchestration.settings import PROJECT_ROOT
from tests.integration.conftest import DEMO_END, DEMO_START

pytestmark = pytest.mark.slow
PCP = str(PROJECT_ROOT / ".venv" / "bin" / "pcp")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def readers_group() -> str | None:
    """A group other than this account's own to stand for the analysts (None: there is none
    this account may give files to)."""
    own = os.getegid()
    candidates = [g for g in os.getgroups() if g != own]
    if os.geteuid() == 0:
        candidates += [g.gr_gid for g in grp.getgrall() if g.gr_gid != own]
    return grp.getgrgid(candidates[0]).gr_name if candidates else None


READERS = readers_group()


def pcp(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """The real command, started as a shell with umask 022 would start it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PCP_", "DAGSTER_"))}
    env["PCP_DATA_DIR"] = str(data_dir)
    if READERS:
        env["PCP_FILE_GROUP"] = READERS
    return subprocess.run(
        [PCP, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        preexec_fn=lambda: os.umask(0o022),
    )


def as_an_older_release_left_it(data_dir: Path) -> None:
    for path in [data_dir, *data_dir.rglob("*")]:
        if not path.is_symlink():
            os.chmod(path, 0o755 if path.is_dir() else 0o644)


def test_nothing_under_the_data_dir_is_world_readable_and_only_the_public_pack_is(
    demo_copy, tmp_path
):
    settings, _ = demo_copy
    data_dir = settings.data_dir
    as_an_older_release_left_it(data_dir)
    old = os.umask(0o022)  # delivered by someone whose files are world-readable
    try:
        write_withheld_returns(
            settings.landing_dir,
            start=DEMO_START,
            end=DEMO_END,
            seed=11,
            delivered_on=date(2025, 10, 21),
        )
        bad = settings.landing_dir / "partner_returns" / "not-a-return.csv"
        bad.write_text("this,is,not\na,partner,return\n")
    finally:
        os.umask(old)

    refreshed = pcp(data_dir, "refresh")  # exit status 1: a file was refused
    assert refreshed.returncode == 1, refreshed.stdout + refreshed.stderr
    output = refreshed.stdout + refreshed.stderr
    assert "Loaded 1 file(s)" in output and "REFUSED not-a-return.csv" in output, output
    assert list((settings.quarantine_dir / "partner_returns").glob("*not-a-return.csv*"))
    readiness = pcp(
        data_dir, "readiness", "--board", "2025-11-05", "--as-of", "2025-10-20", "--send"
    )
    assert readiness.returncode in (0, 1), readiness.stdout + readiness.stderr
    assert settings.alerts_path.exists() and list(settings.outbox_dir.glob("*.eml"))
    packs = tmp_path / "packs"
    for edition in ("board", "public"):
        flags = ["--public"] if edition == "public" else []
        made = pcp(data_dir, "pack", "--quarter", "latest", *flags, "--out", str(packs / edition))
        assert made.returncode == 0, made.stdout + made.stderr

    readable, folders = [], []
    for path in [data_dir, *data_dir.rglob("*")]:
        if path.is_symlink():
            continue
        if mode(path) & 0o007:
            readable.append(f"{oct(mode(path))} {path.relative_to(data_dir)}")
        # Folders 0750; the readers' own carry set-group-ID besides (files made later join).
        if path.is_dir() and mode(path) & 0o777 != 0o750:
            folders.append(f"{oct(mode(path))} {path.relative_to(data_dir)}")
    assert readable == [], "\n".join(readable)
    assert folders == [], "\n".join(folders)
    for kind in ("warehouse.duckdb", "alerts.duckdb", "published/marts.duckdb"):
        assert mode(data_dir / kind) == 0o640, kind
    assert all(mode(p) == 0o640 for p in settings.archive_dir.rglob("*") if p.is_file())
    assert all(mode(p) == 0o640 for p in settings.quarantine_dir.rglob("*") if p.is_file())
    assert all(mode(p) == 0o640 for p in (data_dir / "published").rglob("*.parquet"))
    assert {mode(p) for p in (packs / "board").iterdir()} == {0o640}
    assert {mode(p) for p in (packs / "public").iterdir()} == {0o644}
    assert mode(packs / "public") == 0o755 and mode(packs / "board") & 0o777 == 0o750
    if READERS:  # the analysts read published/ and alerts; the warehouse is engineers' only
        readers = grp.getgrnam(READERS).gr_gid
        for kind in ("published/marts.duckdb", "alerts.duckdb"):
            assert (data_dir / kind).stat().st_gid == readers, kind
        engineers = [data_dir / "warehouse.duckdb", *data_dir.glob("warehouse.duckdb.*"),
                     *settings.archive_dir.rglob("*"), *settings.quarantine_dir.rglob("*")]  # fmt: skip
        assert [p for p in engineers if p.stat().st_gid == readers] == []
