"""Delivered file names as a person (and a log, a manifest, a path) can safely hold them.

A name in landing is whatever the sender's system allowed: up to 255 bytes, bytes that are not
UTF-8 (Python keeps them as lone surrogates, ``os.fsdecode``'s surrogateescape), control or
invisible characters (a newline, a right-to-left override). Such a name is shown escaped and
capped, never as it stands, and never becomes part of a path longer than the file system takes.
"""

from __future__ import annotations

import hashlib
import os
import re

# What a refusal, a log line or `pcp status` shows of a name at most (the full escaped name is
# kept in the manifest and the quarantine's .reason.json).
SHOWN_CHARACTERS = 120
# Bytes of the delivered name kept in a quarantine file name: with the stamp, a hash prefix and
# the ``.reason.json`` beside it, well under the 255 bytes a file name may have.
QUARANTINE_NAME_BYTES = 150

_SURROGATE_ESCAPES = range(0xDC80, 0xDD00)  # how os.fsdecode keeps a byte that is not UTF-8


def escaped(name: str) -> str:
    """The name with every byte that is not UTF-8 as ``\\xNN`` and every control or invisible
    character as ``\\uNNNN``: printable text that names the file. Escaping twice changes
    nothing, so a name read back from the manifest can be shown again."""
    out = []
    for char in name:
        code = ord(char)
        if code in _SURROGATE_ESCAPES:
            out.append(f"\\x{code - 0xDC00:02x}")
        elif not char.isprintable():
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(char)
    return "".join(out)


def shown(name: str, limit: int = SHOWN_CHARACTERS) -> str:
    """The name as refusals, logs and `pcp status` show it: escaped, and capped at ``limit``
    characters (the middle elided, so both the start and the extension stay)."""
    text = escaped(name)
    if len(text) <= limit:
        return text
    tail = 12
    return f"{text[: limit - tail - 1]}…{text[-tail:]}"


def name_problem(name: str) -> str | None:
    """Why a name cannot be taken as it stands (it would be shown escaped, so it cannot be the
    name a source expects), or None for a plain name."""
    if any(ord(c) in _SURROGATE_ESCAPES for c in name):
        return "the file name is not UTF-8 text"
    if not name.isprintable():
        return "the file name has control or invisible characters"
    return None


def is_plain(name: str) -> bool:
    return name_problem(name) is None


def quarantine_name(stamp: str, name: str, identity: str) -> str:
    """The name a refused entry is kept under in quarantine: ``<stamp>-<name>`` for a plain name
    of reasonable length (as always); otherwise ``<stamp>-<identity[:12]>-<safe part>``, with
    only letters, digits, ``.``, ``_`` and ``-`` from the name, capped, so no name is too long
    for the file system and none carries control characters. The full name is in the reason."""
    if is_plain(name) and len(os.fsencode(name)) <= QUARANTINE_NAME_BYTES:
        return f"{stamp}-{name}"
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name.encode("ascii", "replace").decode("ascii"))
    safe = safe.strip("._") or "unnamed"
    if len(safe) > 80:
        safe = safe[:60] + "_" + safe[-19:]  # keep the extension in view
    return f"{stamp}-{identity[:12]}-{safe}"


def name_identity(name: str) -> str:
    """A hex digest of the name's bytes: an identity for an entry whose content is not read."""
    return hashlib.sha256(os.fsencode(name)).hexdigest()
