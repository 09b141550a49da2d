"""Hostile file content: nothing in a delivered file runs as SQL, and refusals leak nothing.

Every source gets files whose header cells are SQL (quotes, apostrophes, semicolons, function
calls that would read an environment variable or a file, a COPY that would write one, keywords,
control characters). Each file ends in a clean refusal naming its file, line, column and what was
expected, or loads correctly, through the real intake (a real DuckDB warehouse, quarantine,
manifest): never a DuckDB error. A canary secret in the environment, and the first line of
/etc/passwd, appear in no refusal, no manifest row and no file under the data dir, and no file
was written by the COPY. Restricted free text (survey comments, submitters) is described in a
refusal, never quoted; any other quoted value is printable and short.
"""

from __future__ import annotations

import csv
import dataclasses
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook

from orchestration.defs.csew.format import CsewFormat
from orchestration.defs.home_office.format import CspCrimeFormat
from orchestration.defs.partner_returns.format import PartnerReturnFormat
from orchestration.defs.police_uk.format import (
    HEADER,
    OUTCOMES_HEADER,
    OutcomesFormat,
    StreetFormat,
)
from orchestration.defs.stats19.adjustment import Stats19AdjustmentFormat
from orchestration.defs.stats19.format import Stats19Format
from orchestration.defs.victim_survey.format import VictimSurveyFormat
from orchestration.demo.files import write_ods
from orchestration.landing.files import list_landed
from orchestration.landing.intake import IntakeResult, take_in
from orchestration.landing.refusal import CELL_MAX, FOUND_MAX, FileRefused
from orchestration.reference import csp_names_of
from orchestration.settings import Settings

CANARY = "canary-secret-5e1f0a"
SMTP_CANARY = "smtp-password-canary-77c2"
PASSWD_LINE = "root:x:0:0"  # what read_text('/etc/passwd') would bring back
COMMENT_CANARY = "canary comment: my neighbour Jo Bloggs at 12 Acacia Avenue"


def hostile_cells(pwned: Path) -> list[str]:
    """Header cells an attacker (or an unlucky spreadsheet) might send."""
    return [
        "getenv('PCP_CANARY')",
        "read_text('/etc/passwd')",
        f"x'); copy (select getenv('PCP_SMTP_PASSWORD')) to '{pwned}'; --",
        f"x': 'VARCHAR'}}); copy (select 1) to '{pwned}'; --",
        "Robert'); DROP TABLE ops.file_manifest; --",
        'a "quoted" column',
        "it's; select * from duckdb_settings()",
        "SELECT",
        "column0",  # our own positional name: must not be confused with the first column
        "union all select getenv('PCP_CANARY') --",
        "line\nbreak, and a comma",
        "\x1b[31mred\x1b[0m\x00nul",
        "w" * 5000,
    ]


@pytest.fixture
def canaries(monkeypatch) -> None:
    monkeypatch.setenv("PCP_CANARY", CANARY)
    monkeypatch.setenv("PCP_SMTP_PASSWORD", SMTP_CANARY)


@dataclass(frozen=True)
class Source:
    """A valid one-row file of one source, and where its rows land."""

    key: str
    folder: str
    file_name: str
    header: tuple[str, ...]
    row: tuple[str, ...]
    table: str
    sheet: str | None = None  # a workbook's sheet (written as .ods)

    @property
    def shown_as(self) -> str:
        """The file as a refusal names it: a workbook's with its sheet."""
        return self.file_name + (f", sheet '{self.sheet}'" if self.sheet else "")

    def make_format(self, settings: Settings):
        return {
            "police_uk_street": lambda: StreetFormat(("leicestershire",)),
            "police_uk_outcomes": lambda: OutcomesFormat(("leicestershire",)),
            "stats19_collision": lambda: Stats19Format("collision", settings),
            "stats19_collision_last_5_years": lambda: Stats19Format("collision", settings),
            "stats19_casualty": lambda: Stats19Format("casualty", settings),
            "stats19_vehicle": lambda: Stats19Format("vehicle", settings),
            "stats19_casualty_adjustment": lambda: Stats19AdjustmentFormat("casualty", settings),
            "stats19_collision_adjustment": lambda: Stats19AdjustmentFormat("collision", settings),
            "home_office": lambda: CspCrimeFormat(settings),
            "home_office_ods": lambda: CspCrimeFormat(settings),
            "partner_returns": PartnerReturnFormat,
            "victim_survey": VictimSurveyFormat,
            "csew": lambda: CsewFormat(settings),
        }[self.key]()


