"""Files of a one-file-at-a-time format are taken in pools: each staged once, validated together
by their Great Expectations suite, the passing ones loaded in one transaction.

A pool must give what taking the files one by one gave: each file loads exactly its own rows
(its staged tables are set aside while the next files are staged), a bad file is refused alone
naming its line and column while the files beside it load, and a file replacing partitions an
earlier file of the same pool loads after it. Real DuckDB file, real GX, real formats.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from orchestration.defs.csew.checks import CSEW_SUITE
from orchestration.defs.csew.format import CsewFormat
from orchestration.defs.victim_survey.checks import RESPONSES_SUITE
from orchestration.defs.victim_survey.format import VictimSurveyFormat
from orchestration.landing.files import list_landed
from orchestration.landing.intake import IntakeResult, take_in
from orchestration.settings import Settings

HEADER = "response_id,response_date,overall_satisfaction,crime_group,area_code,comment"


class CountedSurveys(VictimSurveyFormat):
    """The victim survey format, counting how often each file is staged."""

    def __init__(self) -> None:
        super().__init__()
        self.staged: list[str] = []

    def stage(self, con, path, file_name):
        self.staged.append(file_name)
        return super().stage(con, path, file_name)


def survey_name(month: int) -> str:
    return f"victim-survey-force-2025-{month:02d}.csv"


def deliver_survey(settings: Settings, month: int, rows: list[str], age: int = 0) -> Path:
    """A month's responses; ``age`` seconds older than the others (delivered earlier)."""
    folder = settings.landing_for("victim_survey")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / survey_name(month)
    path.write_text("\r\n".join([HEADER, *rows]) + "\r\n", encoding="utf-8")
    if age:
        stamp = path.stat().st_mtime - age
        os.utime(path, (stamp, stamp))
    return path


def responses(month: int, count: int = 12) -> list[str]:
    """Responses whose ids and comments say which month's file they came from."""
    return [
        f"M{month}-{i},2025-{month:02d}-{1 + i % 28:02d},{1 + (i + month) % 5},Burglary,"
        f"E07000130,said in month {month}"
        for i in range(count)
    ]


def take(settings: Settings, fmt, suite, folder: str) -> IntakeResult:
    files = list_landed(settings.landing_dir, folder)
    return take_in(settings, fmt, files, run_id="test", audit=suite.audit(settings))


def query(settings: Settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_each_file_of_a_pool_is_staged_once_and_loads_exactly_its_own_rows(settings):
    for month in (1, 2, 3, 4, 5):
        deliver_survey(settings, month, responses(month, count=10 + month))
    fmt = CountedSurveys()

    result = take(settings, fmt, RESPONSES_SUITE, "victim_survey")

    assert sorted(fmt.staged) == [survey_name(m) for m in (1, 2, 3, 4, 5)]  # once each
    assert sorted(f.name for f in result.loaded) == sorted(fmt.staged)
    assert {f.name: f.rows for f in result.loaded} == {
        survey_name(m): 10 + m for m in (1, 2, 3, 4, 5)
    }
    # Every row is in its own month, at its line, with its own file's comment beside it.
    placed = query(
        settings,
        """
        select r.response_id, month(r.partition_month), r.source_line, c.comment
        from raw.victim_survey_responses r
        join restricted.victim_survey_comments c using (survey, response_id, partition_month)
        order by all
        """,
    )
    expected = sorted(
        (f"M{m}-{i}", m, i + 2, f"said in month {m}")
        for m in (1, 2, 3, 4, 5)
        for i in range(10 + m)
    )
    assert placed == expected
    assert query(
        settings, "select count(*), count(distinct delivery_id) from ops.file_manifest"
    ) == [(5, 5)]
    # Nothing staged is left behind in the warehouse file.
    assert query(settings, "select count(*) from duckdb_tables() where temporary") == [(0,)]


def test_a_bad_file_in_a_pool_is_refused_alone_and_the_others_load(settings):
    for month in (1, 2, 3):
        deliver_survey(settings, month, responses(month))
    take(settings, VictimSurveyFormat(), RESPONSES_SUITE, "victim_survey")
    before = query(
        settings,
        "select * exclude (loaded_at) from raw.victim_survey_responses "
        "where month(partition_month) = 2 order by all",
    )
    revised = responses(2)
    revised[2] = "M2-2,not a date,3,Burglary,E07000130,"  # line 4
    deliver_survey(settings, 2, revised)
    deliver_survey(settings, 4, responses(4))
    deliver_survey(settings, 5, responses(5))

    result = take(settings, VictimSurveyFormat(), RESPONSES_SUITE, "victim_survey")

    assert sorted(f.name for f in result.loaded) == [survey_name(4), survey_name(5)]
    (refused,) = result.refused
    assert refused.name == survey_name(2)
    assert survey_name(2) in refused.reason and "line 4" in refused.reason
    assert "response_date" in refused.reason and "YYYY-MM-DD" in refused.reason
    # The refused revision changed nothing: February keeps its rows.
    assert (
        query(
            settings,
            "select * exclude (loaded_at) from raw.victim_survey_responses "
            "where month(partition_month) = 2 order by all",
        )
        == before
    )
    assert query(
        settings,
        "select month(partition_month), count(*) from raw.victim_survey_responses "
        "group by all order by all",
    ) == [(m, 12) for m in (1, 2, 3, 4, 5)]


def deliver_estimates(settings: Settings, name: str, estimate: str, age: int) -> None:
    folder = settings.landing_for("csew")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(
        "force,period,measure,estimate,ci_lower,ci_upper,unweighted_n\r\n"
        f"Leicestershire Police,2024-06,confidence,{estimate},60.0,80.0,479\r\n",
        encoding="utf-8",
    )
    stamp = path.stat().st_mtime - age
    os.utime(path, (stamp, stamp))


def test_a_file_replacing_an_earlier_file_of_its_pool_loads_after_it(settings):
    # Two deliveries for the same quarter in one run: the later one is the current one.
    deliver_estimates(settings, "csew-force-estimates-2024-06.csv", "70.3", age=120)
    deliver_estimates(settings, "csew-force-estimates-2024-06-revised.csv", "71.9", age=60)

    result = take(settings, CsewFormat(settings), CSEW_SUITE, "csew")

    assert result.refused == []
    assert {f.name: f.version for f in result.loaded} == {
        "csew-force-estimates-2024-06.csv": 1,
        "csew-force-estimates-2024-06-revised.csv": 2,
    }
    assert query(
        settings, "select original_name, version, status from ops.file_manifest order by all"
    ) == [
        ("csew-force-estimates-2024-06-revised.csv", 2, "loaded"),
        ("csew-force-estimates-2024-06.csv", 1, "superseded"),
    ]
    assert query(settings, "select estimate from raw.csew_force_estimates") == [(71.9,)]
