"""Why a delivered file was refused, in words a data engineer can act on.

A refusal is shown in ``pcp status``, quarantine reason files, the manifest, Dagster's logs and
alert emails, so what it repeats of the file is bounded: a cell is quoted only as printable text
of at most ``CELL_MAX`` characters, and a restricted cell (free text that may identify a person,
such as a survey comment) is never quoted, only described ("2,140 characters").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from orchestration.landing.names import shown

# Which rules a recorded reason was written under (the manifest's ``reason_version``, and
# ``reason_version`` in ``.reason.json``). 1: releases that could quote a cell or header cell
# whole (a survey comment, text a crafted header made DuckDB evaluate); 2: this module's rules.
# Reasons recorded under an older version are withheld at the next refresh (old_reasons.py).
REASON_VERSION = 2

# What a refusal may quote of one cell, and of anything from the file at all (a header's list).
CELL_MAX = 60
FOUND_MAX = 240
HEADER_CELL_MAX = 30


def printable(text: str) -> str:
    """``text`` on one line with nothing a terminal or mail reader would act on: line breaks
    and tabs become spaces, other control and format characters (ESC, bidi overrides) '?'."""
    return "".join(c if c.isprintable() else " " if c.isspace() else "?" for c in text)


def clipped(text: str, limit: int = CELL_MAX) -> str:
    """``text`` made printable and cut to ``limit`` characters, saying how long it was."""
    text_shown = printable(text)
    if len(text_shown) <= limit:
        return text_shown
    return f"{text_shown[:limit]}... ({len(text):,} characters)"


def described(value: object) -> str:
    """A restricted value in words that reveal nothing of it: its length."""
    if value is None or not str(value).strip():
        return "an empty field"
    length = len(str(value))
    return f"{length:,} character{'s' if length != 1 else ''}"


def header_text(cells: Iterable[str]) -> str:
    """A delivered header for a refusal: each cell clipped; the whole is capped by FileRefused."""
    return ", ".join(clipped(c.strip(), HEADER_CELL_MAX) for c in cells if c.strip())


# Not frozen: Python sets an exception's ``__traceback__`` (and ``__notes__``) as it travels, and
# a frozen dataclass refuses that assignment (contextlib's ``__exit__`` then raises
# FrozenInstanceError in place of the refusal). eq=False keeps exceptions hashable by identity.
@dataclass(eq=False)
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
    # True when ``found`` describes a restricted value ("2,140 characters") instead of quoting it.
    found_described: bool = False

    def __post_init__(self) -> None:
        # Whatever a caller passes, what is shown of the file is printable and bounded.
        if self.found is not None:
            object.__setattr__(self, "found", clipped(str(self.found), FOUND_MAX))
        object.__setattr__(self, "problem", printable(self.problem))

    @classmethod
    def at_cell(
        cls,
        file_name: str,
        row: int | None,
        column: str,
        problem: str,
        expected: str,
        value: object,
        restricted: bool = False,
    ) -> FileRefused:
        """A refusal of one cell's value: quoted (clipped), or only described if restricted."""
        if restricted:
            return cls(
                file_name=file_name,
                row=row,
                column=column,
                problem=problem,
                expected=expected,
                found=described(value),
                found_described=True,
            )
        return cls(
            file_name=file_name,
            row=row,
            column=column,
            problem=problem,
            expected=expected,
            found=None if value is None else clipped(str(value)),
        )

    def where(self) -> str:
        """The file, line and column, as a reason starts: ``file x.csv, line 3, column 'a'``."""
        where = [f"file {shown(self.file_name)}"]  # escaped and capped: names are untrusted
        if self.row is not None:
            where.append(f"line {self.row}")
        if self.column is not None:
            where.append(f"column '{printable(self.column)}'")
        return ", ".join(where)

    def __str__(self) -> str:
        text = f"{self.where()}: {self.problem}"
        if self.found_described:
            text += f" (found {self.found}; not shown: restricted free text)"
        elif self.found is not None:
            text += f" (found {self.found!r})"
        return f"{text}; expected {self.expected}"

    def details(self) -> dict[str, object]:
        """More than the one line and column, for ``.reason.json`` (none for a structural
        problem)."""
        return {}


def _lines_text(lines: tuple[int, ...], rows: int | None) -> str:
    if not lines:
        return "no particular line"
    shown = ", ".join(str(line) for line in lines)
    more = (rows or 0) - len(lines)
    label = "line " if len(lines) == 1 else "lines "
    return label + shown + (f" and {more} more" if more > 0 else "")


@dataclass(frozen=True)
class BrokenExpectation:
    """One Great Expectations expectation a file's rows break, in words a person can act on:
    where (column, how many rows, their first lines) and what was expected. Never the values
    in the cells: some columns are restricted."""

    what: str  # the expectation in plain words (its ``meta.why`` where the suite gives one)
    expectation: str  # the GX expectation type, e.g. expect_column_values_to_not_be_null
    columns: tuple[str, ...]  # the column(s) it looks at; () for the table as a whole
    rows: int | None  # how many rows break it; None when it is not about rows
    lines: tuple[int, ...]  # the first few of those rows' lines in the delivered file
    expected: str

    def __str__(self) -> str:
        where = []
        if self.rows is not None:
            where.append(f"{self.rows} row{'s' if self.rows != 1 else ''}")
        if self.columns:
            names = ", ".join(f"'{c}'" for c in self.columns)
            where.append(f"column{'s' if len(self.columns) > 1 else ''} {names}")
        located = f"{' in '.join(where)} " if where else ""
        return (
            f"{self.what}: {located}({_lines_text(self.lines, self.rows)}; "
            f"GX {self.expectation}); expected {self.expected}"
        )


@dataclass(eq=False)
class ExpectationsFailed(FileRefused):
    """A file that keeps the structural rules but whose rows break error-level expectations of
    its dataset's Great Expectations suite: refused whole, like a structural problem."""

    suite: str = ""
    broken: tuple[BrokenExpectation, ...] = ()

    @classmethod
    def of(
        cls, file_name: str, suite: str, broken: tuple[BrokenExpectation, ...]
    ) -> ExpectationsFailed:
        first = broken[0]
        return cls(
            file_name=file_name,
            problem=f"rows break the Great Expectations suite {suite}: {first.what}",
            expected=first.expected,
            row=first.lines[0] if first.lines else None,
            column=first.columns[0] if first.columns else None,
            suite=suite,
            broken=broken,
        )

    def __str__(self) -> str:
        head = f"file {shown(self.file_name)}: "
        if len(self.broken) == 1:
            return f"{head}rows break the Great Expectations suite {self.suite}: {self.broken[0]}"
        listed = "; ".join(f"({i}) {b}" for i, b in enumerate(self.broken, start=1))
        return (
            f"{head}rows break {len(self.broken)} expectations of the Great Expectations suite "
            f"{self.suite}: {listed}"
        )

    def details(self) -> dict[str, object]:
        return {"suite": self.suite, "expectations": [asdict(b) for b in self.broken]}


class FileNotReady(Exception):
    """A file that cannot load yet (e.g. a casualty file before its collision file).

    It stays in landing and is picked up when what it needs arrives.
    """
