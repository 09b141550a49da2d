"""Plausibility rules shared by the sources' structural checks: a figure within its unit's range
(seeds/metric_units.csv), a code or name the reference seeds know, a key on one row only.

Each refuses the whole file (FileRefused) naming the line, the column, what was found and what
was expected, before any row loads; a refused file changes nothing loaded before. The values
named here are codes, names and figures, never free text: the columns these rules read are not
restricted. A source whose cells are never quoted (``quote_cells=False``: a victim survey, where
a stray comma can shift a comment into any column) gets the line and column without the value.
Identifiers in the SQL are this module's callers' own column names, never a file's; values go in
as bound parameters.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import duckdb

from orchestration.landing.refusal import FileRefused
from orchestration.reference import metric_units

LINES_NAMED = 5  # lines named for a repeated key


@dataclass(frozen=True)
class UnitRange:
    """The range a figure in a catalogue unit may take (one row of seeds/metric_units.csv)."""

    unit: str
    low: float | None
    high: float | None
    meaning: str

    def holds(self, number: float) -> bool:
        return (self.low is None or number >= self.low) and (
            self.high is None or number <= self.high
        )

    @property
    def expected(self) -> str:
        low, high = _shown(self.low), _shown(self.high)
        if low is not None and high is not None:
            bounds = f"from {low} to {high}"
        elif low is not None:
            bounds = f"{low} or more"
        elif high is not None:
            bounds = f"at most {high}"
        else:
            bounds = "any number"
        return f"{bounds} ({self.unit}: {self.meaning}; seeds/metric_units.csv)"


def _shown(bound: float | None) -> str | None:
    if bound is None:
        return None
    return str(int(bound)) if float(bound).is_integer() else str(bound)


def unit_range(unit: str) -> UnitRange:
    row = metric_units()[unit]  # the catalogue's units are tested to be in the seed
    return UnitRange(
        unit=unit,
        low=float(row["min_value"]) if row["min_value"] else None,
        high=float(row["max_value"]) if row["max_value"] else None,
        meaning=row["meaning"],
    )


def finite_number(text: object) -> float | None:
    """A delivered figure as a number, or None when it is not one: empty, text, or not finite.
    Python's float reads 'inf', 'nan' and '1e400' (infinity) without complaint, and none of
    them is a figure: a NaN passes every range check (each comparison is false) and an
    infinity breaks every sum after it."""
    if text is None or not str(text).strip():
        return None
    try:
        number = float(str(text).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _lines_text(lines: Sequence[int]) -> str:
    shown = [str(line) for line in lines[:LINES_NAMED]]
    more = len(lines) - len(shown)
    text = ", ".join(shown[:-1]) + f" and {shown[-1]}" if len(shown) > 1 else shown[0]
    return text + (f" (and {more} more)" if more > 0 else "")


def refuse_repeated_keys(
    con: duckdb.DuckDBPyConnection,
    table: str,
    file_name: str,
    keys: Sequence[str],
    what: str,
    line: str = "source_line",
    quote_cells: bool = True,
) -> None:
    """Refuse the file when a key (``keys`` of ``table``) is on more than one row: which row
    would count is a guess, so neither does. Names the first repeated key (when
    ``quote_cells``) and its lines."""
    columns = ", ".join(_quoted(k) for k in keys)
    repeated = con.execute(
        f"""
        select [{", ".join(f"cast({_quoted(k)} as varchar)" for k in keys)}],
               list({_quoted(line)} order by {_quoted(line)}), count(*) over ()
        from {table}
        group by {columns}
        having count(*) > 1
        order by min({_quoted(line)})
        limit 1
        """
    ).fetchall()
    if not repeated:
        return
    key, lines, keys_repeated = repeated[0]
    others = f"; {keys_repeated - 1} more repeated" if keys_repeated > 1 else ""
    raise FileRefused(
        file_name=file_name,
        row=lines[0],
        column=keys[-1],
        problem=f"the same {what} is on lines {_lines_text(lines)}{others}",
        expected=f"one row per {what}",
        found=" x ".join("" if part is None else part for part in key) if quote_cells else None,
    )


def refuse_unknown(
    con: duckdb.DuckDBPyConnection,
    table: str,
    file_name: str,
    column: str,
    known: Iterable[str],
    problem: str,
    expected: str,
    where: str = "true",
    where_params: Sequence[object] = (),
    line: str = "source_line",
    quote_cells: bool = True,
) -> None:
    """Refuse the file at the first row whose ``column`` (when filled in) is none of ``known``
    (compared without case or surrounding spaces), naming the value (describing it when not
    ``quote_cells``). ``where`` limits the rows looked at (the caller's own SQL, never a
    file's, with ``where_params`` bound to its ?)."""
    first = con.execute(
        f"""
        select {_quoted(line)}, cast({_quoted(column)} as varchar) from {table}
        where ({where}) and nullif(trim({_quoted(column)}), '') is not null
          and not list_contains(?, lower(trim({_quoted(column)})))
        order by {_quoted(line)} limit 1
        """,
        [*where_params, sorted({k.strip().lower() for k in known})],
    ).fetchall()
    if first:
        raise FileRefused.at_cell(
            file_name,
            first[0][0],
            column,
            problem,
            expected,
            first[0][1],
            restricted=not quote_cells,
        )
