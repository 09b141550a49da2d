"""Keeping every delivered file: accepted ones in a content-addressed archive, refused ones in
quarantine beside a reason a person can read."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import stat
from datetime import UTC, datetime
from pathlib import Path

from orchestration.landing.files import NotARegularFile, is_regular
from orchestration.landing.names import escaped, is_plain, name_identity, quarantine_name
from orchestration.landing.refusal import REASON_VERSION, FileRefused


def archive_path_for(archive_dir: Path, source: str, sha256: str, original_name: str) -> Path:
    """``<sha256>.<extension>``: the name is the content's hash, whatever the delivered name
    (a 255-byte name, or one that is not UTF-8, cannot make it too long or unsafe); only a short
    alphanumeric extension is kept from the name."""
    suffix = Path(original_name).suffix
    if not re.fullmatch(r"\.[A-Za-z0-9]{1,10}", suffix):
        suffix = ".bin"
    return archive_dir / source / sha256[:2] / f"{sha256}{suffix}"


def archive_copy(archive_dir: Path, source: str, path: Path, sha256: str) -> Path:
    """Keep a file in the archive under its content hash (once: same bytes, same place).

    Archive first, write the warehouse, then remove from landing: a crash in between leaves the
    file in landing to be picked up again, never lost. On the same file system the archive
    entry is a hard link (the bytes are not copied; removing the landing name leaves them in
    the archive alone); elsewhere it is a copy.
    """
    target = archive_path_for(archive_dir, source, sha256, path.name)
    if not is_regular(path):  # swapped for a link or a pipe since it was checked: never kept
        raise NotARegularFile(errno.EINVAL, "not a regular file", str(path))
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(target.suffix + ".part")
        partial.unlink(missing_ok=True)
        try:
            # Never through a link: only regular files reach the archive (landing/files.py).
            os.link(path, partial, follow_symlinks=False)
        except OSError:  # another file system, or one without hard links
            shutil.copy2(path, partial, follow_symlinks=False)
        partial.replace(target)
    return target


def remove_partial_copies(archive_dir: Path) -> list[Path]:
    """Remove what an archive copy interrupted by a crash left (``*.part``). Called under the
    warehouse's writer lock, so no copy is in progress; the file is still in landing (it is
    removed from there only once archived and loaded) and is archived again."""
    partial = list(archive_dir.glob("*/*/*.part")) if archive_dir.is_dir() else []
    for path in partial:
        path.unlink(missing_ok=True)
    return partial


def quarantine(
    quarantine_dir: Path, source: str, path: Path, sha256: str | None, refusal: FileRefused
) -> Path:
    """Move a refused file out of landing, with ``.reason.txt`` and ``.reason.json`` beside it.

    Kept as ``<stamp>-<name>``, or, for a name that is long or not plain text, under a bounded
    name (stamp, hash prefix, the name's safe characters): the delivered name is in the reason,
    escaped (and, when it is not plain, as hex bytes), so no name is too long to keep.
    """
    stamp = _stamp()
    target = _quarantine_target(quarantine_dir, source, stamp, path.name, sha256)
    shutil.move(str(path), target)
    _write_reason(target, stamp, source, path.name, sha256, refusal)
    return target


def quarantine_entry(
    quarantine_dir: Path, source: str, path: Path, refusal: FileRefused
) -> tuple[Path, FileRefused]:
    """Take an entry that is not a regular file out of landing, never opening, copying or
    following it. A directory is renamed whole into quarantine, its contents unread (a folder
    dropped by mistake keeps what it holds). Anything else (a symbolic link, a FIFO, a socket, a
    device) holds no delivered bytes: it is removed from landing, and only its reason is kept.
    A link kept in quarantine would still point outside (a later ``cp`` back into landing, or a
    ``chmod`` over quarantine, would follow it). When the entry cannot be taken out (another
    file system, no permission) it stays in landing and the refusal says so. Returns where its
    reason is kept and the refusal as recorded."""
    stamp = _stamp()
    target = _quarantine_target(quarantine_dir, source, stamp, path.name, None)
    try:
        if stat.S_ISDIR(path.lstat().st_mode):
            os.rename(path, target)
            done = "moved whole into quarantine, unread"
        else:
            os.unlink(path)  # the entry itself: a link's target is never touched
            done = "removed from landing, never opened or followed"
    except FileNotFoundError:
        raise  # gone since it was listed: nothing to refuse
    except OSError as error:
        code = errno.errorcode.get(error.errno or 0, "error")
        done = f"left in landing: it could not be taken out, {code}"
    refusal = FileRefused(
        file_name=refusal.file_name,
        problem=f"{refusal.problem} ({done})",
        expected=refusal.expected,
    )
    _write_reason(target, stamp, source, path.name, None, refusal)
    return target, refusal


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def _quarantine_target(
    quarantine_dir: Path, source: str, stamp: str, name: str, sha256: str | None
) -> Path:
    folder = quarantine_dir / source
    folder.mkdir(parents=True, exist_ok=True)
    identity = sha256 or name_identity(name)
    target, copy = folder / quarantine_name(stamp, name, identity), 1
    # Never over an entry refused before in the same second (the same name delivered twice).
    while os.path.lexists(target) or target.with_name(target.name + ".reason.txt").exists():
        copy += 1
        target = folder / quarantine_name(f"{stamp}-{copy}", name, identity)
    return target


def _write_reason(
    target: Path, stamp: str, source: str, name: str, sha256: str | None, refusal: FileRefused
) -> None:
    reason = {
        "file": escaped(name),
        "source": source,
        "sha256": sha256,  # None: not read (not a regular file)
        "refused_at": stamp,
        "reason": str(refusal),
        "reason_version": REASON_VERSION,  # the rules it was written under (refusal.py)
        "problem": refusal.problem,
        "line": refusal.row,
        "column": refusal.column,
        "expected": refusal.expected,
        "found": refusal.found,
        **refusal.details(),
    }
    if not is_plain(name):
        reason["file_name_bytes_hex"] = os.fsencode(name).hex()
    target.with_name(target.name + ".reason.txt").write_text(str(refusal) + "\n", encoding="utf-8")
    target.with_name(target.name + ".reason.json").write_text(
        json.dumps(reason, indent=2) + "\n", encoding="utf-8"
    )
