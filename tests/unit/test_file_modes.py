"""Who may read what: the data dir is tightened to 0640/0750 (what an older release left
world-readable included), landing keeps its group bits, symbolic links and what they point to
are left alone, PCP_FILE_GROUP is applied (and refused clearly when no such group exists)."""

from __future__ import annotations

import grp
import os
import stat
import subprocess
from pathlib import Path

import pytest

from orchestration.file_modes import restrict_new_files, secure_data_dir, write_private
from orchestration.settings import PROJECT_ROOT, SettingsError, load_settings


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def an_older_release(data_dir: Path, outside: Path) -> dict[str, Path]:
    """A data dir as an older release left it: everything world-readable."""
    old = os.umask(0o022)
    try:
        paths = {
            "warehouse": data_dir / "warehouse.duckdb",
            "warehouse wal": data_dir / "warehouse.duckdb.wal",
            "published": data_dir / "published" / "parquet-1" / "mart_x.parquet",
            "archive": data_dir / "archive" / "victim_survey" / "ab" / "ab12.csv",
            "reason": data_dir / "quarantine" / "victim_survey" / "x.csv.reason.txt",
            "outbox": data_dir / "outbox" / "not-ready.eml",
            "alerts": data_dir / "alerts.duckdb",
            "landing": data_dir / "landing" / "partner_returns" / "return.csv",
            "board pack": data_dir / "packs" / "board-pack-2025-26-Q1-board.pdf",
        }
        for path in paths.values():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("restricted\n")
        outside.write_text("not the warehouse's\n")
        (data_dir / "packs" / "board-pack-2025-26-Q1-public.pdf").write_text("for anyone\n")
        (data_dir / "published" / "parquet").symlink_to("parquet-1")
        (data_dir / "landing" / "partner_returns" / "link.csv").symlink_to(outside)
        os.chmod(data_dir / "landing" / "partner_returns", 0o775)  # a group drop folder
    finally:
        os.umask(old)
    return paths


def test_everything_written_before_is_tightened_and_landing_keeps_its_group_bits(tmp_path):
    data_dir, outside = tmp_path / "data", tmp_path / "elsewhere.txt"
    paths = an_older_release(data_dir, outside)
    assert mode(paths["archive"]) == 0o644  # as found
    assert secure_data_dir(data_dir) == []
    for name, path in paths.items():
        assert mode(path) == 0o640, name
    folders = [p for p in data_dir.rglob("*") if p.is_dir() and not p.is_symlink()]
    for folder in [data_dir, *folders]:
        expected = 0o770 if folder.name == "partner_returns" else 0o750
        assert mode(folder) == expected, folder
    assert mode(outside) == 0o644  # a link in landing is not followed
    assert (data_dir / "published" / "parquet").is_symlink()
    public = data_dir / "packs" / "board-pack-2025-26-Q1-public.pdf"
    assert mode(public) == 0o644  # the one file anyone may read
    others = [p for p in data_dir.rglob("*") if not p.is_symlink() and mode(p) & 0o007]
    assert others == [public]


def test_only_the_packs_folder_holds_a_public_pack(tmp_path):
    """A file named like the public pack anywhere else is what it is there: a delivered file
    refused into quarantine or archived (it may hold anything) stays private."""
    data_dir = tmp_path / "data"
    old = os.umask(0o022)
    try:
        named_public = [
            data_dir / "quarantine" / "partner_returns" / "board-pack-x-public.csv",
            data_dir / "archive" / "partner_returns" / "ab" / "board-pack-x-public.csv",
            data_dir / "published" / "board-pack-2025-26-Q1-public.html",
            data_dir / "outbox" / "board-pack-2025-26-Q1-public.pdf",
        ]
        pack = data_dir / "packs" / "board-pack-2025-26-Q1-public.pdf"
        for path in [*named_public, pack]:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("x\n")
    finally:
        os.umask(old)

    assert secure_data_dir(data_dir) == []

    modes = {str(path.relative_to(data_dir)): mode(path) for path in named_public}
    assert modes == dict.fromkeys(modes, 0o640)
    assert mode(pack) == 0o644


