"""Odd entries in landing: each is refused with a reason, never a crash, never opened when it is
not a regular file, and never in the way of the other files.

Real components throughout: real symbolic links, FIFOs, sockets, directories and odd names on
disk, a real DuckDB warehouse, the real formats and `pcp status` (click's runner, in process).
A pass here is what `pcp refresh` does before and in its intake runs: survey landing (refusing
what no source can take), then each police.uk dataset takes its files in.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import signal
import socket
import stat
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from orchestration.cli import main
from orchestration.defs.intake_sources import INTAKE_SOURCES
from orchestration.defs.partner_returns.checks import RETURNS_SUITE
from orchestration.defs.partner_returns.format import PartnerReturnFormat
from orchestration.defs.police_uk.format import StreetFormat
from orchestration.demo.crime_model import MonthKey
from orchestration.demo.police_uk import street_rows, write_street_csv
from orchestration.landing import files
from orchestration.landing.archive import archive_path_for
from orchestration.landing.files import list_landed, scan_landing
from orchestration.landing.intake import survey_landing, take_in
from orchestration.landing.names import QUARANTINE_NAME_BYTES, shown
from orchestration.landing.refusal import FileRefused
from orchestration.lib.landing_watch import pending_files
from orchestration.refresh import plan_refresh
from orchestration.settings import Settings
from orchestration.status import read_folder_status
from tests.unit.test_intake_audit import take
from tests.unit.test_returns_and_tables_formats import RETURN_HEADER, write

POLICE = tuple(s for s in INTAKE_SOURCES if s.key.path[-1].startswith("police_uk"))
CANARY = "CANARY-5b0e1c-do-not-show"
PASSWD_MARKERS = ("root:x:0:0:", "daemon:x:1:1:", "bin:x:2:2:")


@contextlib.contextmanager
def no_hang(seconds: int = 30):
    """Fail, instead of waiting forever, when something opens a FIFO and blocks on it."""

    def stop(*_):
        raise TimeoutError(f"still running after {seconds} s: something blocked (a FIFO read?)")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def street_name(month: int) -> str:
    return f"2024-{month:02d}-leicestershire-street.csv"


def deliver_month(settings: Settings, month: int) -> Path:
    folder = settings.landing_for("police_uk")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / street_name(month)
    write_street_csv(path, street_rows(MonthKey(2024, month), release=MonthKey(2024, 12), seed=5))
    return path


def intake_pass(settings: Settings) -> tuple[list[tuple[str, str]], list[str]]:
    """What `pcp refresh` does for police.uk, without Dagster: plan (refusing what no source
    can take), then each dataset takes in its files. Returns (refused (name, reason), loaded)."""
    with no_hang():
        plan = plan_refresh(settings, POLICE)
        refused, loaded = list(plan.refused), []
        for source in POLICE:
            fmt = source.make_format(settings)
            files = list_landed(settings.landing_dir, fmt.landing_folder, fmt.claims)
            result = take_in(settings, fmt, files, run_id="test")
            refused += [(f.name, f.reason) for f in result.refused]
            loaded += [f.name for f in result.loaded]
    return refused, loaded


def raw_rows(settings: Settings, month: str = "") -> list[tuple]:
    """The raw police.uk street rows (of ``month``, YYYY-MM, when given), as loaded."""
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(
            "select * exclude (loaded_at) from raw.police_uk_street "
            "where strftime(partition_month, '%Y-%m') like ? || '%' order by all",
            [month],
        ).fetchall()


def manifest_rows(settings: Settings) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(
            "select source, original_name, sha256, status, reason, quarantine_path "
            "from ops.file_manifest order by taken_in_at"
        ).fetchall()


def status_output() -> str:
    result = CliRunner().invoke(main, ["status", "--wait", "0"])
    assert result.exit_code == 0, result.output
    return result.output


def written_text(settings: Settings) -> str:
    """Everything under the data dir (DuckDB files included), read without following a link,
    as text, to search for what must not be there."""
    chunks = []
    for path in settings.data_dir.rglob("*"):
        if stat.S_ISREG(path.lstat().st_mode):
            chunks.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(chunks)


def links_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_symlink()] if folder.exists() else []


# Each odd entry: how to make it in landing/police_uk/, and words its refusal must hold.
def _link_to_passwd(folder: Path) -> str:
    os.symlink("/etc/passwd", folder / street_name(6))
    return street_name(6)


def _link_to_canary(folder: Path) -> str:
    outside = folder.parent.parent.parent / "outside-landing.csv"
    outside.write_text(f"Crime ID,Month\n{CANARY},2024-06\n", encoding="utf-8")
    os.symlink(outside, folder / street_name(7))
    return street_name(7)


def _link_inside_landing(folder: Path) -> str:
    os.symlink(street_name(5), folder / street_name(8))  # to the good file beside it
    return street_name(8)


def _fifo(folder: Path) -> str:
    os.mkfifo(folder / street_name(9))
    return street_name(9)


def _socket(folder: Path) -> str:
    os.mknod(folder / street_name(10), stat.S_IFSOCK | 0o600)
    return street_name(10)


def _directory(folder: Path) -> str:
    (folder / street_name(11)).mkdir()
    (folder / street_name(11) / "inside.csv").write_text(f"{CANARY}\n", encoding="utf-8")
    return street_name(11)


def _long_name(folder: Path) -> str:
    name = "2024-06-" + "a" * (255 - len("2024-06--street.csv")) + "-street.csv"
    (folder / name).write_text("Crime ID\n", encoding="utf-8")
    return name


def _long_unclaimed_name(folder: Path) -> str:
    name = "x" * 251 + ".csv"
    (folder / name).write_text("anything\n", encoding="utf-8")
    return name


def _non_utf8_name(folder: Path) -> str:
    name = os.fsdecode(b"2024-06-leicestershire-street-\xff\xfe.csv")
    (folder / name).write_text("anything\n", encoding="utf-8")
    return name


def _newline_name(folder: Path) -> str:
    name = street_name(6) + "\n"  # a regex's $ would match before the newline: claimed
    (folder / name).write_text("anything\n", encoding="utf-8")
    return name


def _empty(folder: Path) -> str:
    (folder / street_name(3)).write_bytes(b"")
    return street_name(3)


def _header_only(folder: Path) -> str:
    deliver = folder / street_name(2)
    write_street_csv(deliver, [])
    return street_name(2)


ODD: dict[str, tuple[Callable[[Path], str], tuple[str, ...]]] = {
    "symlink to /etc/passwd": (_link_to_passwd, ("not a regular file", "symbolic link")),
    "symlink to a file outside landing": (_link_to_canary, ("not a regular file", "link")),
    "symlink inside landing": (_link_inside_landing, ("not a regular file", "symbolic link")),
    "FIFO": (_fifo, ("not a regular file", "FIFO")),
    "socket": (_socket, ("not a regular file", "socket")),
    "directory": (_directory, ("not a regular file", "directory")),
    "255-byte name": (_long_name, ("not configured",)),
    "255-byte unclaimed name": (_long_unclaimed_name, ("no source",)),
    "non-UTF-8 name": (_non_utf8_name, ("not UTF-8", "\\xff\\xfe")),
    "newline in the name": (_newline_name, ("control or invisible", "\\u000a")),
    "empty file": (_empty, ("line 1", "empty")),
    "header-only file": (_header_only, ("header but no data rows",)),
}


@pytest.mark.parametrize("case", list(ODD))
def test_an_odd_entry_is_refused_and_everything_else_carries_on(settings, case):
    deliver_month(settings, 4)
    assert intake_pass(settings) == ([], [street_name(4)])
    april = raw_rows(settings, "2024-04")
    make, words = ODD[case]
    folder = settings.landing_for("police_uk")
    good = deliver_month(settings, 5)
    name = make(folder)

    refused, loaded = intake_pass(settings)

    # A clear refusal of the odd entry, naming it (escaped), and nothing else refused.
    assert [shown(n) for n, _ in refused] == [shown(name)], refused
    reason = refused[0][1]
    assert reason.startswith(f"file {shown(name)}"), reason
    for word in words:
        assert word in reason, reason
    # The good file beside it loaded; the month loaded before is as it was.
    assert loaded == [good.name] and raw_rows(settings, "2024-05")
    assert raw_rows(settings, "2024-04") == april
    # Landing is empty, and no link was ever kept in the archive or quarantine.
    assert not any(os.scandir(folder))
    assert links_under(settings.archive_dir) == [] and links_under(settings.quarantine_dir) == []
    archived = [p for p in settings.archive_dir.rglob("*") if p.is_file()]
    assert all(stat.S_ISREG(p.lstat().st_mode) for p in archived)
    # The manifest has it, with a reason, and `pcp status` lists it, whatever its folder.
    refusals = [row for row in manifest_rows(settings) if row[3] == "refused"]
    assert len(refusals) == 1 and refusals[0][4] == reason
    shown_name = shown(name)
    assert shown_name in status_output()
    assert f"{shown_name} (" in status_output()
    # Its reason is kept in quarantine; the kept name fits any file system.
    kept = Path(refusals[0][5])
    assert kept.with_name(kept.name + ".reason.txt").read_text(encoding="utf-8").strip() == reason
    assert len(os.fsencode(kept.name + ".reason.json")) <= 255


@pytest.mark.parametrize("case", [c for c in ODD if "symlink" in c])
def test_nothing_a_link_points_at_is_read_named_or_touched(settings, case, tmp_path):
    folder = settings.landing_for("police_uk")
    folder.mkdir(parents=True, exist_ok=True)
    deliver_month(settings, 5)
    name = ODD[case][0](folder)
    target = folder / name
    pointed = Path(os.readlink(target))
    pointed = pointed if pointed.is_absolute() else folder / pointed
    before = (pointed.read_bytes(), pointed.stat().st_mode)

    refused, _ = intake_pass(settings)
    runner = status_output()

    everything = written_text(settings) + runner + json.dumps(refused)
    assert CANARY not in everything
    assert not any(marker in everything for marker in PASSWD_MARKERS)
    if case != "symlink inside landing":
        assert str(pointed) not in everything  # not even where it pointed
        assert (pointed.read_bytes(), pointed.stat().st_mode) == before
    assert not os.path.lexists(target)


def test_a_fifo_is_never_opened_by_the_sensors_or_status(settings):
    folder = settings.landing_for("police_uk")
    folder.mkdir(parents=True, exist_ok=True)
    os.mkfifo(folder / street_name(9))
    with no_hang(20):
        pending = pending_files(settings, POLICE)
        status = status_output()
    assert any("FIFO" in note and "pcp refresh" in note for note in pending.notes)
    assert f"{street_name(9)}: not a regular file: a FIFO" in status


def test_a_device_is_refused_unopened(settings):
    folder = settings.landing_for("police_uk")
    folder.mkdir(parents=True, exist_ok=True)
    try:
        os.mknod(folder / street_name(9), stat.S_IFCHR | 0o600, os.makedev(1, 5))  # /dev/zero
    except PermissionError:
        pytest.skip("creating a device node needs CAP_MKNOD")
    deliver_month(settings, 5)
    refused, loaded = intake_pass(settings)  # reading /dev/zero to hash it would never end
    assert [(n, "character device" in r) for n, r in refused] == [(street_name(9), True)]
    assert loaded == [street_name(5)]


def test_a_directory_is_moved_whole_and_unread(settings):
    folder = settings.landing_for("police_uk")
    folder.mkdir(parents=True, exist_ok=True)
    _directory(folder)
    refused, _ = intake_pass(settings)
    (row,) = [r for r in manifest_rows(settings) if r[3] == "refused"]
    kept = Path(row[5])
    assert kept.is_dir() and (kept / "inside.csv").read_text(encoding="utf-8") == f"{CANARY}\n"
    assert "moved whole into quarantine, unread" in refused[0][1]
    assert row[2] == ""  # never read, so no content hash


def test_an_odd_name_is_kept_under_a_bounded_name_with_the_original_recorded(settings):
    folder = settings.landing_for("police_uk")
    folder.mkdir(parents=True, exist_ok=True)
    raw_name = b"report-\xff-" + b"z" * 240 + b".csv"
    (folder / os.fsdecode(raw_name)).write_bytes(b"anything\n")
    intake_pass(settings)
    (row,) = [r for r in manifest_rows(settings) if r[3] == "refused"]
    kept = Path(row[5])
    assert kept.exists() and len(os.fsencode(kept.name)) <= QUARANTINE_NAME_BYTES
    assert kept.name.isascii() and kept.name.isprintable()
    details = json.loads(Path(f"{kept}.reason.json").read_text(encoding="utf-8"))
    assert bytes.fromhex(details["file_name_bytes_hex"]) == raw_name
    assert details["file"] == row[1] == "report-\\xff-" + "z" * 240 + ".csv"
    assert details["sha256"] == row[2] == hashlib.sha256(b"anything\n").hexdigest()
    # Shown capped: the start and the extension stay.
    line = next(x for x in status_output().splitlines() if "report-\\xff-" in x)
    assert "…" in line and "zzz.csv" in line and "z" * 200 not in line


def test_an_unreadable_file_is_refused_and_the_others_carry_on(settings, monkeypatch):
    """A file the warehouse's account may not read (another account's 0600 upload). The tests
    run as root, whom no file mode stops, so opening that one file is made to fail as it would
    (PermissionError, EACCES) at the one place landing files are opened."""
    deliver_month(settings, 4)
    unreadable = deliver_month(settings, 5)
    good = deliver_month(settings, 6)
    real_open = files.open_regular

    def denied_for_one(path):
        if Path(path).name == unreadable.name:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path)

    monkeypatch.setattr(files, "open_regular", denied_for_one)

    refused, loaded = intake_pass(settings)

    assert refused == [
        (
            unreadable.name,
            f"file {unreadable.name}: the file cannot be read (EACCES); expected a file the "
            "warehouse's user may read",
        )
    ]
    assert loaded == [street_name(4), good.name]
    assert raw_rows(settings, "2024-04") and raw_rows(settings, "2024-06")
    assert not raw_rows(settings, "2024-05")
    (row,) = [r for r in manifest_rows(settings) if r[3] == "refused"]
    assert row[1] == unreadable.name and row[2] == ""  # never read: no content hash
    assert f"{unreadable.name} (" in status_output()


def test_a_claimed_255_byte_name_loads_and_is_archived_under_its_hash(settings):
    """A partner return under the longest name a file system allows: it is the partner's own
    file (claimed by its prefix), so it loads; the archive keeps it under its content hash, and
    the manifest the name as delivered."""
    name = "partner-return-" + "q" * (255 - len("partner-return-.csv")) + ".csv"
    assert len(os.fsencode(name)) == 255
    folder = settings.landing_for("partner_returns")
    folder.mkdir(parents=True, exist_ok=True)
    path = write(
        folder / name,
        RETURN_HEADER,
        [["37", "E23000021", "2025/26-Q1", "12", "", "", "Someone", "2025-07-08"]],
    )
    sha = hashlib.sha256(path.read_bytes()).hexdigest()

    result = take(settings, PartnerReturnFormat(), RETURNS_SUITE, "partner_returns")

    assert [f.name for f in result.loaded] == [name], result.refused
    archived = [p for p in settings.archive_dir.rglob("*") if p.is_file()]
    assert [p.name for p in archived] == [f"{sha}.csv"]
    assert not any(os.scandir(folder))
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        assert con.execute(
            "select original_name, status, archive_path from ops.file_manifest"
        ).fetchall() == [(name, "loaded", str(archived[0]))]
        assert con.execute("select value::double from raw.partner_returns").fetchall() == [(12.0,)]


def test_archive_names_are_content_hashes_whatever_the_name():
    sha = "ab" * 32
    assert archive_path_for(Path("/a"), "s", sha, "x" * 250 + ".csv").name == f"{sha}.csv"
    assert archive_path_for(Path("/a"), "s", sha, "x." + "y" * 250).name == f"{sha}.bin"
    assert archive_path_for(Path("/a"), "s", sha, os.fsdecode(b"a.\xff")).name == f"{sha}.bin"


def test_an_unforeseen_error_in_one_file_refuses_that_file_only(settings):
    """A format that fails in a way no check foresaw (here: a real subclass whose staging
    raises for one file) refuses that file, without quoting the error's message."""

    class FailsOnMay(StreetFormat):
        def stage_batch(self, con, files):
            if any(name == street_name(5) for _, name in files):
                raise RuntimeError(f"boom near {CANARY}")
            return super().stage_batch(con, files)

        def stage(self, con, path, file_name):
            if file_name == street_name(5):
                raise RuntimeError(f"boom near {CANARY}")
            return super().stage(con, path, file_name)

    for month in (4, 5, 6):
        deliver_month(settings, month)
    fmt = FailsOnMay(settings.forces)
    result = take_in(settings, fmt, list_landed(settings.landing_dir, "police_uk"), "test")
    assert [f.name for f in result.loaded] == [street_name(4), street_name(6)]
    assert [f.name for f in result.refused] == [street_name(5)]
    assert "(RuntimeError)" in result.refused[0].reason
    assert CANARY not in written_text(settings)


