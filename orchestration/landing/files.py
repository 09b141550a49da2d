"""Finding delivered files in a landing folder and fingerprinting them by content.

Only regular files are ever opened. Every other entry of a landing folder (a symbolic link, to
anything, even inside landing; a directory; a FIFO, socket or device) is reported as an
``UnusableEntry`` without being opened or followed: a link could point at /etc/passwd, and
reading a FIFO waits forever. Files are opened with ``O_NOFOLLOW | O_NONBLOCK`` and checked
again once open, so an entry swapped for a link or a pipe after it was listed is caught too.
A regular file whose name is not plain text (bytes that are not UTF-8, control characters) is
unusable as well: no source's name can match it, and it must not reach a log or the manifest.
A landing folder that is itself a link (or not a folder) is not read at all, and reported.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from orchestration.landing.names import name_problem

_CHUNK = 1 << 20
NOT_REGULAR = "not a regular file"
REGULAR_EXPECTED = (
    "a regular file saved in the landing folder itself (not a link, a folder, a pipe, a socket "
    "or a device)"
)
NAME_EXPECTED = (
    "a file name of printable UTF-8 text, as the folder's sources name their files (rename "
    "the file and deliver it again)"
)


class NotARegularFile(OSError):
    """The path, once opened without following links, is not a regular file."""


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISCHR(mode):
        return "a character device"
    return "not a file"


def open_regular(path: Path):
    """Open a delivered file for reading, never through a link and never blocking on a pipe;
    raises ``NotARegularFile`` when what is there is not a regular file."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        if error.errno == errno.ELOOP:  # O_NOFOLLOW met a link
            raise NotARegularFile(errno.ELOOP, "a symbolic link", str(path)) from None
        raise
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        raise NotARegularFile(errno.EINVAL, _kind(mode), str(path))
    return os.fdopen(descriptor, "rb")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open_regular(path) as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def is_regular(path: Path) -> bool:
    """True when the entry itself (not what a link points at) is a regular file."""
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


@dataclass(frozen=True)
class LandedFile:
    """A file waiting in ``landing/<source>/``."""

    source: str
    path: Path
    sha256: str
    # When the file was written into landing (its modification time): the delivery time that
    # point-in-time questions ("what had arrived by the 20th?") are answered from.
    modified_at: datetime | None = None

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def received_at(self) -> datetime:
        """When the file was delivered: its modification time, never later than now (a clock
        ahead of ours, or a file touched into the future, does not date a delivery ahead)."""
        now = datetime.now(UTC)
        return min(self.modified_at, now) if self.modified_at else now


@dataclass(frozen=True)
class UnusableEntry:
    """An entry of a landing folder that no source can take, whatever its name: refused by
    ``pcp refresh`` (landing/unusable.py). ``sha256`` is None when it was not read (anything
    but a regular file is never opened)."""

    source: str  # the landing folder
    path: Path
    problem: str
    expected: str
    modified_at: datetime | None = None
    sha256: str | None = None
    regular: bool = False  # a regular file (with an unusable name): it may be copied

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def received_at(self) -> datetime:
        now = datetime.now(UTC)
        return min(self.modified_at, now) if self.modified_at else now


@dataclass
class LandingScan:
    """A landing folder's regular files (hashed, delivery order) and its unusable entries; or,
    when the folder itself is not one to read, why (``folder_problem``) and nothing else."""

    files: list[LandedFile] = field(default_factory=list)
    unusable: list[UnusableEntry] = field(default_factory=list)
    folder_problem: str | None = None


def landing_folder_problem(landing_dir: Path, source: str) -> str | None:
    """Why ``landing/<source>`` is not read, or None when it is a folder (or not there yet).

    The folder is looked at itself, not what a link points to: a landing folder that is a
    symbolic link would have every file under its target read and archived, wherever that is
    (another source's folder, /etc). It is left where it is, unread, and reported."""
    try:
        mode = (landing_dir / source).lstat().st_mode
    except FileNotFoundError:
        return None
    if stat.S_ISDIR(mode):
        return None
    what = "a regular file" if stat.S_ISREG(mode) else _kind(mode)
    return (
        f"landing/{source} is {what}: not read (a landing folder must be a folder itself, "
        "not a link to one: deliver into a real folder there)"
    )


