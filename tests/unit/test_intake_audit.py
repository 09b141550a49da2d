"""Write-audit-publish: intake validates a file's staged rows with its Great Expectations suite
before the transaction that would replace its partitions.

A file breaking an error-level expectation is refused like a structural failure (quarantined,
a refused manifest row, a reason naming the expectation, column, rows and lines, never a cell's
value) and nothing of it is written: its partitions keep exactly their previous rows, and the
other files of its batch load. Warn-level failures load and are reported. The Dagster intake
asset reports both checks itself and its run succeeds. Real DuckDB, real GX, real Dagster.
"""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.defs.police_uk.assets import STREET
from orchestration.defs.police_uk.checks import STREET_SUITE
from orchestration.defs.police_uk.format import StreetFormat
from orchestration.defs.stats19.checks import CASUALTY_SUITE, COLLISION_SUITE
from orchestration.defs.stats19.format import Stats19Format
from orchestration.defs.victim_survey.checks import RESPONSES_SUITE
from orchestration.defs.victim_survey.format import VictimSurveyFormat
from orchestration.demo.crime_model import MonthKey
from orchestration.demo.police_uk import street_rows
from orchestration.landing.files import list_landed
from orchestration.landing.intake import IntakeResult, take_in
from orchestration.lib.resources import run_resources
from orchestration.quality import expectation_suites
from orchestration.settings import EXPECTATIONS_DIR, Settings
from tests.unit.test_intake_batches import (
    OneAtATime,
    deliver,
    file_lines,
    loaded_lines,
    name_of,
)

RELEASE = MonthKey(2024, 12)
OUTSIDE_GB = "12.345678"  # a longitude far east of Great Britain: structurally a number


@pytest.fixture(scope="module")
def rows_by_month() -> dict[int, list[list[str]]]:
    return {m: street_rows(MonthKey(2024, m), release=RELEASE, seed=7) for m in range(1, 6)}


def broken(rows: list[list[str]]) -> tuple[list[list[str]], list[int], int]:
    """The rows with the Crime ID taken off three burglaries (lines returned) and one later row
    placed outside Great Britain (its line returned)."""
    rows = [list(r) for r in rows]
    burglaries = [i for i, r in enumerate(rows) if r[9] == "Burglary"][:3]
    for i in burglaries:
        rows[i][0] = ""
    located = next(i for i, r in enumerate(rows) if r[4] and i > burglaries[-1])
    rows[located][4] = OUTSIDE_GB
    return rows, [i + 2 for i in burglaries], located + 2


def take(settings: Settings, fmt=None, suite=STREET_SUITE, folder="police_uk") -> IntakeResult:
    fmt = fmt or StreetFormat(settings.forces)
    files = list_landed(settings.landing_dir, folder)
    return take_in(settings, fmt, files, run_id="test", audit=suite.audit(settings))


def raw_rows(settings: Settings, table: str, where: str = "true") -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(
            f"select * exclude (loaded_at) from {table} where {where} order by all"
        ).fetchall()


def manifest(settings: Settings) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(
            "select original_name, status, version, reason from ops.file_manifest order by all"
        ).fetchall()


def assert_refusal_names_the_breaks(reason: str, name: str, crime_lines, outside_line) -> None:
    assert reason.startswith(f"file {name}: rows break 2 expectations")
    assert "Great Expectations suite police_uk_street" in reason
    assert (
        "every crime (not ASB) carries a Crime ID: 3 rows in column 'crime_id' "
        f"(lines {', '.join(map(str, crime_lines))}; "
        "GX expect_column_values_to_not_be_null); expected a value in crime_id on every row "
        'where crime_type != "Anti-social behaviour"'
    ) in reason
    assert (
        f"inside Great Britain: 1 row in column 'longitude_num' (line {outside_line}; "
        "GX expect_column_values_to_be_between); expected longitude_num from -8.7 to 1.8"
    ) in reason
    assert OUTSIDE_GB not in reason  # where and what was expected, never a cell's value


# (a) a new month breaking error-level expectations, in a batch


