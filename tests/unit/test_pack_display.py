"""The pack writes every figure as the marts' reasons do: ``display.number`` against the dbt
macro ``pcp_display_number`` itself (read from dbt_project/macros/statistics.sql and run in
DuckDB), and the workbook's number formats against ``display.number``."""

from __future__ import annotations

import re

import duckdb
import pytest

from orchestration.pack import display
from orchestration.settings import PROJECT_ROOT

VALUES = [
    0,
    1,
    12,
    8639,
    1234567,
    7.6,
    7.605,
    45.23,
    100.099992,
    0.35,
    0.035,
    0.0053,
    0.5,
    0.1,
    2.75005,
    -3.6149,
    -0.18650,
]


def marts_macro() -> str:
    """The `create macro pcp_display_number` statement as dbt runs it."""
    text = (PROJECT_ROOT / "dbt_project" / "macros" / "statistics.sql").read_text()
    found = re.search(r'"(create or replace macro pcp_display_number\(v\) as .*?)"', text, re.S)
    assert found, "pcp_display_number is no longer in statistics.sql: keep display.py in step"
    return found.group(1)


@pytest.mark.parametrize("value", VALUES)
def test_figures_are_written_as_the_marts_write_them(value):
    with duckdb.connect() as con:
        con.execute(marts_macro())
        ((want,),) = con.execute("select pcp_display_number(?::double)", [value]).fetchall()
    assert display.number(value) == want


@pytest.mark.parametrize("value", VALUES)
def test_the_workbook_format_shows_the_same_digits(value):
    fmt = display.excel_format(value, "percent")
    assert fmt.endswith('"%"')
    places = len(fmt.split(".")[1].split('"')[0]) if "." in fmt else 0
    assert f"{value:,.{places}f}" == display.number(value)
    assert display.excel_format(None) == "General"