POLICE_ROW = (
    "c1",
    "2024-05",
    "Leicestershire Police",
    "Leicestershire Police",
    "-1.13",
    "52.63",
    "On or near Main Street",
    "E01025603",
    "Blaby 001A",
)
COLLISION = Source(
    "stats19_collision",
    "stats19",
    "dft-road-casualty-statistics-collision-2024.csv",
    (
        "collision_index",
        "collision_year",
        "collision_ref_no",
        "police_force",
        "collision_severity",
        "date",
    ),
    ("2024330000001", "2024", "330000001", "33", "2", "14/03/2024"),
    "raw.stats19_collision",
)
HOME_OFFICE_HEADER = (
    "Financial Year",
    "Financial Quarter",
    "Force Name",
    "CSP Name",
    "Offence Description",
    "Offence Group",
    "Offence Subgroup",
    "Offence Code",
    "Number of Offences",
)
HOME_OFFICE_ROW = ("2024/25", "1", "Leicestershire", "Blaby", "Murder", "VAP", "Homicide", "1", "0")
SOURCES = (
    Source(
        "police_uk_street",
        "police_uk",
        "2024-05-leicestershire-street.csv",
        HEADER,
        (*POLICE_ROW, "Burglary", "Under investigation", ""),
        "raw.police_uk_street",
    ),
    Source(
        "police_uk_outcomes",
        "police_uk",
        "2024-05-leicestershire-outcomes.csv",
        OUTCOMES_HEADER,
        (*POLICE_ROW, "Investigation complete; no suspect identified"),
        "raw.police_uk_outcomes",
    ),
    COLLISION,
    # DfT's many-year file, the one most users download: its years are read before it is staged.
    dataclasses.replace(
        COLLISION,
        key="stats19_collision_last_5_years",
        file_name="dft-road-casualty-statistics-collision-last-5-years.csv",
    ),
    Source(
        "stats19_casualty",
        "stats19",
        "dft-road-casualty-statistics-casualty-2024.csv",
        (
            "collision_index",
            "collision_year",
            "collision_ref_no",
            "vehicle_reference",
            "casualty_reference",
            "casualty_severity",
        ),
        ("2024330000001", "2024", "330000001", "1", "1", "3"),
        "raw.stats19_casualty",
    ),
    Source(
        "stats19_vehicle",
        "stats19",
        "dft-road-casualty-statistics-vehicle-2024.csv",
        ("collision_index", "collision_year", "collision_ref_no", "vehicle_reference"),
        ("2024330000001", "2024", "330000001", "1"),
        "raw.stats19_vehicle",
    ),
    Source(
        "stats19_casualty_adjustment",
        "stats19",
        "dft-road-casualty-statistics-casualties-adjustment-last-5-years.csv",
        ("accident_index", "Casualty_Reference", "Adjusted_Serious", "Adjusted_Slight"),
        ("2024330000001", "1", "0.25", "0.75"),
        "raw.stats19_casualty_adjustment",
    ),
    Source(
        "stats19_collision_adjustment",
        "stats19",
        "dft-road-casualty-statistics-collision-adjustment-last-5-years.csv",
        (
            "collision_index",
            "collision_adjusted_severity_serious",
            "collision_adjusted_severity_slight",
        ),
        ("2024330000001", "0.25", "0.75"),
        "raw.stats19_collision_adjustment",
    ),
    Source(
        "home_office",
        "home_office",
        "prc-csp-2024.csv",
        HOME_OFFICE_HEADER,
        HOME_OFFICE_ROW,
        "raw.home_office_csp_crime",
    ),
    # The form the Home Office publishes now: a workbook, one sheet per financial year.
    Source(
        "home_office_ods",
        "home_office",
        "prc-csp-2024.ods",
        HOME_OFFICE_HEADER,
        HOME_OFFICE_ROW,
        "raw.home_office_csp_crime",
        sheet="2024_25",
    ),
    Source(
        "partner_returns",
        "partner_returns",
        "partner-return-hostile.csv",
        (
            "metric_id",
            "area",
            "period",
            "value",
            "numerator",
            "denominator",
            "submitted_by",
            "submitted_at",
        ),
        ("37", "E23000021", "2025/26-Q1", "12", "", "", "Someone", "2025-07-08"),
        "raw.partner_returns",
    ),
    Source(
        "victim_survey",
        "victim_survey",
        "victim-survey-force-2025-04.csv",
        (
            "Response ID",
            "Response Date",
            "Overall Satisfaction",
            "Crime Group",
            "Area Code",
            "Comment",
        ),
        ("F-1", "2025-04-03", "5", "Burglary", "E07000130", "fine"),
        "raw.victim_survey_responses",
    ),
    Source(
        "csew",
        "csew",
        "csew-2025-03.csv",
        ("force", "period", "measure", "estimate", "ci_lower", "ci_upper", "unweighted_n"),
        ("Leicestershire Police", "2025-03", "confidence", "65.9", "62.1", "69.7", "600"),
        "raw.csew_force_estimates",
    ),
)