def _waits_for_completion(name: str) -> bool:
    """Hidden files and partial uploads (``.part``, ``.tmp``) are left alone until complete."""
    return name.startswith(".") or Path(name).suffix in {".part", ".tmp"}


def _when(mtime_ns: int) -> datetime:
    return datetime.fromtimestamp(mtime_ns / 1e9, UTC)


def _hash_or_error(path: Path) -> str | OSError:
    try:
        return sha256_of(path)
    except OSError as error:  # gone, swapped for a link or a pipe, or unreadable
        return error


def scan_landing(
    landing_dir: Path, source: str, wanted: Callable[[str], bool] | None = None
) -> LandingScan:
    """Every entry of the source's landing folder: its regular files with plain names, oldest
    first (delivery order), hashed; and every other entry, unopened, as ``UnusableEntry`` (a
    regular file with an unusable name is hashed, for the manifest, only without ``wanted``).
    With ``wanted``, only the regular files whose names are wanted are read and returned."""
    folder = landing_dir / source
    problem = landing_folder_problem(landing_dir, source)
    if problem is not None or not folder.exists():
        return LandingScan(folder_problem=problem)
    scan = LandingScan()
    # (modification time, name, path, why the name is unusable or None), to read and hash
    candidates: list[tuple[int, str, Path, str | None]] = []
    with os.scandir(folder) as entries:
        for entry in entries:
            name = entry.name
            if _waits_for_completion(name):
                continue
            path = folder / name
            try:
                info = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            if not stat.S_ISREG(info.st_mode):
                scan.unusable.append(
                    UnusableEntry(
                        source,
                        path,
                        f"{NOT_REGULAR}: {_kind(info.st_mode)}",
                        REGULAR_EXPECTED,
                        _when(info.st_mtime_ns),
                    )
                )
                continue
            problem = name_problem(name)
            if problem is not None and wanted is not None:  # listed, not read
                scan.unusable.append(
                    UnusableEntry(
                        source, path, problem, NAME_EXPECTED, _when(info.st_mtime_ns), regular=True
                    )
                )
            elif problem is not None or wanted is None or wanted(name):
                candidates.append((info.st_mtime_ns, name, path, problem))
    candidates.sort()
    # hashlib lets go of the GIL while it hashes: one thread per core reads and hashes.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        hashes = list(pool.map(_hash_or_error, [c[2] for c in candidates]))
    for (mtime_ns, _, path, problem), sha256 in zip(candidates, hashes, strict=True):
        when = _when(mtime_ns)
        if isinstance(sha256, FileNotFoundError):
            continue  # it went away since it was listed: nothing to say
        if isinstance(sha256, NotARegularFile):  # swapped for a link or a pipe since listed
            scan.unusable.append(
                UnusableEntry(
                    source, path, f"{NOT_REGULAR}: {sha256.strerror}", REGULAR_EXPECTED, when
                )
            )
        elif isinstance(sha256, OSError):
            code = errno.errorcode.get(sha256.errno or 0, "an error")
            scan.unusable.append(
                UnusableEntry(
                    source,
                    path,
                    f"the file cannot be read ({code})",
                    "a file the warehouse's user may read",
                    when,
                    regular=True,
                )
            )
        elif problem is not None:
            scan.unusable.append(
                UnusableEntry(source, path, problem, NAME_EXPECTED, when, sha256, regular=True)
            )
        else:
            scan.files.append(LandedFile(source, path, sha256, when))
    return scan


def list_landed(
    landing_dir: Path, source: str, wanted: Callable[[str], bool] | None = None
) -> list[LandedFile]:
    """Every regular file with a plain name in the source's landing folder, oldest first
    (delivery order); only those whose names are ``wanted``, when given (the others are not
    read). Unusable entries are left for ``pcp refresh`` to refuse (``scan_landing``)."""
    return scan_landing(landing_dir, source, wanted).files


def landed_names(landing_dir: Path, source: str) -> list[str]:
    """The names of the regular files waiting in a landing folder, without reading them."""
    folder = landing_dir / source
    if landing_folder_problem(landing_dir, source) is not None or not folder.exists():
        return []
    with os.scandir(folder) as entries:
        return sorted(
            entry.name
            for entry in entries
            if not _waits_for_completion(entry.name)
            and entry.is_file(follow_symlinks=False)
            and name_problem(entry.name) is None
        )
