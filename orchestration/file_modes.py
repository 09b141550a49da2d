"""Who may read what: the modes of everything the warehouse writes, in one place.

The published copy, the alert log and the outbox hold restricted figures; the warehouse holds
victims' survey comments (schema ``restricted``), and the archive and quarantine hold delivered
files whole, comments included. So everything under the data dir is 0640 (files) and 0750
(folders): the account that runs the warehouse writes, a group reads, others get nothing.
PCP_FILE_GROUP (e.g. the analysts) is the group of the published copy, alerts and packs (their
folders carry the set-group-ID bit so files created later get that group too): analysts read the
marts in ``published/``, which never holds the ``restricted`` schema. The warehouse (with its
``.wal``, lock and temporary files), archive, quarantine and the run logs stay in the account's
own group (the data engineers). The data dir itself is in the readers' group (so they can reach
``published/``) but without set-group-ID: the warehouse's ``.wal``, born there during a refresh,
is never the readers' even for a moment. The public board pack in packs/ is the one output
anyone may read (0644).

Three layers, so nothing depends on each writer remembering: the process umask (0o027, set at
CLI and Dagster start, so DuckDB's own .wal and temporary files, dbt's and Parquet files are
born private); ``secure_data_dir`` at each refresh and publication, which also tightens what
an older release left world-readable and what keeps its mode when moved or linked (a landing
file archived as a hard link, a refused file moved to quarantine); and explicit modes for files
written outside the data dir (board packs).

Landing belongs to whoever delivers into it (a partner's drop folder may be group-writable): there
only the bits for others are cleared, the owner's and group's are left as they are.
"""

from __future__ import annotations

import grp
import os
import stat
from pathlib import Path

UMASK = 0o027
FILE_MODE, DIR_MODE = 0o640, 0o750
PUBLIC_FILE_MODE, PUBLIC_DIR_MODE = 0o644, 0o755
OTHERS = 0o007
# What only data engineers read: delivered files whole (survey comments), refusal reasons and
# run logs, and the warehouse (its ``restricted`` schema holds survey comments): the entries of
# the data dir with these names, or, for the warehouse, starting with its file's name (its
# ``.wal``, ``.lock`` and ``.tmp`` beside it). With PCP_FILE_GROUP set they stay in the
# account's own group, not the readers'.
ENGINEERS_ONLY = frozenset({"archive", "quarantine", "dagster", "logs", "dbt"})
WAREHOUSE_FILE = "warehouse.duckdb"


def is_engineers_only(name: str) -> bool:
    """Whether the data dir's entry ``name`` (and all under it) is for data engineers only."""
    return name in ENGINEERS_ONLY or name.startswith(WAREHOUSE_FILE)


PACKS = "packs"  # where `make run` writes the board packs, under the data dir


def is_public_pack(relative: Path) -> bool:
    """The public edition of a board pack (pack.py names it board-pack-<quarter>-public.*) in
    the packs folder (``relative`` is the path under the data dir): the one output anyone may
    read. Only there: a file of that name delivered into landing and refused (quarantine) or
    archived is a delivered file, and stays private."""
    name = relative.name
    return (
        relative.parts[:1] == (PACKS,)
        and name.startswith("board-pack-")
        and name.split(".")[0].endswith("-public")
    )


def restrict_new_files() -> None:
    """Files and folders this process (and its children) creates are 0640 / 0750 at most."""
    os.umask(UMASK)


def group_id(group: str | None) -> int | None:
    """The id of ``group`` (already checked to exist by settings); None when not configured."""
    return grp.getgrnam(group).gr_gid if group else None


def _apply(path: Path, info: os.stat_result, mode: int, gid: int | None) -> None:
    if gid is not None and info.st_gid != gid:
        os.chown(path, -1, gid)
    if stat.S_IMODE(info.st_mode) != mode:
        os.chmod(path, mode)


def secure_path(path: Path, group: str | None = None, public: bool = False) -> None:
    """One file or folder to its mode (0640/0750, or 0644/0755 when public), in ``group``.
    Symbolic links are left alone (chmod would change what they point to)."""
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode):
        return
    gid = group_id(group)
    if stat.S_ISDIR(info.st_mode):
        mode = PUBLIC_DIR_MODE if public else DIR_MODE
        if gid is not None and not public:
            mode |= stat.S_ISGID  # files created in it later get the group
    else:
        mode = PUBLIC_FILE_MODE if public else FILE_MODE
    _apply(path, info, mode, gid)


def write_private(path: Path, data: bytes, group: str | None = None) -> None:
    """Write ``data`` to ``path`` whole (a temporary name, then a rename), readable by the owner
    and group only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.part")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    secure_path(temporary, group)
    os.replace(temporary, path)


def secure_data_dir(data_dir: Path, group: str | None = None) -> list[str]:
    """Every file and folder under ``data_dir`` to 0640/0750 (landing: others' bits cleared),
    in ``group`` except the engineers-only folders. Returns what could not be changed (e.g. a
    file another account owns), one line each; the caller says so and carries on."""
    problems: list[str] = []
    if not data_dir.is_dir():
        return problems
    readers = group_id(group)
    # Without PCP_FILE_GROUP nothing is chowned; with it, engineers-only folders are put back in
    # the account's own group (a folder made later inherits the readers' set-group-ID).
    engineers = os.getegid() if readers is not None else None
    _secure_one(data_dir, readers, problems, inherit=False)
    for folder, dirs, files in os.walk(data_dir):  # never follows symbolic links
        here = Path(folder)
        top = here.relative_to(data_dir).parts[:1]
        for name in [*dirs, *files]:
            path = here / name
            area = top[0] if top else name
            if area == "landing":
                _clear_others(path, problems)
            elif is_engineers_only(area):
                _secure_one(path, engineers, problems, inherit=False)
            else:
                public = is_public_pack(path.relative_to(data_dir))
                _secure_one(path, readers, problems, public=public)
    return problems


def _clear_others(path: Path, problems: list[str]) -> None:
    """Landing is not ours to set: only take away what others could read or enter."""
    try:
        info = path.lstat()
        if not stat.S_ISLNK(info.st_mode):
            _apply(path, info, stat.S_IMODE(info.st_mode) & ~OTHERS, None)
    except FileNotFoundError:
        pass
    except OSError as error:
        problems.append(f"{path}: could not set its mode ({error.strerror})")


def _secure_one(
    path: Path, gid: int | None, problems: list[str], inherit: bool = True, public: bool = False
) -> None:
    try:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            return
        if stat.S_ISDIR(info.st_mode):
            mode = DIR_MODE | (stat.S_ISGID if gid is not None and inherit else 0)
        else:
            mode = PUBLIC_FILE_MODE if public else FILE_MODE
        _apply(path, info, mode, gid)
    except FileNotFoundError:
        pass  # removed meanwhile (a temporary file): nothing to protect
    except OSError as error:
        problems.append(f"{path}: could not set its mode ({error.strerror})")
