"""Keeping one file's staged rows aside while the next files of its dataset are staged.

A one-file-at-a-time format (``SourceFormat.stage``) leaves a file's rows in temp tables of
fixed names, which the next file's ``stage`` replaces and the format's ``replace`` reads. To
stage each file once, validate many files' rows together, and load many files in one
transaction, intake renames the connection's temp tables, as a file's ``stage`` left them, to
names of that file's own, and renames them back just before its rows are judged alone or
written: ``replace`` then sees exactly what it would have seen right after the ``stage``.

Which tables are a file's is seen, not declared (every temp table there after its ``stage``):
a format adding a staging table needs no change here. A rename is a catalog change, well
under a millisecond; copying the rows would cost as much as staging them again.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection
from dataclasses import dataclass

import duckdb

from orchestration.landing.tabular import identifier

# Temp tables set aside are named with this prefix, a number per file and the table's name.
PREFIX = "_set_aside_"
_numbers = itertools.count()


def temp_tables(con: duckdb.DuckDBPyConnection, besides: Collection[str] = ()) -> list[str]:
    """The connection's temp tables, but those set aside and those named in ``besides``."""
    rows = con.execute(
        "select table_name from duckdb_tables() where database_name = 'temp'"
    ).fetchall()
    return [name for (name,) in rows if not name.startswith(PREFIX) and name not in besides]


@dataclass(frozen=True)
class SetAside:
    """One file's staged temp tables under names of its own: (staged name, kept name)."""

    tables: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, con: duckdb.DuckDBPyConnection, names: Collection[str]) -> SetAside:
        """Rename ``names`` (the file's, from ``temp_tables``) out of the way of the next
        file's ``stage``."""
        number = next(_numbers)
        tables = tuple((name, f"{PREFIX}{number}_{name}") for name in names)
        for name, kept in tables:
            con.execute(f"alter table temp.main.{identifier(name)} rename to {identifier(kept)}")
        return cls(tables)

    def restore(self, con: duckdb.DuckDBPyConnection) -> None:
        """Put the file's tables back under the names its format reads, replacing whatever
        another file's ``stage`` left there."""
        for name, kept in self.tables:
            con.execute(f"drop table if exists temp.main.{identifier(name)}")
            con.execute(f"alter table temp.main.{identifier(kept)} rename to {identifier(name)}")

    def set_aside_again(self, con: duckdb.DuckDBPyConnection) -> None:
        """After ``restore``: out of the way again, under the same names as before."""
        for name, kept in self.tables:
            con.execute(f"alter table temp.main.{identifier(name)} rename to {identifier(kept)}")

    def drop(self, con: duckdb.DuckDBPyConnection) -> None:
        """The file will not load (refused, gone): its set-aside rows are not needed."""
        for _, kept in self.tables:
            con.execute(f"drop table if exists temp.main.{identifier(kept)}")