SURVEY = next(s for s in SOURCES if s.key == "victim_survey")
CSEW = next(s for s in SOURCES if s.key == "csew")


def fillers(source: Source, extra: int = 0) -> list[tuple[str, ...]]:
    """The rows a file needs besides its one row to load: a Home Office quarter must cover every
    Leicestershire CSP (``CspCrimeFormat._check_csps``), so one shoplifting row for each CSP but
    the row's own, with ``extra`` cells for extra columns. Other sources need none."""
    if source.folder != "home_office":
        return []
    fy, quarter, force, own = source.row[:4]
    csps = csp_names_of("E23000021")
    assert own in csps and len(csps) == 9, csps
    return [
        (fy, quarter, force, csp, "Shoplifting", "Theft offences", "Shoplifting", "46", "0",
         *(f"value {i}" for i in range(extra)))
        for csp in csps
        if csp != own
    ]  # fmt: skip


def write_csv(path: Path, header, rows) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


# What XML 1.0 cannot hold (so no .ods can): control characters other than tab and line ends.
_NOT_IN_XML = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n\r")


def write_source(source: Source, path: Path, header, rows) -> Path:
    """A file of ``source``'s form: CSV, or a workbook with the header on its sheet's first
    row (cells an .ods cannot hold left out of them)."""
    if source.sheet is None:
        return write_csv(path, header, rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    cells = [[str(cell).translate(_NOT_IN_XML) for cell in line] for line in (header, *rows)]
    write_ods(path, [(source.sheet, cells)])
    return path


def take(settings: Settings, source: Source) -> IntakeResult:
    fmt = source.make_format(settings)
    landed = list_landed(settings.landing_dir, source.folder, fmt.claims)
    return take_in(settings, fmt, landed, run_id=None)


def raw_rows(settings: Settings, table: str) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(f"select * exclude (loaded_at) from {table}").fetchall()


def manifest_text(settings: Settings) -> str:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return repr(con.execute("select * from ops.file_manifest").fetchall())


def files_text(root: Path, skip: set[Path] = frozenset()) -> list[tuple[Path, bytes]]:
    return [(p, p.read_bytes()) for p in sorted(root.rglob("*")) if p.is_file() and p not in skip]


def assert_nothing_leaked(settings: Settings, result: IntakeResult, pwned: Path, *secrets: str):
    secrets = (CANARY, SMTP_CANARY, PASSWD_LINE, *secrets)
    assert not pwned.exists(), "a COPY in a header cell wrote a file"
    texts = [r.reason for r in result.refused] + [manifest_text(settings)]
    for secret in secrets:
        assert not any(secret in text for text in texts), secret
        for path, data in files_text(settings.data_dir):
            assert secret.encode() not in data, (secret, path)
    for refused in result.refused:
        assert refused.reason.isprintable(), refused.reason
        assert len(refused.reason) < 1000, refused.reason


def assert_clean_header_refusal(result: IntakeResult, source: Source) -> str:
    assert [r.name for r in result.refused] == [source.file_name], result
    reason = result.refused[0].reason
    assert reason.startswith(f"file {source.shown_as}, line 1, column '"), reason
    assert "; expected " in reason
    return reason


def prepare(settings: Settings, source: Source) -> None:
    """Casualties and vehicles wait for their collisions: load those first."""
    if source.key in {"stats19_casualty", "stats19_vehicle"}:
        write_csv(
            settings.landing_for("stats19") / COLLISION.file_name, COLLISION.header, [COLLISION.row]
        )
        assert len(take(settings, COLLISION).loaded) == 1


IDS = [s.key for s in SOURCES]


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_hostile_extra_header_cells_load_or_refuse_cleanly(settings, canaries, tmp_path, source):
    pwned = tmp_path / "pwned.csv"
    prepare(settings, source)
    cells = hostile_cells(pwned)
    header = (*source.header, *cells)
    row = (*source.row, *(f"value {i}" for i in range(len(cells))))
    others = fillers(source, extra=len(cells))  # after the row: it stays on line 2
    write_source(
        source, settings.landing_for(source.folder) / source.file_name, header, [row, *others]
    )

    result = take(settings, source)

    if source.folder == "police_uk":  # police.uk's header is fixed: an extra column refuses
        reason = assert_clean_header_refusal_or_order(result, source)
        assert "unexpected column" in reason
    else:  # other sources ignore columns they do not know: the row loads as it should
        assert [f.name for f in result.loaded] == [source.file_name], result.refused
        loaded = raw_rows(settings, source.table)
        assert len(loaded) == 1 + len(others)
        if others:  # the row itself, not only the fillers, loaded as delivered
            assert any(source.row[3:5] == r[3:5] for r in loaded), loaded
    assert_nothing_leaked(settings, result, pwned)


def assert_clean_header_refusal_or_order(result: IntakeResult, source: Source) -> str:
    assert [r.name for r in result.refused] == [source.file_name], result
    reason = result.refused[0].reason
    assert reason.startswith(f"file {source.file_name}, line 1"), reason
    assert "; expected the police.uk header " in reason
    return reason


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_a_header_of_only_hostile_cells_is_refused_naming_a_missing_column(
    settings, canaries, tmp_path, source
):
    pwned = tmp_path / "pwned.csv"
    prepare(settings, source)
    cells = hostile_cells(pwned)
    header = [cells[i % len(cells)] for i in range(len(source.header))]
    write_source(
        source, settings.landing_for(source.folder) / source.file_name, header, [source.row]
    )

    result = take(settings, source)

    reason = assert_clean_header_refusal(result, source)
    assert "is missing" in reason
    assert not result.loaded
    assert_nothing_leaked(settings, result, pwned)


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_a_duplicated_column_is_refused_cleanly(settings, canaries, tmp_path, source):
    prepare(settings, source)
    header = (*source.header, source.header[0])
    write_source(
        source,
        settings.landing_for(source.folder) / source.file_name,
        header,
        [(*source.row, source.row[0])],
    )

    result = take(settings, source)

    if source.folder == "police_uk":
        assert "not in the published order" in assert_clean_header_refusal_or_order(result, source)
    else:
        assert "appears 2 times in the header" in assert_clean_header_refusal(result, source)
    assert_nothing_leaked(settings, result, tmp_path / "pwned.csv")


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_hostile_values_are_only_data(settings, canaries, tmp_path, source):
    """Every cell of the row is SQL too: the file loads its text as text, or is refused with a
    short printable quote of the first bad cell."""
    pwned = tmp_path / "pwned.csv"
    prepare(settings, source)
    cells = hostile_cells(pwned)
    row = [cells[i % len(cells)] for i in range(len(source.header))]
    write_source(
        source, settings.landing_for(source.folder) / source.file_name, source.header, [row]
    )

    result = take(settings, source)

    assert [r.name for r in result.refused] == [source.file_name], result
    reason = result.refused[0].reason
    assert reason.startswith(f"file {source.file_name}"), reason
    assert "; expected " in reason
    assert_nothing_leaked(settings, result, pwned)


def test_a_hostile_xlsx_sheet_and_header_are_only_data(settings, canaries, tmp_path):
    pwned = tmp_path / "pwned.csv"
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "it's'; select getenv('PCP_CANARY')"[:31]
    sheet.append(
        ["Response ID", "Response Date", "Overall Satisfaction", *hostile_cells(pwned)[:10]]
    )
    sheet.append(["F-1", "2025-04-03", "5", *(f"v{i}" for i in range(10))])
    folder = settings.landing_for("victim_survey")
    folder.mkdir(parents=True, exist_ok=True)
    workbook.save(folder / "victim-survey-force-2025-04.xlsx")

    result = take(settings, SURVEY)

    assert [f.name for f in result.loaded] == ["victim-survey-force-2025-04.xlsx"], result.refused
    assert raw_rows(settings, "raw.victim_survey_responses")[0][1:4] == ("F-1", date(2025, 4, 3), 5)
    assert_nothing_leaked(settings, result, pwned)


# -- restricted text and the size of what a refusal quotes --------------------------------------


def survey_with(settings: Settings, rows: list[tuple[str, ...]]) -> Path:
    return write_csv(settings.landing_for("victim_survey") / SURVEY.file_name, SURVEY.header, rows)


def quarantined_original(settings: Settings) -> set[Path]:
    """The refused file itself: it is what was delivered, so it holds the comment; the archive
    and quarantine keep delivered files as they came."""
    return {
        p for p in settings.quarantine_dir.rglob("*") if p.is_file() and ".reason." not in p.name
    }


def assert_comment_appears_nowhere(settings: Settings, result: IntakeResult) -> None:
    texts = [r.reason for r in result.refused] + [manifest_text(settings)]
    assert not any(COMMENT_CANARY in text for text in texts)
    originals = quarantined_original(settings)
    assert len(originals) == len(result.refused)
    for path, data in files_text(settings.data_dir, skip=originals):
        assert COMMENT_CANARY.encode() not in data, path
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        assert con.execute("select count(*) from restricted.victim_survey_comments").fetchone() == (
            0,
        )


def test_an_over_long_comment_is_described_never_quoted(settings):
    comment = (COMMENT_CANARY + ". ") * 40 + "end"  # 2,443 characters
    survey_with(
        settings,
        [("F-1", "2025-04-03", "5", "", "", "fine"), ("F-2", "2025-04-04", "4", "", "", comment)],
    )

    result = take(settings, SURVEY)

    reason = result.refused[0].reason
    assert reason == (
        f"file {SURVEY.file_name}, line 3, column 'comment': a comment longer than a survey "
        f"allows (found {len(comment):,} characters; not shown: restricted free text); expected "
        "at most 2,000 characters (an unclosed quote can swallow lines)"
    )
    reason_json = next(settings.quarantine_dir.rglob("*.reason.json")).read_text()
    assert f'"found": "{len(comment):,} characters"' in reason_json
    assert_comment_appears_nowhere(settings, result)


def test_a_row_refused_for_another_column_never_shows_its_comment(settings):
    survey_with(settings, [("F-1", "2025-04-03", "9", "", "", COMMENT_CANARY)])

    result = take(settings, SURVEY)

    assert "line 2, column 'overall_satisfaction'" in result.refused[0].reason
    assert "(found 1 character; not shown: restricted free text)" in result.refused[0].reason
    assert_comment_appears_nowhere(settings, result)


def test_an_unclosed_quote_is_refused_without_quoting_the_line(settings):
    path = settings.landing_for("victim_survey") / SURVEY.file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        ",".join(SURVEY.header) + "\n"
        "F-1,2025-04-03,5,,,fine\n"
        f'F-2,2025-04-03,5,,,"{COMMENT_CANARY}\n'
        "F-3,2025-04-03,5,,,the quote above is never closed\n",
        encoding="utf-8",
    )

    result = take(settings, SURVEY)

    assert result.refused[0].reason.startswith(f"file {SURVEY.file_name}, line 3"), result
    assert_comment_appears_nowhere(settings, result)