def test_a_month_breaking_an_expectation_is_refused_and_the_rest_of_its_batch_loads(
    settings, rows_by_month, monkeypatch
):
    bad_rows, crime_lines, outside_line = broken(rows_by_month[2])
    paths = {m: deliver(settings, m, rows_by_month[m]) for m in (1, 3)}
    paths[2] = deliver(settings, 2, bad_rows)
    expected = {m: file_lines(paths[m]) for m in (1, 3)}
    alone_calls = []
    real_stage = StreetFormat.stage
    monkeypatch.setattr(
        StreetFormat, "stage", lambda self, *a: alone_calls.append(a) or real_stage(self, *a)
    )

    result = take(settings)

    assert alone_calls == []  # staged and validated as one batch, the culprit found in it
    [refused] = result.refused
    assert refused.name == name_of(2)
    assert_refusal_names_the_breaks(refused.reason, name_of(2), crime_lines, outside_line)
    assert sorted(f.name for f in result.loaded) == [name_of(1), name_of(3)]
    for month in (1, 3):
        assert loaded_lines(settings, month) == expected[month]
    assert loaded_lines(settings, 2) == {}  # nothing of the refused file
    assert not any(settings.landing_for("police_uk").iterdir())
    # Quarantined with its reason, in words and in JSON, and a refused manifest row.
    quarantined = Path(refused.quarantine_path)
    assert quarantined.exists()
    text = Path(f"{quarantined}.reason.txt").read_text(encoding="utf-8").strip()
    assert text == refused.reason
    details = json.loads(Path(f"{quarantined}.reason.json").read_text(encoding="utf-8"))
    assert (details["line"], details["column"], details["suite"]) == (
        crime_lines[0],
        "crime_id",
        "police_uk_street",
    )
    assert [(e["columns"], e["rows"], e["lines"]) for e in details["expectations"]] == [
        (["crime_id"], 3, crime_lines),
        (["longitude_num"], 1, [outside_line]),
    ]
    assert OUTSIDE_GB not in json.dumps(details)
    assert (name_of(2), "refused", None, refused.reason) in manifest(settings)
    # What the audit saw, file by file.
    assert {(a.name, a.loaded) for a in result.audited} == {
        (name_of(1), True), (name_of(2), False), (name_of(3), True),
    }  # fmt: skip


def test_batches_and_one_file_at_a_time_refuse_the_same_file_for_the_same_reason(
    settings, rows_by_month, tmp_path
):
    other = Settings(data_dir=tmp_path / "one-at-a-time", forces=settings.forces)
    other.ensure_dirs()
    bad_rows, _, _ = broken(rows_by_month[4])
    for target in (settings, other):
        for month in (1, 2, 3, 5):
            deliver(target, month, rows_by_month[month])
        deliver(target, 4, bad_rows)

    batched = take(settings)
    single = take(other, OneAtATime(StreetFormat(other.forces)))

    assert [(f.name, f.reason) for f in batched.refused] == [
        (f.name, f.reason) for f in single.refused
    ]
    assert [f.name for f in batched.refused] == [name_of(4)]
    assert raw_rows(settings, "raw.police_uk_street") == raw_rows(other, "raw.police_uk_street")


# (b) a revision of a month already loaded


def test_a_bad_revision_leaves_the_previous_good_rows_of_its_month_exactly(settings, rows_by_month):
    deliver(settings, 1, rows_by_month[1])
    deliver(settings, 2, rows_by_month[2])
    assert len(take(settings).loaded) == 2
    february = "partition_month = date '2024-02-01'"
    before = raw_rows(settings, "raw.police_uk_street", february)
    revised = street_rows(MonthKey(2024, 2), release=MonthKey(2025, 6), seed=7)
    bad_rows, crime_lines, outside_line = broken(revised)
    deliver(settings, 2, bad_rows)
    deliver(settings, 3, rows_by_month[3])

    result = take(settings)

    assert [f.name for f in result.refused] == [name_of(2)]
    assert_refusal_names_the_breaks(result.refused[0].reason, name_of(2), crime_lines, outside_line)
    assert [f.name for f in result.loaded] == [name_of(3)]
    assert raw_rows(settings, "raw.police_uk_street", february) == before
    versions = [(n, s, v) for n, s, v, _ in manifest(settings) if n == name_of(2)]
    assert versions == [(name_of(2), "loaded", 1), (name_of(2), "refused", None)]


# (c) a format that takes one file at a time: STATS19

