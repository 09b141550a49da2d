"""Which reporting quarters the published dashboard holds, so `pcp pack --quarter` can refuse a
quarter it does not hold by naming the ones it does."""

from __future__ import annotations

import re
from pathlib import Path

QUARTER_FORM = "a financial quarter as YYYY/YY-Qn (e.g. 2025/26-Q1) or 'latest'"


def quarters_held(published: Path) -> list[str]:
    """The dashboard's reporting quarters, oldest first."""
    import duckdb

    with duckdb.connect(str(published), read_only=True) as con:
        rows = con.execute(
            "select reporting_quarter from mart_delivery_dashboard "
            "group by reporting_quarter order by max(reporting_quarter_end)"
        ).fetchall()
    return [quarter for (quarter,) in rows]


def held(quarters: list[str]) -> str:
    """'quarters held: 2024/25-Q1 .. 2025/26-Q2' (the first and last; the dashboard's quarters
    run without gaps), or that there are none."""
    if not quarters:
        return "the dashboard holds no quarters yet"
    if len(quarters) == 1:
        return f"quarter held: {quarters[0]}"
    return f"quarters held: {quarters[0]} .. {quarters[-1]}"


def check_quarter(published: Path, quarter: str) -> None:
    """LookupError naming the form and the quarters held, unless the dashboard holds
    ``quarter`` (or it is 'latest')."""
    if quarter == "latest":
        return
    quarters = quarters_held(published)
    if quarter in quarters:
        return
    if not re.fullmatch(r"\d{4}/\d{2}-Q[1-4]", quarter):
        raise LookupError(f"--quarter {quarter!r}: expected {QUARTER_FORM}; {held(quarters)}")
    raise LookupError(f"--quarter {quarter}: not in the published dashboard; {held(quarters)}")