def test_a_survey_without_its_header_never_quotes_its_first_row(settings):
    """A survey exported without its header line has a respondent's row where the header
    should be: the refusal names the header it expected and describes the line, quoting none
    of it."""
    path = settings.landing_for("victim_survey") / SURVEY.file_name
    write_csv(
        path,
        ("F-1", "2025-04-03", "5", "Burglary", "E07000130", COMMENT_CANARY),
        [("F-2", "2025-04-04", "4", "", "", "fine")],
    )

    result = take(settings, SURVEY)

    assert [r.reason for r in result.refused] == [
        f"file {SURVEY.file_name}, line 1, column 'response_id': column 'response_id' is missing "
        "(found the first line has 6 filled cells, none of them a column name this file may "
        "have; not shown: restricted free text); expected the columns response_id, "
        "response_date, overall_satisfaction"
    ]
    assert_comment_appears_nowhere(settings, result)


def test_a_survey_header_missing_a_column_names_only_the_columns_it_found(settings):
    write_csv(
        settings.landing_for("victim_survey") / SURVEY.file_name,
        ("Response ID", "Overall Satisfaction", COMMENT_CANARY),
        [("F-1", "5", "fine")],
    )

    reason = take(settings, SURVEY).refused[0].reason

    assert (
        "column 'response_date' is missing (found the first line has 3 filled cells; the column "
        "names among them: overall_satisfaction, response_id; not shown:" in reason
    )
    assert COMMENT_CANARY[:20] not in reason