COLLISIONS = (
    "collision_index,collision_year,collision_ref_no,police_force,collision_severity,date,"
    "local_authority_ons_district,collision_adjusted_severity_serious"
)
CASUALTIES = (
    "collision_index,collision_year,collision_ref_no,vehicle_reference,casualty_reference,"
    "casualty_severity,casualty_adjusted_severity_serious"
)


def write_stats19(settings: Settings, table: str, header: str, rows: list[str]) -> Path:
    folder = settings.landing_for("stats19")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"dft-road-casualty-statistics-{table}-2023.csv"
    path.write_text("\r\n".join([header, *rows]) + "\r\n", encoding="utf-8")
    return path


def test_a_stats19_revision_with_a_probability_above_one_is_refused_and_ksi_stands(settings):
    write_stats19(
        settings,
        "collision",
        COLLISIONS,
        [
            "2023330000001,2023,330000001,33,2,14/03/2023,E07000130,0.9",
            "2023330000002,2023,330000002,33,3,30/11/2023,E06000016,0.1",
            "2023330000003,2023,330000003,33,2,02/12/2023,E06000016,0.6",
        ],
    )
    collisions = Stats19Format("collision", settings)
    assert len(take(settings, collisions, COLLISION_SUITE, "stats19").loaded) == 1
    casualties = Stats19Format("casualty", settings)
    write_stats19(
        settings,
        "casualty",
        CASUALTIES,
        [
            "2023330000001,2023,330000001,1,1,2,0.93",
            "2023330000002,2023,330000002,1,1,3,0.1",
            "2023330000003,2023,330000003,1,1,2,0.6",
        ],
    )
    assert len(take(settings, casualties, CASUALTY_SUITE, "stats19").loaded) == 1
    before = raw_rows(settings, "raw.stats19_casualty")
    # DfT re-issues the year; one adjusted-serious probability is 1.6: a valid number (the
    # structural checks pass), but adjusted KSI would count that casualty 1.6 times.
    write_stats19(
        settings,
        "casualty",
        CASUALTIES,
        [
            "2023330000001,2023,330000001,1,1,2,0.93",
            "2023330000002,2023,330000002,1,1,3,1.6",
            "2023330000003,2023,330000003,1,1,2,0.6",
        ],
    )

    result = take(settings, casualties, CASUALTY_SUITE, "stats19")

    assert result.loaded == []
    [refused] = result.refused
    assert refused.reason == (
        "file dft-road-casualty-statistics-casualty-2023.csv: rows break the Great "
        "Expectations suite stats19_casualty: a probability: 1 row in column 'adjusted_serious' "
        "(line 3; GX expect_column_values_to_be_between); expected adjusted_serious from 0 to 1"
    )
    assert raw_rows(settings, "raw.stats19_casualty") == before
    casualty_files = [s for n, s, _, _ in manifest(settings) if n.endswith("casualty-2023.csv")]
    assert casualty_files == ["loaded", "refused"]


# (d) a warn-level failure loads, and says where


def test_a_warning_loads_and_names_its_lines(settings, rows_by_month):
    rows = [list(r) for r in rows_by_month[1]]
    new = next(i for i, r in enumerate(rows) if r[10])
    rows[new][10] = "Offender given a community resolution"  # not (yet) in the suite's list
    path = deliver(settings, 1, rows)
    expected = file_lines(path)

    result = take(settings)

    assert result.refused == [] and [f.name for f in result.loaded] == [name_of(1)]
    assert loaded_lines(settings, 1) == expected
    [audited] = result.audited
    assert audited.loaded and audited.outcome.errors == []
    [warning] = audited.outcome.warnings
    assert (warning.column, warning.unexpected_count, warning.lines) == (
        "last_outcome_category",
        1,
        (new + 2,),
    )


def test_a_failing_audit_writes_nothing_and_leaves_the_file_in_landing(settings, rows_by_month):
    deliver(settings, 1, rows_by_month[1])

    class Crashing:
        has_frame_rules = False

        def __call__(self, con, rows, partitions, rules="all"):
            raise RuntimeError("the validation crashed")

    crashing = Crashing()

    with pytest.raises(RuntimeError):
        take_in(
            settings,
            StreetFormat(settings.forces),
            list_landed(settings.landing_dir, "police_uk"),
            run_id="test",
            audit=crashing,
        )

    assert loaded_lines(settings, 1) == {}
    assert manifest(settings) == []
    assert [p.name for p in settings.landing_for("police_uk").iterdir()] == [name_of(1)]


