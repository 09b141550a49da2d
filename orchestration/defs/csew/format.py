"""Crime Survey for England and Wales force-area estimates, for the force and its peers.

``csew-<anything>.csv`` or ``.xlsx`` in landing/csew/, in one of two layouts.

This warehouse's own template (ONS publishes no file in exactly this shape: it is what an
analyst fills in from ONS's tables), one row per force x period x measure:

| column | meaning |
|---|---|
| force | the force: police.uk name ("Leicestershire Police"), PFA name or code, or slug |
| period | the survey year's last month, YYYY-MM (a quarter end), or "Year ending March 2025" |
| measure | confidence, good_job, fair_treatment or community_understanding |
| estimate, ci_lower, ci_upper | percent (0-100) with its 95% confidence interval |
| unweighted_n | respondents in the force area |

Only the configured forces and the home force's peer group (seeds/peer_forces.csv) are taken:
a row for any other force refuses the file. A newer file replaces the rows it repeats.

ONS's long format, as in the CSEW open-data CSVs (saved here as ``csew-<anything>.csv``): the
same force / period / measure columns (``Police Force Area``, ``Year ending``, ``Measure``)
with ``Estimate``, ``StandardError`` and ``UnweightedCount``, and no interval: the 95%
interval is estimate +- 1.96 standard errors, cut at 0 and 100. Such a file covers every
force area, England and Wales and the regions, and measures this warehouse does not report:
those rows are left out, not refused, and a file with no row left is refused.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb

from orchestration.forces import all_forces
from orchestration.landing.files import LandedFile
from orchestration.landing.plausibility import (
    finite_number,
    refuse_repeated_keys,
    unit_range,
)
from orchestration.landing.refusal import FileRefused
from orchestration.landing.staged import StagedRows
from orchestration.landing.tabular import Column, partitions_in_content, stage_table
from orchestration.reference import peer_forces
from orchestration.settings import Settings

SOURCE = "csew"
MEASURES = {
    "confidence": (
        "confidence",
        "confidence_in_local_police",
        "confidence_in_police",
        "confidence_in_the_local_police",
    ),
    "good_job": ("good_job", "police_do_a_good_or_excellent_job", "good_or_excellent_job"),
    "fair_treatment": ("fair_treatment", "police_treat_everyone_fairly"),
    "community_understanding": ("community_understanding", "police_understand_local_issues"),
}
COLUMNS = (
    Column(
        "force",
        aliases=(
            "force_name",
            "police_force_area",
            "pfa",
            "police_force_area_name",
            "geography",
            "area_name",
        ),
    ),
    Column("period", aliases=("year_ending", "survey_year_ending", "time_period", "date")),
    Column("measure", aliases=("variable", "indicator", "question")),
    Column("estimate", aliases=("percentage", "value")),
    Column("ci_lower", aliases=("lower_ci", "lower"), required=False),
    Column("ci_upper", aliases=("upper_ci", "upper"), required=False),
    Column("standard_error", aliases=("standarderror", "se"), required=False),
    Column(
        "unweighted_n",
        aliases=("unweighted_base", "base", "n", "unweightedcount", "unweighted_count"),
    ),
)
Z_95 = 1.96  # a 95% interval from a standard error
TABLE_DDL = """
create schema if not exists raw;
create table if not exists raw.csew_force_estimates (
    force_slug varchar not null,
    period_end date not null,
    measure varchar not null,
    estimate double not null,
    ci_lower double not null,
    ci_upper double not null,
    unweighted_n integer not null,
    source_sha256 varchar not null,
    source_line integer not null,
    loaded_at timestamptz not null default current_timestamp
);
"""
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
STAGED = "_incoming_csew"


def period_end(text: str) -> date | None:
    """The last month of the survey year, from '2025-03' or 'Year ending March 2025'."""
    value = text.strip().lower()
    if match := re.fullmatch(r"(\d{4})-(\d{2})", value):
        year, month = int(match[1]), int(match[2])
    elif match := re.fullmatch(r"(?:year ending |ye |[a-z]+ \d{4} to )?([a-z]+) (\d{4})", value):
        name = next((m for m in MONTHS if m.startswith(match[1][:3])), None)
        if name is None:
            return None
        year, month = int(match[2]), MONTHS.index(name) + 1
    else:
        return None
    return date(year, month, 1) if month in (3, 6, 9, 12) else None


def force_slug_for(text: str) -> str | None:
    wanted = text.strip().lower()
    for force in all_forces().values():
        if wanted in {
            force.slug,
            force.name.lower(),
            force.pfa_name.lower(),
            force.pfa_code.lower(),
        }:
            return force.slug
    return None


def measure_for(text: str) -> str | None:
    key = re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")
    return next((m for m, spellings in MEASURES.items() if key in spellings), None)


class CsewFormat:
    dataset = "csew_force_estimates"
    landing_folder = SOURCE
    table = "raw.csew_force_estimates"

    def __init__(self, settings: Settings):
        self.settings = settings

    def claims(self, file_name: str) -> bool:
        return bool(re.match(r"^csew.*\.(csv|xlsx)$", file_name, re.IGNORECASE))

    def describe_files(self) -> str:
        return "CSEW force estimates named csew-*.csv or .xlsx"

    def scope_of(self, file_name: str) -> str:
        return ""

    def ensure_tables(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute(TABLE_DDL)

    def partitions_of(self, landed: LandedFile) -> tuple[str, ...]:
        return partitions_in_content(
            self.stage,
            landed.path,
            landed.name,
            f"select distinct strftime(period_end, '%Y-%m') from {STAGED} order by 1",
        )

    def allowed_forces(self, on: date) -> set[str]:
        return {*self.settings.forces, *peer_forces(self.settings.home_force, on)}

    def stage(self, con: duckdb.DuckDBPyConnection, path: Path, file_name: str) -> int:
        stage_table(con, path, file_name, COLUMNS, "_delivered_csew")
        # ONS's long format: standard errors and no interval anywhere in the file.
        ons_long = con.execute(
            "select count(standard_error) > 0 and count(ci_lower) + count(ci_upper) = 0 "
            "from _delivered_csew"
        ).fetchall()[0][0]
        clean = []
        today = date.today()
        for line, force, period, measure, estimate, lower, upper, se, n in con.execute(
            "select source_line, force, period, measure, estimate, ci_lower, ci_upper, "
            "standard_error, unweighted_n from _delivered_csew order by source_line"
        ).fetchall():

            def refuse(column: str, problem: str, expected: str, found: object, line=line):
                raise FileRefused.at_cell(file_name, line, column, problem, expected, found)

            if ons_long:
                # Every area and measure ONS publishes: keep ours only.
                slug, ends = force_slug_for(force or ""), period_end(period or "")
                if slug is None or measure_for(measure or "") is None:
                    continue
                if ends is not None and slug not in self.allowed_forces(ends):
                    continue
                if estimate is not None and se is not None:
                    lower, upper = self._interval(estimate, se, line, file_name)
            ends = period_end(period or "")
            if ends is None:
                refuse(
                    "period",
                    "not a survey year end",
                    "YYYY-MM at a quarter end, e.g. 2025-03",
                    period,
                )
            if ends >= date(today.year, today.month, 1):
                refuse(
                    "period",
                    "a survey year that has not ended",
                    f"a period before {today:%Y-%m}",
                    period,
                )
            slug = force_slug_for(force or "")
            if slug is None:
                refuse(
                    "force",
                    "not a police force of England and Wales",
                    "a force name, PFA name or code",
                    force,
                )
            if slug not in self.allowed_forces(ends):
                refuse(
                    "force",
                    f"force '{slug}' is not configured for this warehouse",
                    "a configured force or one of the home force's peers (seeds/peer_forces.csv)",
                    force,
                )
            kind = measure_for(measure or "")
            if kind is None:
                refuse(
                    "measure",
                    "not a CSEW measure this warehouse reports",
                    ", ".join(MEASURES),
                    measure,
                )
            if lower is None or upper is None:
                refuse(
                    "ci_lower" if lower is None else "ci_upper",
                    "no confidence interval",
                    "ci_lower and ci_upper, or ONS's StandardError",
                    None,
                )
            numbers = []
            percent = unit_range("percent")
            for column, text in (("estimate", estimate), ("ci_lower", lower), ("ci_upper", upper)):
                number = finite_number(str(text).replace("%", ""))
                if number is None:
                    refuse(column, "text where a number must be", percent.expected, text)
                if not percent.holds(number):
                    refuse(column, "a percentage outside 0-100", percent.expected, text)
                numbers.append(number)
            if not numbers[1] <= numbers[0] <= numbers[2]:
                refuse(
                    "estimate",
                    "the estimate is outside its confidence interval",
                    "ci_lower <= estimate <= ci_upper",
                    estimate,
                )
            counts = unit_range("count")
            respondents = finite_number(str(n).replace(",", "")) if n is not None else None
            if respondents is None or not respondents.is_integer():
                refuse(
                    "unweighted_n",
                    "text where a count must be",
                    f"a whole number {counts.expected}",
                    n,
                )
            if respondents <= 0:
                refuse("unweighted_n", "no respondents", "a count above 0", n)
            if not counts.holds(respondents):
                refuse("unweighted_n", "a count outside the range of its unit", counts.expected, n)
            respondents = int(respondents)
            clean.append((slug, ends, kind, *numbers, respondents, line))
        if not clean:
            raise FileRefused(
                file_name=file_name,
                problem="no row is for a configured force (or its peers) and a reported measure",
                expected="rows for "
                + ", ".join(sorted(self.allowed_forces(today)))
                + " and the measures "
                + ", ".join(MEASURES),
            )
        con.execute(
            f"create or replace temp table {STAGED} (force_slug varchar, period_end date, "
            "measure varchar, estimate double, ci_lower double, ci_upper double, "
            "unweighted_n integer, source_line integer)"
        )
        con.executemany(f"insert into {STAGED} values (?, ?, ?, ?, ?, ?, ?, ?)", clean)
        refuse_repeated_keys(
            con,
            STAGED,
            file_name,
            ("force_slug", "period_end", "measure"),
            "force x period x measure",
        )
        return len(clean)

    @staticmethod
    def _interval(estimate: str, se: str, line: int, file_name: str) -> tuple[str, str]:
        """The 95% interval of an ONS estimate from its standard error, cut at 0 and 100."""
        centre, error = finite_number(estimate), finite_number(se)
        for column, number, text, expected in (
            ("estimate", centre, estimate, unit_range("percent").expected),
            ("standard_error", error, se, "a standard error in points"),
        ):
            if number is None:
                raise FileRefused(
                    file_name=file_name,
                    row=line,
                    column=column,
                    problem="text where a number must be",
                    expected=expected,
                    found=text,
                )
        assert centre is not None and error is not None
        if error < 0:
            raise FileRefused(
                file_name=file_name,
                row=line,
                column="standard_error",
                problem="a negative standard error",
                expected="a standard error of 0 or more",
                found=se,
            )
        return (
            str(max(0.0, round(centre - Z_95 * error, 6))),
            str(min(100.0, round(centre + Z_95 * error, 6))),
        )

    def staged_rows(self, file_name: str) -> StagedRows:
        """The staged estimates, as ``replace`` writes them."""
        return StagedRows(
            "select force_slug, period_end, measure, estimate, ci_lower, ci_upper, unweighted_n, "
            f"source_line from {STAGED}"
        )

    def replace(
        self, con: duckdb.DuckDBPyConnection, file_name: str, sha256: str, replacing: bool = True
    ) -> None:
        con.execute(
            f"""
            delete from {self.table} as existing using {STAGED} as incoming
            where existing.force_slug = incoming.force_slug
              and existing.period_end = incoming.period_end
              and existing.measure = incoming.measure
            """
        )
        con.execute(
            f"""
            insert into {self.table} (force_slug, period_end, measure, estimate, ci_lower,
                ci_upper, unweighted_n, source_sha256, source_line)
            select force_slug, period_end, measure, estimate, ci_lower, ci_upper, unweighted_n,
                   ?, source_line
            from {STAGED} order by source_line
            """,
            [sha256],
        )