def shifted_survey(settings: Settings, cells: tuple[str, ...]) -> IntakeResult:
    """A survey whose second row had a comma too few before its comment and one too many after
    it: the comment moved into another column, the line keeps the header's number of fields."""
    survey_with(settings, [("F-1", "2025-04-03", "5", "", "", "fine"), cells])
    return take(settings, SURVEY)


def test_a_comment_shifted_into_area_code_is_not_quoted(settings):
    result = shifted_survey(settings, ("F-2", "2025-04-04", "4", "Burglary", COMMENT_CANARY, ""))

    assert [r.reason for r in result.refused] == [
        f"file {SURVEY.file_name}, line 3, column 'area_code': not an area of this warehouse "
        f"(found {len(COMMENT_CANARY)} characters; not shown: restricted free text); expected a "
        "local authority or CSP code of the force area (seeds/areas.csv), e.g. E07000130, or "
        "blank"
    ]
    assert_comment_appears_nowhere(settings, result)


@pytest.mark.parametrize(
    ("cells", "where"),
    [
        (("F-2", COMMENT_CANARY, "4", "", "", ""), "line 3, column 'response_date'"),
        (
            ("F-2", "2025-04-04", COMMENT_CANARY, "", "", ""),
            "line 3, column 'overall_satisfaction'",
        ),
        ((COMMENT_CANARY, "2025-04-04", "4", "", "", ""), "line 3, column 'response_id'"),
    ],
    ids=["response_date", "overall_satisfaction", "response_id_repeated"],
)
def test_a_comment_shifted_into_any_column_is_not_quoted(settings, cells, where):
    rows = [("F-1", "2025-04-03", "5", "", "", "fine"), cells]
    if cells[0] == COMMENT_CANARY:  # the same shifted text twice: a repeated response id
        rows.append(cells)
    survey_with(settings, rows)

    result = take(settings, SURVEY)

    assert len(result.refused) == 1 and where in result.refused[0].reason, result.refused
    assert "(found '" not in result.refused[0].reason
    assert_comment_appears_nowhere(settings, result)