# (e) the Dagster intake asset reports both checks, and its run succeeds


def materialize_months(first: str, last: str) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [STREET.asset],
        resources=run_resources(),
        tags={
            "dagster/asset_partition_range_start": first,
            "dagster/asset_partition_range_end": last,
        },
        raise_on_error=False,
    )


def checks_of(run: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.check_name: e for e in run.get_asset_check_evaluations()}


def test_the_intake_asset_reports_its_checks_and_a_refusal_does_not_fail_the_run(
    settings, rows_by_month
):
    bad_rows, crime_lines, _ = broken(rows_by_month[2])
    warned = [list(r) for r in rows_by_month[3]]
    new = next(i for i, r in enumerate(warned) if r[10])
    warned[new][10] = "Offender given a community resolution"
    deliver(settings, 1, rows_by_month[1])
    deliver(settings, 2, bad_rows)
    deliver(settings, 3, warned)

    run = materialize_months("2024-01", "2024-03")

    assert run.success  # refusing a bad file is intake doing its job
    checks = checks_of(run)
    files = checks["delivered_files_accepted"]
    suite = checks["great_expectations_suite"]
    assert (files.passed, files.severity) == (False, dg.AssetCheckSeverity.ERROR)
    assert (suite.passed, suite.severity) == (False, dg.AssetCheckSeverity.ERROR)
    assert not files.blocking and not suite.blocking
    assert suite.description.startswith("1 of 3 file(s) refused for error-level failures")
    table = suite.metadata["files"].value
    assert f"| {name_of(1)} | 2024-01 | {len(rows_by_month[1])} | passed, loaded | none |" in table
    assert f"| {name_of(2)} | 2024-02 | {len(bad_rows)} | **refused**: not loaded |" in table
    assert f"lines {', '.join(map(str, crime_lines))}" in table
    assert f"| {name_of(3)} | 2024-03 | {len(warned)} | loaded with warnings |" in table
    assert f"(line {new + 2}; GX expect_column_values_to_be_in_set)" in table
    assert suite.metadata["files_refused_by_suite"].value == 1
    assert name_of(2) in files.metadata["refusals"].value
    assert len(run.get_asset_materialization_events()) == 3  # one per month of the range
    assert loaded_lines(settings, 2) == {}

    again = materialize_months("2024-01", "2024-03")  # nothing new in landing

    assert again.success
    checks = checks_of(again)
    assert checks["great_expectations_suite"].passed
    assert checks["great_expectations_suite"].description.startswith("Nothing new to validate")
    assert checks["delivered_files_accepted"].passed


def test_warnings_alone_make_the_suite_check_warn(settings, rows_by_month):
    rows = [list(r) for r in rows_by_month[4]]
    rows[next(i for i, r in enumerate(rows) if r[10])][10] = "Offender given a community fine"
    deliver(settings, 4, rows)

    run = materialize_months("2024-04", "2024-04")

    assert run.success
    checks = checks_of(run)
    assert checks["delivered_files_accepted"].passed
    suite = checks["great_expectations_suite"]
    assert (suite.passed, suite.severity) == (False, dg.AssetCheckSeverity.WARN)
    assert suite.description.startswith("1 of 1 file(s) loaded with warnings")
    assert len(loaded_lines(settings, 4)) == len(rows)


# (f) the survey suite never sees a comment, and a refusal never quotes one

SURVEY_NAME = "victim-survey-force-2025-04.csv"
COMMENT = "Officer Jane Example visited my flat at 12 Secret Road"


def deliver_survey(settings: Settings, area_code: str) -> Path:
    folder = settings.landing_for("victim_survey")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / SURVEY_NAME
    rows = [
        f"F-{i},2025-04-{1 + i % 28:02d},{1 + i % 5},Burglary,E07000130,{COMMENT} #{i}"
        for i in range(40)
    ]
    rows[7] = f"F-7,2025-04-08,4,Burglary,{area_code},{COMMENT} #7"
    text = "\r\n".join(
        ["response_id,response_date,overall_satisfaction,crime_group,area_code,comment", *rows]
    )
    path.write_text(text + "\r\n", encoding="utf-8")
    return path


