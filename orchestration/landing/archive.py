"""Keeping every delivered file: accepted ones in a content-addressed archive, refused ones in
quarantine beside a reason a person can read."""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from orchestration.landing.refusal import FileRefused


def archive_path_for(archive_dir: Path, source: str, sha256: str, original_name: str) -> Path:
    suffix = "".join(Path(original_name).suffixes[-1:]) or ".bin"
    return archive_dir / source / sha256[:2] / f"{sha256}{suffix}"


def archive_copy(archive_dir: Path, source: str, path: Path, sha256: str) -> Path:
    """Keep a file in the archive under its content hash (once: same bytes, same place).

    Archive first, write the warehouse, then remove from landing: a crash in between leaves the
    file in landing to be picked up again, never lost. On the same file system the archive
    entry is a hard link (the bytes are not copied; removing the landing name leaves them in
    the archive alone); elsewhere it is a copy.
    """
    target = archive_path_for(archive_dir, source, sha256, path.name)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(target.suffix + ".part")
        partial.unlink(missing_ok=True)
        try:
            os.link(path, partial)
        except OSError:  # another file system, or one without hard links
            shutil.copy2(path, partial)
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
    quarantine_dir: Path, source: str, path: Path, sha256: str, refusal: FileRefused
) -> Path:
    """Move a refused file out of landing, with ``.reason.txt`` and ``.reason.json`` beside it."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = quarantine_dir / source
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{stamp}-{path.name}"
    shutil.move(str(path), target)
    reason = {
        "file": path.name,
        "source": source,
        "sha256": sha256,
        "refused_at": stamp,
        "reason": str(refusal),
        "problem": refusal.problem,
        "line": refusal.row,
        "column": refusal.column,
        "expected": refusal.expected,
        "found": refusal.found,
        **refusal.details(),
    }
    target.with_name(target.name + ".reason.txt").write_text(str(refusal) + "\n", encoding="utf-8")
    target.with_name(target.name + ".reason.json").write_text(
        json.dumps(reason, indent=2) + "\n", encoding="utf-8"
    )
    return target