PARTNER = next(s for s in SOURCES if s.key == "partner_returns")


def test_a_submitter_is_restricted_too(settings):
    """A partner return's submitter is a person: a refusal describes the cell."""
    write_csv(
        settings.landing_for("partner_returns") / PARTNER.file_name,
        PARTNER.header,
        [("37", "E23000021", "2025/26-Q1", "12", "", "", "  ", "2025-07-08")],
    )
    reason = take(settings, PARTNER).refused[0].reason
    assert "column 'submitted_by': no submitter (found an empty field; not shown:" in reason


def test_quoted_values_are_short_and_printable(settings, canaries):
    huge = "\x07\x1b[2J" + "9" * 10_000 + COMMENT_CANARY
    write_csv(
        settings.landing_for("partner_returns") / PARTNER.file_name,
        PARTNER.header,
        [("37", "E23000021", "2025/26-Q1", huge, "", "", "Someone", "2025-07-08")],
    )

    reason = take(settings, PARTNER).refused[0].reason

    quoted = reason.split("(found ", 1)[1].split("); expected", 1)[0]
    assert quoted == repr("??[2J" + "9" * (CELL_MAX - 5) + f"... ({len(huge):,} characters)")
    assert COMMENT_CANARY not in reason


def test_the_header_a_missing_column_quotes_is_capped(settings):
    header = [f"{'h' * 100} {i}" for i in range(200)]
    write_csv(settings.landing_for("csew") / "csew-2025-03.csv", header, [["x"] * 200])

    refusal = take(settings, CSEW).refused[0].reason

    assert "column 'force': column 'force' is missing" in refusal
    found = refusal.split("(found ", 1)[1].split("); expected", 1)[0]
    assert len(found) < FOUND_MAX + 40
    assert found.startswith("'" + "h" * 30 + "... (102 characters), ")