@pytest.fixture
def frames_seen(monkeypatch) -> list[list[str]]:
    """The columns of every frame handed to GX."""
    seen: list[list[str]] = []
    real = expectation_suites.run_suite

    def spy(suite, frame, parameters, rules="all"):
        seen.append(list(frame.columns))
        return real(suite, frame, parameters, rules)

    monkeypatch.setattr("orchestration.quality.audit.run_suite", spy)
    return seen


def test_a_survey_warning_loads_and_the_suite_never_sees_a_comment(settings, frames_seen):
    deliver_survey(settings, area_code="Leicester")  # not an area code: warn-level

    result = take(settings, VictimSurveyFormat(), RESPONSES_SUITE, "victim_survey")

    assert result.refused == [] and len(result.loaded) == 1
    [audited] = result.audited
    [warning] = audited.outcome.warnings
    assert (warning.column, warning.lines) == ("area_code", (9,))
    assert frames_seen and all("comment" not in columns for columns in frames_seen)
    reported = " ".join(audited.outcome.summary_lines())
    assert COMMENT not in reported and "Leicester" not in reported


@pytest.fixture
def area_codes_required(tmp_path, monkeypatch) -> None:
    """A stricter survey suite than the shipped one: an area code that is not a code refuses
    the file (the shipped suite only warns)."""
    strict = json.loads((EXPECTATIONS_DIR / "victim_survey_responses.json").read_text())
    for expectation in strict["expectations"]:
        if expectation["kwargs"].get("column") == "area_code":
            expectation["meta"]["severity"] = "error"
    suites = tmp_path / "expectations"
    suites.mkdir()
    (suites / "victim_survey_responses.json").write_text(json.dumps(strict))
    monkeypatch.setattr(expectation_suites, "EXPECTATIONS_DIR", suites)


def test_a_refused_survey_quotes_no_comment_anywhere(settings, frames_seen, area_codes_required):
    deliver_survey(settings, area_code="Leicester")

    result = take(settings, VictimSurveyFormat(), RESPONSES_SUITE, "victim_survey")

    [refused] = result.refused
    assert result.loaded == []
    assert refused.reason == (
        f"file {SURVEY_NAME}: rows break the Great Expectations suite victim_survey_responses: "
        "a local authority code when given: 1 row in column 'area_code' (line 9; "
        "GX expect_column_values_to_match_regex); expected area_code matching ^E0[67][0-9]{6}$"
    )
    assert all("comment" not in columns for columns in frames_seen)
    quarantined = Path(refused.quarantine_path)
    written = [
        Path(f"{quarantined}.reason.txt").read_text(encoding="utf-8"),
        Path(f"{quarantined}.reason.json").read_text(encoding="utf-8"),
        repr(manifest(settings)),
    ]
    for text in written:
        assert "Secret Road" not in text and "Leicester" not in text
    assert raw_rows(settings, "restricted.victim_survey_comments") == []
    assert raw_rows(settings, "raw.victim_survey_responses") == []


# Many small files of a one-file-at-a-time format are validated together (GX costs about a
# tenth of a second a run however small the frame), and still judged file by file.


def deliver_surveys(settings: Settings, months: list[int], bad_area_in: int | None) -> list[str]:
    names = []
    for month in months:
        folder = settings.landing_for("victim_survey")
        folder.mkdir(parents=True, exist_ok=True)
        name = f"victim-survey-force-2025-{month:02d}.csv"
        rows = [f"F-{i},2025-{month:02d}-{1 + i % 28:02d},{1 + i % 5},Burglary,E07000130,"
                for i in range(20)]  # fmt: skip
        if month == bad_area_in:
            rows[3] = f"F-3,2025-{month:02d}-04,4,Burglary,Leicester,"
        text = "\r\n".join(
            ["response_id,response_date,overall_satisfaction,crime_group,area_code,comment", *rows]
        )
        (folder / name).write_text(text + "\r\n", encoding="utf-8")
        names.append(name)
    return names


@pytest.fixture
def audit_runs(monkeypatch) -> list[int]:
    """The number of rows in each frame handed to GX."""
    runs: list[int] = []
    real = expectation_suites.run_suite

    def counting(suite, frame, parameters, rules="all"):
        runs.append(len(frame))
        return real(suite, frame, parameters, rules)

    monkeypatch.setattr("orchestration.quality.audit.run_suite", counting)
    return runs


