"""Why a delivered file was refused, in words a data engineer can act on."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileRefused(Exception):
    """A structural problem that stops a whole file from loading.

    ``row`` is the 1-based line number in the file as a text editor shows it (the header is
    line 1), so a person can open the file and go straight to it.
    """

    file_name: str
    problem: str
    expected: str
    row: int | None = None
    column: str | None = None
    found: str | None = None

    def __str__(self) -> str:
        where = [f"file {self.file_name}"]
        if self.row is not None:
            where.append(f"line {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        text = f"{', '.join(where)}: {self.problem}"
        if self.found is not None:
            text += f" (found {self.found!r})"
        return f"{text}; expected {self.expected}"


class FileNotReady(Exception):
    """A file that cannot load yet (e.g. a casualty file before its collision file).

    It stays in landing and is picked up when what it needs arrives.
    """
