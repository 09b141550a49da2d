"""Victim satisfaction survey responses: one file per survey per month, CSV or XLSX.

File name: ``victim-survey-<survey>-YYYY-MM.csv`` (or ``.xlsx``), survey one of
``force`` (the force's victim survey), ``domestic-abuse`` (domestic-abuse victims) or
``opcc-services`` (OPCC commissioned-services feedback). One row per response:

| column | required | meaning |
|---|---|---|
| response_id | yes | unique within the file |
| response_date | yes | YYYY-MM-DD or DD/MM/YYYY, within the file's month |
| overall_satisfaction | yes | 1 (very dissatisfied) .. 5 (very satisfied), its label, or blank |
| crime_group | no | e.g. Burglary, Violent crime, Domestic abuse; the service for OPCC feedback |
| area_code | no | local authority / CSP code of the victim |
| comment | no | free text (<= 2,000 chars): only in ``restricted.victim_survey_comments`` |

Free-text comments may identify people: they go to a restricted table no model reads, and never
into a refusal reason (which gives only their length), a log or a mart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from orchestration.landing.files import LandedFile
from orchestration.landing.plausibility import refuse_repeated_keys, refuse_unknown
from orchestration.landing.refusal import FileRefused
from orchestration.landing.staged import StagedRows
from orchestration.landing.tabular import (
    Column,
    check_rules,
    restricted_columns,
    stage_table,
)
from orchestration.reference import known_area_words
from orchestration.settings import DEFAULT_HISTORY_START

SOURCE = "victim_survey"
SURVEYS = ("force", "domestic-abuse", "opcc-services")
FILE_NAME = re.compile(
    r"^victim-survey-(?P<survey>force|domestic-abuse|opcc-services)-(?P<month>\d{4}-\d{2})\.(csv|xlsx)$",
    re.IGNORECASE,
)
COLUMNS = (
    Column("response_id", aliases=("id", "respondent_id")),
    Column("response_date", aliases=("date", "survey_date")),
    Column("overall_satisfaction", aliases=("satisfaction", "overall_satisfied")),
    Column("crime_group", required=False, aliases=("crime_type", "service")),
    Column("area_code", required=False, aliases=("csp_code", "la_code")),
    Column("comment", required=False, aliases=("comments", "free_text"), restricted=True),
)
# A survey tool's free-text box holds less; a longer "comment" is most likely an unclosed quote
# that swallowed the lines after it.
COMMENT_MAX = 2000
# Labels a survey tool may export instead of the 1-5 code.
SATISFACTION_LABELS = {
    "very dissatisfied": 1, "fairly dissatisfied": 2, "dissatisfied": 2,
    "neither satisfied nor dissatisfied": 3, "neither": 3,
    "fairly satisfied": 4, "satisfied": 4, "very satisfied": 5, "completely satisfied": 5,
}  # fmt: skip

RESPONSES_DDL = """
create schema if not exists raw;
create table if not exists raw.victim_survey_responses (
    survey varchar not null,
    response_id varchar not null,
    response_date date not null,
    overall_satisfaction integer,
    crime_group varchar,
    area_code varchar,
    partition_month date not null,
    source_sha256 varchar not null,
    source_line integer not null,
    loaded_at timestamptz not null default current_timestamp
);
create schema if not exists restricted;
create table if not exists restricted.victim_survey_comments (
    survey varchar not null,
    response_id varchar not null,
    partition_month date not null,
    comment varchar not null,
    source_sha256 varchar not null,
    loaded_at timestamptz not null default current_timestamp
);
"""


@dataclass(frozen=True)
class SurveyFileName:
    survey: str
    month: str

    @property
    def month_start(self) -> date:
        return date(int(self.month[:4]), int(self.month[5:]), 1)


def parse_file_name(name: str) -> SurveyFileName:
    match = FILE_NAME.match(name)
    if not match or not 1 <= int(match["month"][5:]) <= 12:
        raise FileRefused(
            file_name=name,
            problem="the file name does not say which survey and month it holds",
            expected="victim-survey-<force|domestic-abuse|opcc-services>-YYYY-MM.csv or .xlsx",
        )
    return SurveyFileName(match["survey"].lower(), match["month"])


_LABELS_SQL = " ".join(f"when '{label}' then {code}" for label, code in SATISFACTION_LABELS.items())
SATISFACTION_SQL = (
    f"coalesce(try_cast(overall_satisfaction as integer), "
    f"case lower(overall_satisfaction) {_LABELS_SQL} end)"
)
DATE_SQL = (
    "coalesce(try_strptime(response_date, '%Y-%m-%d'), try_strptime(response_date, '%d/%m/%Y'), "
    "try_strptime(response_date, '%Y-%m-%dT%H:%M:%S'))"
)


class VictimSurveyFormat:
    dataset = SOURCE
    landing_folder = SOURCE
    table = "raw.victim_survey_responses"
    # No refusal quotes a survey's cell, whatever its column: a stray or missing comma shifts a
    # victim's comment into any column (an area code, a date), where a quote would repeat it in
    # status, the manifest, the readiness mart and alerts. A refusal names the line and column
    # and describes the value (its length). Every rule below takes this one flag.
    quote_cells = False

    def __init__(self, history_start: str = DEFAULT_HISTORY_START):
        self.history_start = history_start

    def claims(self, file_name: str) -> bool:
        return file_name.lower().startswith("victim-survey-")

    def describe_files(self) -> str:
        return "victim survey files named victim-survey-<survey>-YYYY-MM.csv or .xlsx"

    def scope_of(self, file_name: str) -> str:
        return parse_file_name(file_name).survey

    def ensure_tables(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute(RESPONSES_DDL)

    def partitions_of(self, landed: LandedFile) -> tuple[str, ...]:
        parsed = parse_file_name(landed.name)
        today = date.today()
        if parsed.month_start >= date(today.year, today.month, 1):
            raise FileRefused(
                file_name=landed.name,
                problem="the file is for a month that has not ended yet",
                expected=f"a month before {today:%Y-%m}",
                found=parsed.month,
            )
        if parsed.month < self.history_start:
            raise FileRefused(
                file_name=landed.name,
                problem="the month is before the warehouse's history start",
                expected=f"a month from {self.history_start} (PCP_HISTORY_START; set it earlier "
                "to keep older months)",
                found=parsed.month,
            )
        return (parsed.month,)

    def stage(self, con: duckdb.DuckDBPyConnection, path: Path, file_name: str) -> int:
        parsed = parse_file_name(file_name)
        rows = stage_table(con, path, file_name, COLUMNS, "_incoming_survey")
        checks = [
            ("response_id is null", "response_id", "a response without its id",
             "an id on every row"),
            (f"{DATE_SQL} is null", "response_date", "a date that is not a date",
             "YYYY-MM-DD or DD/MM/YYYY"),
            (f"strftime({DATE_SQL}, '%Y-%m') <> $1", "response_date",
             "a response from another month", f"dates in {parsed.month} (from the file name)"),
            ("overall_satisfaction is not null and "
             f"coalesce({SATISFACTION_SQL}, 0) not between 1 and 5",
             "overall_satisfaction", "a satisfaction answer off the 5-point scale",
             "1-5 (or the label, e.g. 'Fairly satisfied'), or blank for no answer"),
            (f"length(comment) > {COMMENT_MAX}", "comment", "a comment longer than a survey allows",
             f"at most {COMMENT_MAX:,} characters (an unclosed quote can swallow lines)"),
        ]  # fmt: skip
        check_rules(
            con,
            "_incoming_survey",
            file_name,
            checks,
            restricted=restricted_columns(COLUMNS),
            parameters=[parsed.month],
            quote_cells=self.quote_cells,
        )
        refuse_repeated_keys(
            con,
            "_incoming_survey",
            file_name,
            ("response_id",),
            "response id",
            quote_cells=self.quote_cells,
        )
        # An area the warehouse does not know would count nowhere; a known name where a code
        # belongs loads (the suite warns).
        refuse_unknown(
            con,
            "_incoming_survey",
            file_name,
            "area_code",
            known_area_words(),
            problem="not an area of this warehouse",
            expected="a local authority or CSP code of the force area (seeds/areas.csv), "
            "e.g. E07000130, or blank",
            quote_cells=self.quote_cells,
        )
        return rows

    def staged_rows(self, file_name: str) -> StagedRows:
        """The staged responses as ``replace`` writes them to raw: never the comment."""
        parsed = parse_file_name(file_name)
        return StagedRows(
            f"""
            select ?::varchar as survey, response_id, cast({DATE_SQL} as date) as response_date,
                   {SATISFACTION_SQL} as overall_satisfaction, crime_group, area_code,
                   ?::date as partition_month, source_line
            from _incoming_survey
            """,
            [parsed.survey, parsed.month_start],
        )

    def replace(
        self, con: duckdb.DuckDBPyConnection, file_name: str, sha256: str, replacing: bool = True
    ) -> None:
        parsed = parse_file_name(file_name)
        for table in (self.table, "restricted.victim_survey_comments"):
            con.execute(
                f"delete from {table} where survey = ? and partition_month = ?",
                [parsed.survey, parsed.month_start],
            )
        # The rows the audit validated, exactly.
        staged = self.staged_rows(file_name)
        con.execute(
            f"""
            insert into {self.table} (survey, response_id, response_date, overall_satisfaction,
                crime_group, area_code, partition_month, source_line, source_sha256)
            select *, ? from ({staged.sql}) order by source_line
            """,
            [sha256, *staged.params],  # positional: the outer ? comes first
        )
        con.execute(
            """
            insert into restricted.victim_survey_comments
                (survey, response_id, partition_month, comment, source_sha256)
            select ?, response_id, ?, comment, ? from _incoming_survey where comment is not null
            """,
            [parsed.survey, parsed.month_start, sha256],
        )
        con.execute("drop table _incoming_survey")
        con.execute("drop table _delivered_table")