def test_a_file_swapped_for_a_link_after_the_survey_is_refused_unread(settings):
    good = deliver_month(settings, 5)
    files = list_landed(settings.landing_dir, "police_uk")
    good.unlink()
    os.symlink("/etc/passwd", good)
    result = take_in(settings, StreetFormat(settings.forces), files, "test")
    assert [f.name for f in result.refused] == [good.name] and not result.loaded
    assert "not a regular file" in result.refused[0].reason
    assert not any(m in written_text(settings) for m in PASSWD_MARKERS)


# ---- Empty and zero-row files, for every source ----------------------------------------


def _header_of(dataset: str) -> str:
    """The header line a file of the dataset needs, from the format's own column list."""
    from orchestration.defs.csew import format as csew
    from orchestration.defs.home_office import format as home_office
    from orchestration.defs.partner_returns import format as partner_returns
    from orchestration.defs.police_uk import format as police_uk
    from orchestration.defs.stats19 import format as stats19
    from orchestration.defs.victim_survey import format as victim_survey

    tables = {
        "home_office_csp_crime": home_office.COLUMNS,
        "partner_returns": partner_returns.COLUMNS,
        "victim_survey": victim_survey.COLUMNS,
        "csew_force_estimates": csew.COLUMNS,
    }
    if dataset in tables:
        return ",".join(c.name for c in tables[dataset])
    if dataset.startswith("stats19_"):
        return ",".join(stats19.TABLES[dataset.removeprefix("stats19_")].columns)
    return ",".join(police_uk.OUTCOMES_HEADER if "outcomes" in dataset else police_uk.HEADER)


