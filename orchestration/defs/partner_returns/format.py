"""Partner returns: the template partners fill in for metrics no system computes.

``partner-return-<anything>.csv`` or ``.xlsx`` in landing/partner_returns/, one row per figure:

| column | required | meaning |
|---|---|---|
| metric_id | yes | the catalogue ref (e.g. 37), or the slug for the unnumbered row |
| area | yes | area code or name (the force, a local authority / CSP) |
| period | yes | 2025/26-Q1 (quarter), 2025/26 (financial year) or 2025-06 (month) |
| value | yes | the figure in the metric's unit, within its range (seeds/metric_units.csv) |
| numerator, denominator | no | the counts behind a percentage or rate |
| submitted_by | yes | who supplied it |
| submitted_at | yes | when (YYYY-MM-DD or an ISO date-time) |

A corrected file under the same name replaces the earlier one; the newest submission of a
metric x area x period wins in the warehouse. One file giving a metric x area x period twice is
refused: which of the two counts would be a guess.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb

from orchestration.landing.files import LandedFile
from orchestration.landing.plausibility import (
    finite_number,
    refuse_repeated_keys,
    unit_range,
)
from orchestration.landing.refusal import FileRefused
from orchestration.landing.staged import StagedRows
from orchestration.landing.tabular import Column, restricted_columns, stage_table
from orchestration.reference import area_code_for, metric_catalogue

SOURCE = "partner_returns"
COLUMNS = (
    Column("metric_id", aliases=("ref", "metric", "metric_ref")),
    Column("area", aliases=("area_code", "area_name")),
    Column("period"),
    Column("value"),
    Column("numerator", required=False),
    Column("denominator", required=False),
    Column("submitted_by", restricted=True),  # a person's name or address
    Column("submitted_at", aliases=("submitted", "date_submitted")),
)
TABLE_DDL = """
create schema if not exists raw;
create table if not exists raw.partner_returns (
    metric_id varchar not null,
    area_code varchar not null,
    period varchar not null,
    period_type varchar not null,
    value varchar not null,
    numerator double,
    denominator double,
    submitted_by varchar not null,
    submitted_at timestamp not null,
    source_file varchar not null,
    source_sha256 varchar not null,
    source_line integer not null,
    loaded_at timestamptz not null default current_timestamp
);
"""
PERIODS = {
    "quarter": re.compile(r"^(\d{4})/(\d{2})-Q([1-4])$"),
    "year": re.compile(r"^(\d{4})/(\d{2})$"),
    "month": re.compile(r"^(\d{4})-(\d{2})$"),
}
# What period a metric's figures come in, from its catalogue frequency.
ACCEPTED_PERIODS = {
    "annual": ("year",),
    "quarterly": ("quarter", "year"),
    "monthly": ("month", "quarter", "year"),
}
STAGED = "_incoming_returns"


def period_type_and_end(period: str) -> tuple[str, date] | None:
    for kind, pattern in PERIODS.items():
        match = pattern.match(period)
        if not match:
            continue
        if kind == "month":
            year, month = int(match[1]), int(match[2])
            if not 1 <= month <= 12:
                return None
            return kind, date(year + month // 12, month % 12 + 1, 1)
        start = int(match[1])
        if (start + 1) % 100 != int(match[2]):
            return None
        if kind == "year":
            return kind, date(start + 1, 4, 1)
        quarter = int(match[3])
        end_month = 3 * quarter + 4  # month after the quarter ends, counted from January
        return kind, date(start + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1)
    return None


class PartnerReturnFormat:
    dataset = SOURCE
    landing_folder = SOURCE
    table = "raw.partner_returns"

    def claims(self, file_name: str) -> bool:
        return bool(re.match(r"^partner-return.*\.(csv|xlsx)$", file_name, re.IGNORECASE))

    def describe_files(self) -> str:
        return "partner returns named partner-return-*.csv or .xlsx (see the README template)"

    def scope_of(self, file_name: str) -> str:
        return file_name.lower()  # a corrected file under the same name replaces the earlier

    def ensure_tables(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute(TABLE_DDL)

    def partitions_of(self, landed: LandedFile) -> tuple[str, ...]:
        return (landed.name.lower(),)

    def stage(self, con: duckdb.DuckDBPyConnection, path: Path, file_name: str) -> int:
        rows = stage_table(con, path, file_name, COLUMNS, "_delivered_returns")
        staged = con.execute(
            "select source_line, metric_id, area, period, value, numerator, denominator, "
            "submitted_by, submitted_at from _delivered_returns order by source_line"
        ).fetchall()
        catalogue = metric_catalogue()
        clean = []
        today = date.today()
        for line, metric_id, area, period, value, numerator, denominator, by, at in staged:

            def refuse(column: str, problem: str, expected: str, found: object, line=line):
                raise FileRefused.at_cell(
                    file_name,
                    line,
                    column,
                    problem,
                    expected,
                    found,
                    restricted=column in restricted_columns(COLUMNS),
                )

            metric_id = (metric_id or "").strip()
            metric = catalogue.get(metric_id)
            if metric is None:
                refuse(
                    "metric_id",
                    "not a metric of the plan",
                    "a ref from the metric catalogue (e.g. 37)",
                    metric_id,
                )
            if metric["source"] != "partner_return":
                refuse(
                    "metric_id",
                    f"metric {metric_id} is computed from {metric['source']}, not by partners",
                    "a metric whose catalogue source is partner_return",
                    metric_id,
                )
            area_code = area_code_for(area or "")
            if area_code is None:
                refuse(
                    "area",
                    "not an area of this warehouse",
                    "the force or a local authority / CSP, by code or name",
                    area,
                )
            parsed = period_type_and_end((period or "").strip())
            if parsed is None:
                refuse("period", "not a period", "2025/26-Q1, 2025/26 or 2025-06", period)
            kind, ends_before = parsed
            if kind not in ACCEPTED_PERIODS[metric["frequency"]]:
                accepted = " or ".join(ACCEPTED_PERIODS[metric["frequency"]])
                refuse(
                    "period",
                    f"metric {metric_id} is {metric['frequency']}: a {kind} figure does not fit",
                    f"a {accepted} period",
                    period,
                )
            if ends_before > today:
                refuse(
                    "period",
                    "a period that has not ended yet",
                    f"a period ending before {today}",
                    period,
                )
            text = (value or "").strip()
            if metric["unit"] == "yes_no":
                if text.upper() not in {"Y", "N", "YES", "NO"}:
                    refuse("value", "not a yes/no answer", "Y or N", value)
                text = text.upper()[0]
            else:
                number = _number(text)
                if number is None:
                    refuse(
                        "value",
                        "text where a number must be",
                        f"a number in {metric['unit']}",
                        value,
                    )
                allowed = unit_range(metric["unit"])
                if not allowed.holds(number):
                    refuse(
                        "value",
                        f"a figure outside the range of its unit ({metric['unit']})",
                        allowed.expected,
                        value,
                    )
                text = repr(number)
            num, den = _number(numerator), _number(denominator)
            if (numerator and num is None) or (denominator and den is None):
                bad_column = "numerator" if numerator and num is None else "denominator"
                refuse(
                    bad_column,
                    "text where a count must be",
                    "a number or empty",
                    numerator if bad_column == "numerator" else denominator,
                )
            counts = unit_range("count")
            for column, number, cell in (
                ("numerator", num, numerator),
                ("denominator", den, denominator),
            ):
                if number is not None and not counts.holds(number):
                    refuse(column, "a count outside the range of its unit", counts.expected, cell)
            if num is not None and den is not None:
                scale = {"percent": 100, "rate_per_1000": 1000}.get(metric["unit"])
                if den <= 0:
                    refuse(
                        "denominator",
                        "a denominator of zero or less",
                        "a positive count",
                        denominator,
                    )
                if scale and abs(num / den * scale - float(text)) > 0.05 * max(
                    1.0, abs(float(text))
                ):
                    implied = num / den * scale
                    refuse(
                        "value",
                        f"the value does not match numerator / denominator ({implied:.2f})",
                        "value = numerator / denominator in the metric's unit",
                        value,
                    )
            if not (by or "").strip():
                refuse("submitted_by", "no submitter", "who supplied the figure", by)
            submitted = _timestamp(at)
            if submitted is None:
                refuse("submitted_at", "not a date", "YYYY-MM-DD or an ISO date-time", at)
            clean.append(
                (
                    metric_id.strip(),
                    area_code,
                    period.strip(),
                    kind,
                    text,
                    num,
                    den,
                    by.strip(),
                    submitted,
                    line,
                )
            )
        con.execute(
            f"create or replace temp table {STAGED} (metric_id varchar, area_code varchar, "
            "period varchar, period_type varchar, value varchar, numerator double, "
            "denominator double, submitted_by varchar, submitted_at timestamp, source_line integer)"
        )
        con.executemany(f"insert into {STAGED} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", clean)
        # Two figures for one metric, area and period in one file: which one counts would be
        # a guess (areas compared by code, so "Blaby" and "E07000129" are the same area).
        refuse_repeated_keys(
            con,
            STAGED,
            file_name,
            ("metric_id", "area_code", "period"),
            "metric x area x period",
        )
        return rows

    def staged_rows(self, file_name: str) -> StagedRows:
        """The staged figures, as ``replace`` writes them."""
        return StagedRows(
            "select metric_id, area_code, period, period_type, value, numerator, denominator, "
            f"submitted_by, submitted_at, ?::varchar as source_file, source_line from {STAGED}",
            [file_name],
        )

    def replace(
        self, con: duckdb.DuckDBPyConnection, file_name: str, sha256: str, replacing: bool = True
    ) -> None:
        con.execute(f"delete from {self.table} where lower(source_file) = ?", [file_name.lower()])
        con.execute(
            f"""
            insert into {self.table} (metric_id, area_code, period, period_type, value, numerator,
                denominator, submitted_by, submitted_at, source_file, source_sha256, source_line)
            select metric_id, area_code, period, period_type, value, numerator, denominator,
                   submitted_by, submitted_at, ?, ?, source_line
            from {STAGED} order by source_line
            """,
            [file_name, sha256],
        )


def _number(text: str | None) -> float | None:
    """A partner's figure as written ("1,204", "63.5%"); None when it is not a finite number."""
    if text is None:
        return None
    return finite_number(str(text).replace(",", "").replace("%", ""))


def _timestamp(text: str | None):
    from datetime import datetime

    if not text:
        return None
    for parse in (datetime.fromisoformat, lambda t: datetime.strptime(t, "%d/%m/%Y")):
        try:
            return parse(str(text).strip())
        except ValueError:
            continue
    return None
