"""The pack's workbook: the dashboard as analysts like it (headers in words, a unit column,
number formats that show each figure as the PDF does, RAG as text on its colour, frozen
header, filter), a Definitions sheet from the metric catalogue, and an About sheet saying
where the figures come from. Cells hold the mart's values; formats only round for display."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from orchestration.pack import display
from orchestration.pack.action_workbook import action_sheets
from orchestration.pack.comparisons import comparisons_view
from orchestration.pack.content import PackContent
from orchestration.pack.render import (
    SOURCE_NAMES,
    backtest_words,
    lead_names,
    significance_words,
)
from orchestration.reference import source_publication

RAG_FILLS = {"red": "B5121B", "amber": "F9A825", "green": "2E7D32", "grey": "9E9E9E"}
RAG_FONTS = {"red": "FFFFFF", "amber": "000000", "green": "FFFFFF", "grey": "000000"}
HEADER_FILL = PatternFill("solid", fgColor="1F3B73")


@dataclass(frozen=True)
class Column:
    header: str
    width: int
    value: Callable[[dict, PackContent], object]
    # "figure": in the metric's unit; "count": a whole number; "percent": a % change;
    # "p": a p-value; "text": as it is.
    kind: str = "text"


def _figure(side: str) -> Callable[[dict, PackContent], object]:
    def value(row: dict, _: PackContent) -> object:
        return row[f"{side}_value"] if row[f"{side}_value"] is not None else row[f"{side}_yes_no"]

    return value


def _column(name: str) -> Callable[[dict, PackContent], object]:
    return lambda row, _: row[name]


DASHBOARD = (
    Column("Reporting quarter", 12, _column("reporting_quarter")),
    Column("Ref", 5, _column("ref_number")),
    Column("Delivery strategy", 22, _column("delivery_strategy")),
    Column("Metric", 44, _column("metric_name")),
    Column("Unit", 10, lambda row, _: display.UNIT_WORDS.get(row["unit"], row["unit"])),
    Column("Target", 22, _column("target_expectation")),
    Column("Baseline period", 14, _column("baseline_period")),
    Column("Baseline", 11, _figure("baseline"), "figure"),
    Column("Baseline count", 12, _column("baseline_count"), "count"),
    Column("Latest period", 16, _column("latest_period")),
    Column("Latest", 11, _figure("latest"), "figure"),
    Column("Latest count", 12, _column("latest_count"), "count"),
    Column("Change", 10, _column("abs_change"), "figure"),
    Column("Change %", 10, _column("pct_change"), "percent"),
    Column("Direction", 9, _column("direction")),
    Column("Significance", 22, lambda row, _: significance_words(row)),
    Column("p-value", 9, _column("p"), "p"),
    Column("RAG", 8, lambda row, pack: row[pack.rating_columns[0]]),
    Column("Why (RAG reason)", 70, lambda row, pack: row[pack.rating_columns[1]]),
    Column("Data status", 12, _column("data_status")),
    Column("Restricted", 10, lambda row, _: "Yes" if row["restricted"] else "No"),
    Column("Peer mean", 10, _column("peer_mean"), "figure"),
    Column("Force position", 12, _column("force_position")),
)
HEADERS = tuple(column.header for column in DASHBOARD)


def _number_format(column: Column, value: object, row: dict) -> str:
    if column.kind == "figure":
        return display.excel_format(value, row["unit"])
    if column.kind == "percent":
        return display.excel_format(value, "percent")
    if column.kind == "p":
        return display.excel_format(value)
    if column.kind == "count":
        return "#,##0"
    return "General"


def _header(sheet: Worksheet, headers: list[str], widths: list[int]) -> None:
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"


def _dashboard_sheet(sheet: Worksheet, content: PackContent) -> None:
    _header(sheet, list(HEADERS), [c.width for c in DASHBOARD])
    rag_at = HEADERS.index("RAG") + 1
    for row in content.dashboard:
        values = [column.value(row, content) for column in DASHBOARD]
        sheet.append(values)
        cells = sheet[sheet.max_row]
        for column, cell in zip(DASHBOARD, cells, strict=True):
            cell.number_format = _number_format(column, cell.value, row)
            cell.alignment = Alignment(vertical="top", wrap_text=column.width >= 22)
        rag = cells[rag_at - 1]
        if rag.value in RAG_FILLS:
            rag.fill = PatternFill("solid", fgColor=RAG_FILLS[rag.value])
            rag.font = Font(bold=True, color=RAG_FONTS[rag.value])
    sheet.auto_filter.ref = sheet.dimensions


DEFINITIONS = (
    ("Metric ID", 9, "metric_id"),
    ("Ref", 5, "ref_number"),
    ("Metric", 44, "metric_name"),
    ("Delivery strategy", 22, "delivery_strategy"),
    ("Unit", 10, "unit"),
    ("Source", 30, "source"),
    ("Formula", 60, "source_definition"),
    ("Period basis", 10, "period_basis"),
    ("Polarity", 16, "polarity"),
    ("Target", 22, "target_text"),
    ("Owner", 30, "owner"),
    ("Caveats", 50, "caveats"),
)


def caveats(metric: dict) -> str:
    """What a reader should know before using the figure, from the catalogue's own flags."""
    said = []
    if metric.get("restricted"):
        said.append("Restricted: for internal use, withheld from the public edition.")
    if metric.get("comparison") == "none":
        said.append("Not rated: nothing behind the figure to test a change against.")
    if metric.get("csew"):
        said.append("A survey estimate: compare with its published 95% interval.")
    if published := source_publication().get(metric.get("source") or ""):
        said.append(f"Publication: {published['note']}.")
    return " ".join(said)