FILE_NAMES = {
    "police_uk_street": "2024-05-leicestershire-street.csv",
    "police_uk_outcomes": "2024-05-leicestershire-outcomes.csv",
    "stats19_collision": "dft-road-casualty-statistics-collision-2023.csv",
    "stats19_casualty": "dft-road-casualty-statistics-casualty-2023.csv",
    "stats19_vehicle": "dft-road-casualty-statistics-vehicle-2023.csv",
    "stats19_casualty_adjustment": "dft-road-casualty-statistics-casualties-adjustment-last-5-years.csv",
    "stats19_collision_adjustment": "dft-road-casualty-statistics-collision-adjustment-last-5-years.csv",
    "victim_survey": "victim-survey-force-2024-05.csv",
    "home_office_csp_crime": "prc-csp-2024.csv",
    "partner_returns": "partner-return-2024-q1.csv",
    "csew_force_estimates": "csew-2024.csv",
}


def _take_alone(settings: Settings, dataset: str) -> list[tuple[str, str]]:
    (source,) = [s for s in INTAKE_SOURCES if s.make_format(settings).dataset == dataset]
    fmt = source.make_format(settings)
    files = list_landed(settings.landing_dir, fmt.landing_folder, fmt.claims)
    work = survey_landing(settings, fmt, files, run_id=None)
    result = take_in(settings, fmt, work.files, run_id="test")
    return [(f.name, f.reason) for f in [*work.refused, *result.refused]]


