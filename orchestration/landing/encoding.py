"""Reading delivered text whatever it was saved as: UTF-8 (with or without BOM) or Windows-1252."""

from __future__ import annotations

import tempfile
from pathlib import Path

from orchestration.landing.refusal import FileRefused


def is_utf8(path: Path) -> bool:
    """True when the file is UTF-8 (with or without BOM) as it stands: DuckDB can read it."""
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def utf8_copy(path: Path) -> Path:
    """Return a path DuckDB can read as UTF-8: the file itself, or a transcoded copy.

    Files saved from Excel arrive as Windows-1252; a BOM is harmless to DuckDB but the header
    check below needs it stripped.
    """
    raw = path.read_bytes()
    try:
        raw.decode("utf-8")
        return path
    except UnicodeDecodeError as utf8_error:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            line = raw.count(b"\n", 0, utf8_error.start) + 1
            raise FileRefused(
                file_name=path.name,
                row=line,
                problem=f"unreadable bytes at byte offset {utf8_error.start}",
                expected="text encoded as UTF-8 (with or without BOM) or Windows-1252",
                found=raw[utf8_error.start : utf8_error.start + 8].hex(" "),
            ) from None
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", newline="", suffix=".csv", delete=False
    ) as handle:
        handle.write(text)
    return Path(handle.name)
