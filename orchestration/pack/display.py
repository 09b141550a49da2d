"""How a figure is written in every output: ONE precision per figure, the same as the reasons
the marts write (dbt macro ``pcp_display_number``), so a value column and the reason beside it
never disagree. Rounding for display only: no figure is worked out here."""

from __future__ import annotations

# The unit a figure is in, in words (the workbook's Unit column and the pack's figures).
UNIT_WORDS = {
    "rate_per_1000": "per 1,000",
    "percent": "%",
    "proportion": "%",
    "count": "count",
    "hours": "hours",
    "years": "years",
    "yes_no": "Y/N",
}


def number(value: float | None) -> str:
    """The figure as the marts' reasons write it: 8,639 / 7.60 / 0.035."""
    if value is None:
        return "-"
    if value == round(value):
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:,.2f}"
    return f"{value:.2g}"


def p_value(p: float | None) -> str:
    """A p-value as the reasons write it (``format('{:.2g}', p)``)."""
    return "-" if p is None else f"{p:.2g}"


def excel_format(value: float | None, unit: str | None = None) -> str:
    """The workbook number format that shows ``value`` exactly as ``number`` writes it; a
    percentage with its % sign (the cell keeps the mart's 0-100 value)."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return "General"
    written = number(value)
    if "e" in written:
        shown = "0.0E+00"
    elif "." in written:
        shown = "#,##0." + "0" * len(written.split(".")[1])
    else:
        shown = "#,##0"
    return shown + '"%"' if unit in ("percent", "proportion") else shown
