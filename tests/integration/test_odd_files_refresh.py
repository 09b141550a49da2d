"""`pcp refresh` with a landing full of odd entries: links (to /etc/passwd, to a canary file
outside landing, to a file inside landing), a FIFO, a directory, a 255-byte name, a name that is
not UTF-8, an empty file and a header-only file in the police.uk folder, and odd entries in the
other folders, beside good files of two sources.

Each odd entry is refused with a clear reason, nothing crashes or hangs, the good files of every
source load in the same refresh, what was loaded before is unchanged, `pcp status` lists every
refusal, and nothing a link points at is read, quoted or named anywhere the warehouse writes.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess

import duckdb
import pytest

from orchestration.demo import write_demo_data
from orchestration.landing.names import shown
from orchestration.refresh import refresh
from orchestration.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow
SEED = 11
PCP = str(PROJECT_ROOT / ".venv" / "bin" / "pcp")
CANARY = "CANARY-93a1f7-must-not-leak"
PASSWD_MARKERS = ("root:x:0:0:", "daemon:x:1:1:", "bin:x:2:2:")


def phase_one_rows(con, shas: list[str]) -> dict[str, list[tuple]]:
    """Every raw row that came from the files loaded before (by their content hash)."""
    tables = [
        f"raw.{name}"
        for (name,) in con.execute(
            "select table_name from information_schema.columns "
            "where table_schema = 'raw' and column_name = 'source_sha256' order by 1"
        ).fetchall()
    ]
    return {
        table: con.execute(
            f"select * exclude (loaded_at) from {table} where list_contains(?, source_sha256) "
            "order by all",
            [shas],
        ).fetchall()
        for table in tables
    }


def every_regular_file_text(root) -> str:
    """All that the data dir holds (warehouse, published copy, Dagster's storage, logs,
    quarantine), read without following a link."""
    texts = []
    for path in root.rglob("*"):
        if stat.S_ISREG(path.lstat().st_mode):
            texts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(texts)


def test_pcp_refresh_refuses_every_odd_entry_and_loads_every_good_file(settings, tmp_path):
    write_demo_data(settings.landing_dir, start="2024-04", end="2024-05", seed=SEED)
    assert refresh(settings).ok
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        shas = [r[0] for r in con.execute(
            "select sha256 from ops.file_manifest where status = 'loaded'"
        ).fetchall()]  # fmt: skip
        before = phase_one_rows(con, shas)
        manifest_before = con.execute(
            "select * from ops.file_manifest order by delivery_id"
        ).fetchall()
    assert sum(len(rows) for rows in before.values()) > 0

    # Good files of two sources for June...
    june = tmp_path / "june"
    write_demo_data(june, start="2024-06", end="2024-06", seed=SEED)
    good = {}
    for folder in ("police_uk", "victim_survey"):
        for path in (june / folder).iterdir():
            shutil.copy2(path, settings.landing_for(folder) / path.name)
            good[path.name] = folder
    # ... beside odd entries, most of them in the police.uk folder.
    police = settings.landing_for("police_uk")
    outside = tmp_path / "outside-landing.csv"
    outside.write_text(f"Crime ID,Month\n{CANARY},2024-07\n", encoding="utf-8")
    os.symlink("/etc/passwd", police / "2024-07-leicestershire-street.csv")
    os.symlink(outside, police / "2024-08-leicestershire-street.csv")
    os.symlink("2024-06-leicestershire-street.csv", police / "2024-09-leicestershire-street.csv")
    os.mkfifo(police / "2024-10-leicestershire-street.csv")
    (police / "2024-11-leicestershire-street.csv").mkdir()
    long_name = "2024-06-" + "a" * (255 - len("2024-06--street.csv")) + "-street.csv"
    (police / long_name).write_text("Crime ID\n", encoding="utf-8")
    bad_bytes = os.fsdecode(b"2024-06-leicestershire-street-\xff.csv")
    (police / bad_bytes).write_text("x\n", encoding="utf-8")
    (police / "2024-03-leicestershire-street.csv").write_bytes(b"")
    header = (june / "police_uk" / "2024-06-leicestershire-street.csv").read_bytes()
    (police / "2024-02-leicestershire-street.csv").write_bytes(header.split(b"\r\n")[0] + b"\r\n")
    for folder in ("stats19", "home_office", "csew"):
        settings.landing_for(folder).mkdir(parents=True, exist_ok=True)
    (settings.landing_for("stats19") / "collisions-2023-final.csv").write_text("x\n")
    os.symlink(outside, settings.landing_for("home_office") / "prc-csp-2024.csv")
    os.mkfifo(settings.landing_for("csew") / "csew-estimates.csv")
    odd = {
        "2024-07-leicestershire-street.csv": "symbolic link",
        "2024-08-leicestershire-street.csv": "symbolic link",
        "2024-09-leicestershire-street.csv": "symbolic link",
        "2024-10-leicestershire-street.csv": "FIFO",
        "2024-11-leicestershire-street.csv": "directory",
        long_name: "not configured",
        bad_bytes: "not UTF-8",
        "2024-03-leicestershire-street.csv": "empty",
        "2024-02-leicestershire-street.csv": "header but no data rows",
        "collisions-2023-final.csv": "no source",
        "prc-csp-2024.csv": "symbolic link",
        "csew-estimates.csv": "FIFO",
    }

    result = subprocess.run(
        [PCP, "refresh"], capture_output=True, text=True, check=False, timeout=900
    )

    assert result.returncode == 1, result.stdout + result.stderr
    refused = {
        line.split(": ", 1)[0].removeprefix("REFUSED "): line
        for line in result.stderr.splitlines()
        if line.startswith("REFUSED ")
    }
    assert sorted(refused) == sorted(shown(name) for name in odd), result.stderr
    for name, words in odd.items():
        assert words in refused[shown(name)], refused[shown(name)]
    # Every good file loaded, in the same refresh; what was loaded before is as it was.
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        loaded = {r[0] for r in con.execute(
            "select original_name from ops.file_manifest where status = 'loaded'"
        ).fetchall()}  # fmt: skip
        assert set(good) <= loaded
        assert phase_one_rows(con, shas) == before
        kept = con.execute(
            "select * from ops.file_manifest where delivery_id in ? order by delivery_id",
            [[row[0] for row in manifest_before]],
        ).fetchall()
    assert kept == manifest_before
    assert all(not any(os.scandir(settings.landing_for(f))) for f in ("police_uk", "csew"))
    kept_files = (settings.landing_dir, settings.archive_dir, settings.quarantine_dir)
    assert not any(p.is_symlink() for folder in kept_files for p in folder.rglob("*"))
    assert outside.read_text(encoding="utf-8").count(CANARY) == 1  # untouched

    status = subprocess.run([PCP, "status"], capture_output=True, text=True, check=True)
    for name in odd:
        assert f"{shown(name)} (" in status.stdout, name
    # Nothing read through a link, nor where it pointed, is anywhere.
    everywhere = every_regular_file_text(settings.data_dir) + result.stdout + result.stderr
    everywhere += status.stdout
    assert CANARY not in everywhere and str(outside) not in everywhere
    assert not any(marker in everywhere for marker in PASSWD_MARKERS)
