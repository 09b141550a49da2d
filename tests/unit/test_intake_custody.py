"""One file's failure after it was staged never stops the rest of its dataset.

Between staging a file and writing its rows, intake validates it and keeps it in the archive.
A file swapped for a link in that time, a suite that raises on one file's rows, a file that
goes away: each is that file's refusal (or, gone, a skip) and the other files of the dataset
(of its batch, and after it) load. The warehouse's own faults (a full disk) stop the run with
the file left in landing, never quarantined. Real DuckDB, real GX suite, real links on disk.
"""

from __future__ import annotations

import errno
import os

import duckdb
import pytest

from orchestration.defs.police_uk.checks import STREET_SUITE
from orchestration.defs.police_uk.format import StreetFormat
from orchestration.landing import intake
from orchestration.landing.faults import is_our_fault
from orchestration.landing.files import NotARegularFile, list_landed
from orchestration.landing.intake import take_in
from orchestration.settings import Settings
from tests.unit.test_intake_batches import OneAtATime
from tests.unit.test_odd_files import (
    CANARY,
    PASSWD_MARKERS,
    deliver_month,
    links_under,
    street_name,
    written_text,
)

MONTHS = (4, 5, 6)
BAD = street_name(5)


def both_ways(fmt: StreetFormat):
    """The format as it is (files in batches) and without its batch capability (one at a time,
    validated together)."""
    return {"batch": fmt, "one at a time": OneAtATime(fmt)}


WAYS = ("batch", "one at a time")


def manifest(settings: Settings) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(
            "select original_name, status from ops.file_manifest order by original_name"
        ).fetchall()


class SwappedAfterStaging(StreetFormat):
    """The real format; once May's file is staged, it is swapped for a link to /etc/passwd
    (as someone with write access to landing could do while intake runs)."""

    def _swap(self) -> None:
        path = self.landing / BAD
        if path.is_file() and not path.is_symlink():
            path.unlink()
            os.symlink("/etc/passwd", path)

    def stage_batch(self, con, files):
        staged = super().stage_batch(con, files)
        self._swap()
        return staged

    def stage(self, con, path, file_name):
        rows = super().stage(con, path, file_name)
        if file_name == BAD:
            self._swap()
        return rows


@pytest.mark.parametrize("way", WAYS)
def test_a_file_swapped_for_a_link_before_archiving_is_refused_and_the_rest_load(settings, way):
    for month in MONTHS:
        deliver_month(settings, month)
    fmt = SwappedAfterStaging(settings.forces)
    fmt.landing = settings.landing_for("police_uk")
    files = list_landed(settings.landing_dir, "police_uk")

    result = take_in(settings, both_ways(fmt)[way], files, "test", audit=None)

    assert [f.name for f in result.loaded] == [street_name(4), street_name(6)]
    [refused] = result.refused
    assert refused.name == BAD and "not a regular file" in refused.reason
    assert manifest(settings) == [
        (street_name(4), "loaded"), (BAD, "refused"), (street_name(6), "loaded")
    ]  # fmt: skip
    assert links_under(settings.archive_dir) == [] and links_under(settings.landing_dir) == []
    assert not any(marker in written_text(settings) for marker in PASSWD_MARKERS)


class FailsOnOneFile:
    """The police.uk street suite, except that it raises (as a GX or suite-worker bug would)
    when the rows it is given include May's file; the error's message quotes a canary."""

    def __init__(self, settings: Settings):
        self._real = STREET_SUITE.audit(settings)
        self.has_frame_rules = self._real.has_frame_rules
        self.calls = 0

    def __call__(self, con, rows, partitions, rules="all"):
        self.calls += 1
        files = con.execute(
            f"select distinct source_file from ({rows.sql}) as staged", rows.params
        ).fetchall()
        if (BAD,) in files:
            raise RuntimeError(f"suite worker died near {CANARY}")
        return self._real(con, rows, partitions, rules)


@pytest.mark.parametrize("way", WAYS)
def test_an_audit_that_raises_for_one_file_refuses_it_and_the_rest_load(settings, way):
    for month in MONTHS:
        deliver_month(settings, month)
    fmt = both_ways(StreetFormat(settings.forces))[way]
    audit = FailsOnOneFile(settings)

    result = take_in(
        settings, fmt, list_landed(settings.landing_dir, "police_uk"), "t", audit=audit
    )

    assert audit.calls > 1
    assert [f.name for f in result.loaded] == [street_name(4), street_name(6)]
    [refused] = result.refused
    assert refused.name == BAD
    assert "its rows could not be validated" in refused.reason
    assert "(RuntimeError)" in refused.reason
    assert list((settings.quarantine_dir / "police_uk_street").glob(f"*{BAD}"))
    assert CANARY not in written_text(settings)  # the error's kind, never its message


class VanishesAfterStaging(StreetFormat):
    """May's file is deleted from landing once staged (its sender took it back)."""

    def stage_batch(self, con, files):
        staged = super().stage_batch(con, files)
        (self.landing / BAD).unlink()
        return staged

    def stage(self, con, path, file_name):
        rows = super().stage(con, path, file_name)
        if file_name == BAD:
            path.unlink()
        return rows


@pytest.mark.parametrize("way", WAYS)
def test_a_file_gone_before_archiving_is_skipped_and_the_rest_load(settings, way):
    for month in MONTHS:
        deliver_month(settings, month)
    fmt = VanishesAfterStaging(settings.forces)
    fmt.landing = settings.landing_for("police_uk")

    result = take_in(
        settings,
        both_ways(fmt)[way],
        list_landed(settings.landing_dir, "police_uk"),
        "test",
        audit=STREET_SUITE.audit(settings),
    )

    assert [f.name for f in result.loaded] == [street_name(4), street_name(6)]
    assert result.refused == []
    assert manifest(settings) == [(street_name(4), "loaded"), (street_name(6), "loaded")]


def test_a_full_disk_while_archiving_stops_the_run_and_refuses_nothing(settings, monkeypatch):
    """Our fault, not the file's: nothing is quarantined, the files stay in landing for the
    next run, and no manifest row says otherwise."""
    for month in MONTHS:
        deliver_month(settings, month)

    def disk_full(*_):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(intake, "archive_copy", disk_full)
    with pytest.raises(OSError) as raised:
        take_in(
            settings,
            StreetFormat(settings.forces),
            list_landed(settings.landing_dir, "police_uk"),
            "test",
        )
    assert raised.value.errno == errno.ENOSPC
    assert sorted(p.name for p in settings.landing_for("police_uk").iterdir()) == [
        street_name(m) for m in MONTHS
    ]
    assert manifest(settings) == []
    assert not list(settings.quarantine_dir.rglob("*.csv"))


@pytest.mark.parametrize(
    ("error", "ours"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), True),
        (OSError(errno.EROFS, "Read-only file system"), True),
        (duckdb.IOException("Could not write file: No space left on device"), True),
        (duckdb.FatalException("database has been invalidated"), True),
        (duckdb.TransactionException("conflict"), True),
        (MemoryError(), True),
        (NotARegularFile(errno.ELOOP, "a symbolic link", "x"), False),
        (OSError(errno.EACCES, "Permission denied"), False),
        (duckdb.InvalidInputException("bad CSV"), False),
        (RuntimeError("a suite bug"), False),
    ],
)
def test_whose_fault_an_error_is(error, ours):
    assert is_our_fault(error) is ours