def test_new_files_are_born_private(tmp_path):
    old = os.umask(0o022)
    try:
        restrict_new_files()
        (tmp_path / "folder").mkdir()
        (tmp_path / "folder" / "file").write_text("x")
        write_private(tmp_path / "mail" / "a.eml", b"x")
    finally:
        os.umask(old)
    assert mode(tmp_path / "folder") == 0o750
    assert mode(tmp_path / "folder" / "file") == 0o640
    assert mode(tmp_path / "mail" / "a.eml") == 0o640
    assert not list((tmp_path / "mail").glob(".*.part"))


def another_group() -> str:
    """A group this account may give files to, other than its own (root: any)."""
    own = os.getegid()
    candidates = [g for g in os.getgroups() if g != own]
    if os.geteuid() == 0:
        candidates += [g.gr_gid for g in grp.getgrall() if g.gr_gid != own]
    if not candidates:
        pytest.skip("this account belongs to no second group to give files to")
    return grp.getgrgid(candidates[0]).gr_name


def test_the_readers_group_is_applied_and_engineers_only_folders_keep_the_own_group(
    tmp_path, monkeypatch
):
    """Analysts (the readers' group) read published/, alerts, outbox and packs; the warehouse
    (victims' comments in its `restricted` schema), its .wal, the archive and quarantine are
    for the data engineers (the account's own group)."""
    group = another_group()
    monkeypatch.setenv("PCP_FILE_GROUP", group)
    settings = load_settings()
    assert settings.file_group == group
    readers = grp.getgrnam(group).gr_gid
    data_dir = tmp_path / "data"
    paths = an_older_release(data_dir, tmp_path / "elsewhere.txt")
    assert secure_data_dir(data_dir, settings.file_group) == []
    for name in ("published", "outbox", "alerts", "board pack"):
        assert paths[name].stat().st_gid == readers, name
    for name in ("warehouse", "warehouse wal", "archive", "reason"):  # survey comments
        assert paths[name].stat().st_gid == os.getegid(), name
    # The data dir lets readers reach published/, but what is born in it (the warehouse's
    # .wal during a refresh) is not theirs: no set-group-ID there.
    assert data_dir.stat().st_gid == readers
    assert not data_dir.stat().st_mode & stat.S_ISGID
    (data_dir / "warehouse.duckdb.wal").unlink()
    (data_dir / "warehouse.duckdb.wal").write_text("born during a refresh")
    assert (data_dir / "warehouse.duckdb.wal").stat().st_gid == os.getegid()
    # Readers' folders carry set-group-ID, so files created in them later get the group.
    assert (data_dir / "published").stat().st_mode & stat.S_ISGID
    assert mode(data_dir / "published") & 0o777 == 0o750
    assert not (data_dir / "archive").stat().st_mode & stat.S_ISGID
    assert (data_dir / "archive").stat().st_gid == os.getegid()
    (data_dir / "outbox" / "later.eml").write_text("x")
    assert (data_dir / "outbox" / "later.eml").stat().st_gid == readers


def test_a_group_that_does_not_exist_is_refused_clearly(monkeypatch):
    monkeypatch.setenv("PCP_FILE_GROUP", "no-such-group-pcp")
    with pytest.raises(SettingsError, match="PCP_FILE_GROUP='no-such-group-pcp': no such group"):
        load_settings()


def test_pcp_makes_whatever_it_writes_private_whatever_umask_it_starts_with(tmp_path):
    """`pcp` sets umask 027 as it starts: here `pcp demo-data`, which writes files and never
    walks the data dir, started with umask 022 as a login shell would."""
    out = tmp_path / "landing"
    subprocess.run(
        [
            str(PROJECT_ROOT / ".venv" / "bin" / "pcp"),
            "demo-data",
            "--out",
            str(out),
            "--start",
            "2025-01",
            "--end",
            "2025-03",
        ],
        check=True,
        capture_output=True,
        timeout=300,
        preexec_fn=lambda: os.umask(0o022),
    )
    written = list(out.rglob("*"))
    assert written and not [p for p in written if mode(p) & 0o007]