def _definitions_sheet(sheet: Worksheet, content: PackContent) -> None:
    _header(sheet, [d[0] for d in DEFINITIONS], [d[1] for d in DEFINITIONS])
    leads = lead_names()
    shown = {row["metric_id"] for row in content.dashboard}
    for metric in content.definitions:
        if metric["metric_id"] not in shown:
            continue
        words = {
            **metric,
            "unit": display.UNIT_WORDS.get(metric["unit"], metric["unit"]),
            "source": SOURCE_NAMES.get(metric["source"], metric["source"]),
            "polarity": (metric["polarity"] or "").replace("_", " "),
            "owner": leads.get(metric["owner"], metric["owner"]),
            "caveats": caveats(metric),
        }
        sheet.append([words.get(key) for _, _, key in DEFINITIONS])
        for cell in sheet[sheet.max_row]:
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    sheet.auto_filter.ref = sheet.dimensions


def _about_sheet(sheet: Worksheet, content: PackContent) -> None:
    _header(sheet, ["About these figures", ""], [34, 90])
    if content.snapshot:
        where = (
            f"What the delivery board of {content.snapshot['board_date']:%d %B %Y} saw: its "
            f"frozen snapshot {content.snapshot['snapshot_name']}. `pcp pack --live` gives "
            "today's figures."
        )
    elif content.held_board:
        where = (
            "Today's figures (--live), not what the delivery board of "
            f"{content.held_board['board_date']:%d %B %Y} saw (its snapshot "
            f"{content.held_board['snapshot_name']})."
        )
    else:
        where = "Today's figures, from the marts as last refreshed."
    sheet.append(["Figures", where])
    sheet.append(["Edition", "Public" if content.public else "Board (not for publication)"])
    sheet.append(["Built", f"{content.built_at:%d %B %Y %H:%M %Z}" if content.built_at else ""])
    for vintage in content.vintage:
        sheet.append(
            [
                f"Latest month: {SOURCE_NAMES.get(vintage['source'], vintage['source'])}",
                vintage["latest_month"] or "none yet",
            ]
        )


PROJECTION = (
    ("Metric", 44, "metric_name"),
    ("Unit", 10, "unit"),
    ("Financial year", 12, "fy_label"),
    ("Year to date to", 12, "ytd_month"),
    ("Year to date", 12, "ytd_value"),
    ("Projected year-end", 14, "projected_value"),
    ("80% lower", 11, "lower_80"),
    ("80% upper", 11, "upper_80"),
    ("95% lower", 11, "lower_95"),
    ("95% upper", 11, "upper_95"),
    ("Baseline", 11, "comparator_value"),
    ("Chance of beating it (%)", 12, "probability_percent"),
    ("Verdict", 12, "verdict"),
    ("Why", 80, "verdict_reason"),
)


def _projection_sheet(sheet: Worksheet, content: PackContent) -> None:
    """mart_metric_projection's rows as the PDF shows them; figures keep the mart's values,
    rounded for display by their unit's format."""
    _header(sheet, [p[0] for p in PROJECTION], [p[1] for p in PROJECTION])
    figures = {"ytd_value", "projected_value", "lower_80", "upper_80", "lower_95", "upper_95",
               "comparator_value"}  # fmt: skip
    for row in content.projection:
        sheet.append(
            [
                display.UNIT_WORDS.get(row[key], row[key]) if key == "unit" else row[key]
                for _, _, key in PROJECTION
            ]
        )
        for (_, width, key), cell in zip(PROJECTION, sheet[sheet.max_row], strict=True):
            if key in figures:
                # the precision the PDF prints: the unit's display decimals
                cell.number_format = {"count": "#,##0", "percent": '0.0"%"'}.get(
                    row["unit"], "#,##0.000"
                )
            cell.alignment = Alignment(vertical="top", wrap_text=width >= 44)
    sheet.append([])
    sheet.append([backtest_words(content.projection_backtest)])
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(PROJECTION))}{len(content.projection) + 1}"