def test_any_found_value_is_made_printable_and_bounded():
    refusal = FileRefused(
        file_name="bad\nname.csv", problem="a\rproblem", expected="x", found="\x00" * 10_000
    )
    assert str(refusal).isprintable()
    assert len(refusal.found) < FOUND_MAX + 40


def test_a_header_cell_with_a_line_break_still_loads_every_row(settings):
    """Excel's Alt+Enter in a header cell: DuckDB alone would read no rows at all."""
    path = settings.landing_for("victim_survey") / SURVEY.file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        b'Response ID,"Response\nDate",Overall Satisfaction\r\n'
        b"F-1,2025-04-03,5\r\nF-2,2025-04-04,4\r\n"
    )

    result = take(settings, SURVEY)

    assert [f.rows for f in result.loaded] == [2], result.refused
    assert [r[1] for r in raw_rows(settings, SURVEY.table)] == ["F-1", "F-2"]


@pytest.mark.parametrize(
    "header",
    [
        b'Response ID,Response Date,Overall Satisfaction,a""b,"c"d',
        b'Response ID,Response Date,Overall Satisfaction,"Area" Code',
    ],
)
def test_a_header_that_is_not_well_formed_csv_is_refused_at_line_1(settings, header):
    path = settings.landing_for("victim_survey") / SURVEY.file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header + b"\nF-1,2025-04-03,5,a,b\n")

    reason = take(settings, SURVEY).refused[0].reason

    assert reason.startswith(f"file {SURVEY.file_name}, line 1: the header is not well-formed CSV")


def test_a_refusal_travels_through_a_context_manager_as_itself(tmp_path):
    """contextlib sets ``__traceback__`` on the exception leaving a ``with`` block: a refusal
    raised inside the warehouse connection must come out as the refusal, not as an error about
    assigning to a frozen object."""
    from orchestration.database import connect
    from orchestration.landing.refusal import BrokenExpectation, ExpectationsFailed

    broken = BrokenExpectation("values in range", "expect_x", ("value",), 1, (2,), "0 or more")
    for refusal in (
        FileRefused(file_name="f.csv", problem="p", expected="e"),
        ExpectationsFailed.of("f.csv", "suite", (broken,)),
    ):
        with pytest.raises(FileRefused) as raised, connect(tmp_path / "w.duckdb"):
            raise refusal
        assert raised.value is refusal