def test_small_files_are_validated_together_and_warnings_stay_with_their_file(settings, audit_runs):
    names = deliver_surveys(settings, [1, 2, 3, 4, 5], bad_area_in=4)  # a warning in April

    result = take(settings, VictimSurveyFormat(), RESPONSES_SUITE, "victim_survey")

    # The tolerance file by file, asked for as each file is staged; the row rules once for the
    # five files.
    assert audit_runs == [20, 20, 20, 20, 20, 100]
    assert sorted(f.name for f in result.loaded) == names and result.refused == []
    warned = {a.name: a.outcome.warnings for a in result.audited}
    assert [w.lines for w in warned[names[3]]] == [(5,)]
    assert all(not warned[name] for name in names if name != names[3])


def test_a_file_breaking_an_error_rule_among_others_is_found_and_refused_alone(
    settings, audit_runs, area_codes_required
):
    names = deliver_surveys(settings, [1, 2, 3], bad_area_in=2)

    result = take(settings, VictimSurveyFormat(), RESPONSES_SUITE, "victim_survey")

    # Each file's tolerance as it is staged; together the row rules fail, so each file is
    # then validated alone (every rule) to find which.
    assert audit_runs == [20, 20, 20, 60, 20, 20, 20]
    assert [f.name for f in result.refused] == [names[1]]
    assert "(line 5;" in result.refused[0].reason
    assert sorted(f.name for f in result.loaded) == [names[0], names[2]]
    months = raw_rows(settings, "raw.victim_survey_responses", "true")
    assert len(months) == 40


def test_a_tolerance_is_judged_file_by_file_even_when_files_are_validated_together(
    settings, audit_runs
):
    """'Most respondents answer' (a 90% tolerance) over 20 files would hide one file where a
    quarter did not answer: tolerances run on each file's rows alone."""
    names = deliver_surveys(settings, [1, 2, 3, 4], bad_area_in=None)
    march = settings.landing_for("victim_survey") / names[2]
    lines = march.read_bytes().decode("utf-8").split("\r\n")
    for i in (1, 2, 3, 4, 5):  # 5 of 20 unanswered: 75% answered
        cells = lines[i].split(",")
        cells[2] = ""
        lines[i] = ",".join(cells)
    march.write_text("\r\n".join(lines), encoding="utf-8")

    result = take(settings, VictimSurveyFormat(), RESPONSES_SUITE, "victim_survey")

    assert len(result.loaded) == 4
    warned = {a.name: [w.column for w in a.outcome.warnings] for a in result.audited}
    assert warned[names[2]] == ["overall_satisfaction"]
    assert all(warned[name] == [] for name in names if name != names[2])
    assert audit_runs == [20, 20, 20, 20, 80]  # each file's tolerance, then the rows together


def test_tolerances_validated_by_the_suite_worker_while_intake_goes_on_keep_their_file(
    settings, tmp_path
):
    """With `pcp refresh`'s suite worker, each file's tolerances are handed over at once and
    validated there while intake stages and loads the files before it: the verdicts are the
    same, each with its own file."""
    from orchestration.quality.suite_worker import suites_in_a_second_process

    names = deliver_surveys(settings, [1, 2, 3, 4], bad_area_in=3)
    march = settings.landing_for("victim_survey") / names[1]
    lines = march.read_bytes().decode("utf-8").split("\r\n")
    for i in (1, 2, 3, 4, 5):  # February: 5 of 20 unanswered
        cells = lines[i].split(",")
        cells[2] = ""
        lines[i] = ",".join(cells)
    march.write_text("\r\n".join(lines), encoding="utf-8")

    with suites_in_a_second_process(tmp_path) as worker:
        result = take(settings, VictimSurveyFormat(), RESPONSES_SUITE, "victim_survey")
        assert list(worker.scratch.iterdir()) == []

    assert sorted(f.name for f in result.loaded) == names and result.refused == []
    warned = {a.name: sorted(w.column for w in a.outcome.warnings) for a in result.audited}
    assert warned == {
        names[0]: [],
        names[1]: ["overall_satisfaction"],
        names[2]: ["area_code"],
        names[3]: [],
    }