SPC = (
    ("Metric ID", 9, "metric_id"),
    ("Metric", 40, "metric_name"),
    ("Month", 11, "month_start"),
    ("Chart", 9, "chart_type"),
    ("Value", 11, "value"),
    ("Mean", 11, "centre"),
    ("Lower process limit", 11, "lower_limit"),
    ("Upper process limit", 11, "upper_limit"),
    ("Rule fired", 14, "rule_fired"),
    ("Suspect data", 9, "is_suspect"),
    ("Variation", 26, "variation"),
    ("Target", 9, "target"),
    ("Assurance", 18, "assurance"),
)


def _spc_sheet(sheet: Worksheet, content: PackContent) -> None:
    """mart_metric_spc's rows for the pack's metrics, as the mart holds them."""
    _header(sheet, [c[0] for c in SPC], [c[1] for c in SPC])
    names = {row["metric_id"]: row["metric_name"] for row in content.dashboard}
    for metric_id, rows in content.spc.items():
        if metric_id not in names:
            continue
        for row in rows:
            words = {**row, "metric_name": names[metric_id]}
            words["is_suspect"] = "Yes" if row["is_suspect"] else "No"
            sheet.append([words[key] for _, _, key in SPC])
            for cell, (_, _, key) in zip(sheet[sheet.max_row], SPC, strict=True):
                if key in ("value", "centre", "lower_limit", "upper_limit", "target"):
                    cell.number_format = display.excel_format(cell.value)
                elif key == "month_start":
                    cell.number_format = "yyyy-mm"
    sheet.auto_filter.ref = sheet.dimensions


COMPARISONS = (
    ("Comparison", 12, "comparison"),
    ("Group", 30, "group_name"),
    ("Metric ID", 9, "metric_id"),
    ("Metric", 40, "metric_name"),
    ("Period", 24, "period_label"),
    ("Unit code", 11, "unit_code"),
    ("Unit", 26, "unit_name"),
    ("Home", 6, "home"),
    ("Count", 9, "numerator"),
    ("Denominator", 12, "denominator"),
    ("Value", 10, "value"),
    ("Target", 10, "target_value"),
    ("Lower 95% limit", 10, "lower_95_adjusted"),
    ("Upper 95% limit", 10, "upper_95_adjusted"),
    ("Lower 99.8% limit", 10, "lower_99_8_adjusted"),
    ("Upper 99.8% limit", 10, "upper_99_8_adjusted"),
    ("Over-dispersion adjustment", 14, "overdispersion_adjustment"),
    ("Verdict", 22, "verdict_words"),
    ("Rank", 7, "rank_in_group"),
    ("Units", 7, "units_in_group"),
    ("Rank best", 7, "rank_best"),
    ("Rank worst", 7, "rank_worst"),
)


def _comparisons_sheet(sheet: Worksheet, content: PackContent) -> None:
    """The rows the pack's funnel-plot tables print (mart_peer_comparison and
    mart_area_comparison), with the limits at each unit's denominator."""
    _header(sheet, [c[0] for c in COMPARISONS], [c[1] for c in COMPARISONS])
    for comparison in comparisons_view(content, draw=False):
        for block in comparison["blocks"]:
            for row in block["rows"]:
                words = {**row, "home": "Yes" if row["is_home"] else "No"}
                sheet.append([words[key] for _, _, key in COMPARISONS])
                for cell, (_, _, key) in zip(sheet[sheet.max_row], COMPARISONS, strict=True):
                    if key == "denominator":
                        cell.number_format = "#,##0"
                    elif key == "value" or key.endswith("_adjusted") or key == "target_value":
                        cell.number_format = display.excel_format(cell.value)
    sheet.auto_filter.ref = sheet.dimensions


def write_xlsx(content: PackContent, path: Path) -> None:
    workbook = Workbook()
    dashboard = workbook.active
    dashboard.title = f"Dashboard {content.quarter.replace('/', '-')}"
    _dashboard_sheet(dashboard, content)
    _projection_sheet(workbook.create_sheet("Projection"), content)
    _definitions_sheet(workbook.create_sheet("Definitions"), content)
    _spc_sheet(workbook.create_sheet("SPC"), content)
    if content.comparisons:
        _comparisons_sheet(workbook.create_sheet("Comparisons"), content)
    _about_sheet(workbook.create_sheet("About"), content)
    if content.actions is not None:
        action_sheets(workbook, content.actions, _header)
    workbook.save(path)