@pytest.mark.parametrize("dataset", list(FILE_NAMES))
@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", ("line 1", "empty")),
        (b"\xef\xbb\xbf\r\n", ("line 1", "empty")),
        (None, ("header but no data rows",)),
    ],
    ids=["0 bytes", "BOM and a blank line", "header only"],
)
def test_an_empty_or_zero_row_file_is_refused_for_every_source(settings, dataset, content, words):
    name = FILE_NAMES[dataset]
    source = next(s for s in INTAKE_SOURCES if s.make_format(settings).dataset == dataset)
    folder = settings.landing_for(source.make_format(settings).landing_folder)
    folder.mkdir(parents=True, exist_ok=True)
    data = content if content is not None else (_header_of(dataset) + "\r\n").encode()
    (folder / name).write_bytes(data)

    refused = _take_alone(settings, dataset)

    assert [n for n, _ in refused] == [name], refused
    for word in words:
        assert word in refused[0][1], refused[0][1]
    assert not (folder / name).exists()


@pytest.mark.parametrize(
    "name", ["partner-return-2024-q1.xlsx", "prc-csp-2024.xlsx", "victim-survey-force-2024-05.xlsx"]
)
def test_an_empty_workbook_is_refused(settings, name):
    fmt = next(f for f in (s.make_format(settings) for s in INTAKE_SOURCES) if f.claims(name))
    folder = settings.landing_for(fmt.landing_folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(b"")
    refused = _take_alone(settings, fmt.dataset)
    assert [n for n, _ in refused] == [name]
    assert "not a readable Excel (.xlsx) workbook" in refused[0][1]


# ---- `pcp status` lists every refused file, whatever the folder ------------------------


def test_pcp_status_lists_refused_files_from_every_folder(settings):
    folders = sorted({s.make_format(settings).landing_folder for s in INTAKE_SOURCES})
    for folder in folders:
        settings.landing_for(folder).mkdir(parents=True, exist_ok=True)
        (settings.landing_for(folder) / f"not-for-{folder}.txt").write_text("x\n")
    os.symlink("/etc/passwd", settings.landing_for("stats19") / "a-link.csv")
    with no_hang():
        plan = plan_refresh(settings, INTAKE_SOURCES)
    assert len(plan.refused) == len(folders) + 1

    output = status_output()

    for folder in folders:
        line = next(x for x in output.splitlines() if f"not-for-{folder}.txt (" in x)
        assert f"no source of this warehouse takes this file in landing/{folder}/" in line
    assert "a-link.csv (" in output and "symbolic link" in output
    assert not any(marker in output for marker in PASSWD_MARKERS)
    listed = {f.folder for f in read_folder_status(settings)}
    # Folders that are a dataset's name list their refusals under the dataset.
    assert listed == {"police_uk", "stats19", "home_office", "csew"}


def test_a_refusal_shows_a_name_escaped_and_capped():
    text = str(FileRefused(file_name="a\u202eb" + "c" * 300, problem="p", expected="e"))
    assert "\u202e" not in text and "\\u202e" in text
    assert len(text) < 200


def test_scanning_landing_never_follows_or_opens_what_is_not_a_file(settings, tmp_path):
    folder = settings.landing_for("police_uk")
    folder.mkdir(parents=True, exist_ok=True)
    os.mkfifo(folder / "pipe.csv")
    os.symlink("/etc/passwd", folder / "passwd.csv")
    os.symlink(folder, folder / "loop")  # a link to landing itself
    with socket.socket(socket.AF_UNIX) as sock:
        with contextlib.chdir(folder):
            sock.bind("sock.csv")
        with no_hang(10):
            scan = scan_landing(settings.landing_dir, "police_uk")
    assert scan.files == []
    assert sorted(e.name for e in scan.unusable) == ["loop", "passwd.csv", "pipe.csv", "sock.csv"]
    assert all(e.sha256 is None for e in scan.unusable)


def test_a_landing_folder_that_is_a_link_is_not_read_and_is_reported(settings, tmp_path):
    """landing/police_uk as a symbolic link to a folder elsewhere: nothing under the target is
    read, archived or refused (the link is the operator's, left in place); refresh, status and
    the sensors say the folder is not read."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    write_street_csv(
        elsewhere / street_name(5),
        street_rows(MonthKey(2024, 5), release=MonthKey(2024, 12), seed=5),
    )
    settings.landing_dir.mkdir(parents=True, exist_ok=True)
    os.symlink(elsewhere, settings.landing_for("police_uk"))
    warning = "landing/police_uk is a symbolic link: not read"

    with no_hang():
        scan = scan_landing(settings.landing_dir, "police_uk")
        plan = plan_refresh(settings, POLICE)
        refused, loaded = intake_pass(settings)
        notes = pending_files(settings, POLICE).notes

    assert (scan.files, scan.unusable) == ([], [])
    assert scan.folder_problem is not None and scan.folder_problem.startswith(warning)
    assert [w[: len(warning)] for w in plan.warnings] == [warning]
    assert (refused, loaded) == ([], [])
    assert any(note.startswith(warning) for note in notes)
    assert f"WARNING       : {warning}" in status_output()
    assert os.path.islink(settings.landing_for("police_uk"))
    assert sorted(p.name for p in elsewhere.iterdir()) == [street_name(5)]
    assert not (settings.archive_dir.exists() and any(settings.archive_dir.rglob("*.csv")))


def test_a_landing_folder_that_is_a_file_is_reported_not_a_crash(settings):
    settings.landing_dir.mkdir(parents=True, exist_ok=True)
    settings.landing_for("stats19").write_text("not a folder\n")

    with no_hang():
        plan = plan_refresh(settings, INTAKE_SOURCES)

    assert plan.warnings == [
        "landing/stats19 is a regular file: not read (a landing folder must be a folder "
        "itself, not a link to one: deliver into a real folder there)"
    ]
