"""Finding delivered files in a landing folder and fingerprinting them by content."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

_CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


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


def list_landed(
    landing_dir: Path, source: str, wanted: Callable[[str], bool] | None = None
) -> list[LandedFile]:
    """Every regular file in the source's landing folder, oldest first (delivery order); only
    those whose names are ``wanted``, when given (the others are not read).

    Hidden files and partial uploads (``.part``, ``.tmp``) are left alone until complete.
    """
    folder = landing_dir / source
    if not folder.is_dir():
        return []
    paths = [
        p
        for p in folder.iterdir()
        if p.is_file()
        and not p.name.startswith(".")
        and p.suffix not in {".part", ".tmp"}
        and (wanted is None or wanted(p.name))
    ]
    stamped = sorted((p.stat().st_mtime_ns, p.name, p) for p in paths)
    # hashlib lets go of the GIL while it hashes: one thread per core reads and hashes.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        hashes = list(pool.map(sha256_of, [p for _, _, p in stamped]))
    return [
        LandedFile(source, path, sha256, datetime.fromtimestamp(mtime_ns / 1e9, UTC))
        for (mtime_ns, _, path), sha256 in zip(stamped, hashes, strict=True)
    ]
