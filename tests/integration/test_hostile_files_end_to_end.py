"""Hostile files through the real commands: nothing runs, nothing leaks, anywhere.

The demo warehouse, then for every source a file whose header cells are SQL, a survey file
whose over-long comment is a victim's words, a survey file refused for its satisfaction answer
on a row with that comment, and a partner return refused on a row whose submitter is the same
words. With canary secrets in the environment, `pcp refresh`, `pcp status` and
`pcp readiness --send` run as a user runs them (the refusals arrive before the board, so its
readiness marks metrics suspect with their reasons and emails the leads); then every file under
the data dir is searched (as bytes, DuckDB files also table by table, Parquet read, emails
decoded: Dagster's storage and compute logs, quarantine, archive, outbox, published), and so is
what the commands printed. The delivered files that hold the comment (quarantined as they
came) are the only place it may be.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
from datetime import date, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import duckdb
import pytest

from orchestration.demo.delivery_calendar import stamp
from orchestration.settings import PROJECT_ROOT, Settings
from tests.unit.test_hostile_content import (
    CANARY,
    COMMENT_CANARY,
    PASSWD_LINE,
    SMTP_CANARY,
    SOURCES,
    hostile_cells,
    write_csv,
    write_source,
)

pytestmark = pytest.mark.slow
BOARD = "2025-11-05"  # the board the demo warehouse (to 2025-09) is ready for
DELIVERED = date(2025, 10, 20)  # the hostile files arrive before it: their refusals count
# A hostile file per source, under a name the demo does not use.
HOSTILE_NAMES = {
    "police_uk_street": "2019-05-leicestershire-street.csv",
    "police_uk_outcomes": "2019-05-leicestershire-outcomes.csv",
    "stats19_collision": "dft-road-casualty-statistics-collision-2019.csv",
    "stats19_collision_last_5_years": "dft-road-casualty-statistics-collision-1979-latest-published-year.csv",
    "stats19_casualty": "dft-road-casualty-statistics-casualty-2019.csv",
    "stats19_vehicle": "dft-road-casualty-statistics-vehicle-2019.csv",
    "stats19_casualty_adjustment": "dft-road-casualty-statistics-casualty-adjustment-lookup_2004-latest-published-year.csv",
    "stats19_collision_adjustment": "dft-road-casualty-statistics-collision-adjustment-last-5-years.csv",
    "home_office": "prc-csp-hostile.csv",
    "home_office_ods": "prc-csp-hostile.ods",
    "partner_returns": "partner-return-hostile-header.csv",
    "victim_survey": "victim-survey-opcc-services-2025-01.csv",
    "csew": "csew-hostile.csv",
}
LONG_COMMENT = (COMMENT_CANARY + ". ") * 40 + "end"
SURVEY_HEADER = next(s for s in SOURCES if s.key == "victim_survey").header
PARTNER_HEADER = next(s for s in SOURCES if s.key == "partner_returns").header


def pcp(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(PROJECT_ROOT / ".venv" / "bin" / "pcp"), *args],
        capture_output=True,
        text=True,
        timeout=1200,
        env=os.environ.copy(),
    )


# How each hostile file's refusal starts (a workbook's names its sheet).
HOSTILE_SHOWN = {
    source.key: dataclasses.replace(source, file_name=HOSTILE_NAMES[source.key]).shown_as
    for source in SOURCES
}


def deliver_hostile_files(settings: Settings, pwned: Path) -> dict[str, Path]:
    """The hostile set in landing, delivered (file time) before the board. Returns the files
    that hold the comment, by name."""
    cells = hostile_cells(pwned)
    written = []
    for source in SOURCES:
        hostile = dataclasses.replace(source, file_name=HOSTILE_NAMES[source.key])
        header = [cells[i % len(cells)] for i in range(len(source.header))]
        path = settings.landing_for(source.folder) / hostile.file_name
        written.append(write_source(source, path, header, [source.row]))
    survey = settings.landing_for("victim_survey")
    with_comment = [
        write_csv(survey / "victim-survey-domestic-abuse-2025-02.csv", SURVEY_HEADER, [
            ("D-1", "2025-02-03", "7", "", "", COMMENT_CANARY),
        ]),
        write_csv(settings.landing_for("partner_returns") / "partner-return-late.csv",
                  PARTNER_HEADER,
                  [("37", "E23000021", "2025/26-Q1", "lots", "", "", COMMENT_CANARY, "2025-07-18")]),
        write_csv(survey / "victim-survey-opcc-services-2025-02.csv", SURVEY_HEADER, [
            ("O-1", "2025-02-03", "5", "", "", "fine"),
            ("O-2", "2025-02-04", "4", "", "", LONG_COMMENT),
        ]),
    ]  # fmt: skip
    # The files holding the comment arrive last, the over-long one last of all: theirs are the
    # reasons readiness shows.
    for path in written:
        stamp(path, DELIVERED)
    for day, path in enumerate(with_comment, start=1):
        stamp(path, DELIVERED + timedelta(days=day))
    return {path.name: path for path in with_comment}


def everything_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def rows_holding(con: duckdb.DuckDBPyConnection, relation: str, text: str, params=()) -> int:
    """Rows of ``relation`` (our own SQL) any of whose values, as text, hold ``text``."""
    return con.execute(
        f"select count(*) from {relation} as r where contains(r::varchar, ?)", [*params, text]
    ).fetchone()[0]


def tables_holding(path: Path, text: str) -> list[str]:
    """The tables of a DuckDB file with ``text`` in any value (its strings may be compressed,
    so the bytes alone do not tell)."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute(
            "select database_name, schema_name, table_name from duckdb_tables()"
        ).fetchall()
        return [
            f"{d}.{s}.{t}" for d, s, t in tables if rows_holding(con, f'"{d}"."{s}"."{t}"', text)
        ]


def parquet_holds(path: Path, text: str) -> bool:
    with duckdb.connect() as con:
        return rows_holding(con, "read_parquet(?)", text, [str(path)]) > 0


def email_text(path: Path) -> str:
    """An outbox email as its reader sees it (the body is quoted-printable on disk)."""
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    return f"{message['Subject']}\n{message.get_content()}"


def holds(path: Path, text: str) -> bool:
    if text.encode() in path.read_bytes():
        return True
    if path.suffix == ".duckdb":
        return bool(tables_holding(path, text))
    if path.suffix == ".parquet":
        return parquet_holds(path, text)
    if path.suffix == ".eml":
        return text in email_text(path)
    return False


def test_a_hostile_landing_set_leaks_nothing_anywhere(demo_copy, monkeypatch, tmp_path):
    settings, _ = demo_copy
    monkeypatch.setenv("PCP_CANARY", CANARY)
    monkeypatch.setenv("PCP_SMTP_PASSWORD", SMTP_CANARY)  # no SMTP host: alerts go to the outbox
    pwned = tmp_path / "pwned.csv"
    holding_comment = deliver_hostile_files(settings, pwned)

    refreshed = pcp("refresh")
    status = pcp("status")
    readiness = pcp("readiness", "--board", BOARD, "--send")

    printed = "\n".join(c.stdout + c.stderr for c in (refreshed, status, readiness))
    assert refreshed.returncode == 1, printed  # files were refused: the refresh says so
    assert "Traceback" not in printed, printed
    for key, name in HOSTILE_NAMES.items():
        assert f"REFUSED {name}: file {HOSTILE_SHOWN[key]}, line " in refreshed.stderr, name
    for name in holding_comment:
        assert f"REFUSED {name}: file {name}, line " in refreshed.stderr, name
    described = f"(found {len(LONG_COMMENT):,} characters; not shown: restricted free text)"
    assert described in refreshed.stderr and described in status.stdout
    assert readiness.returncode == 1, printed
    emails = [email_text(p) for p in settings.outbox_dir.glob("*.eml")]
    # The refusals reach the leads: the channel the search below covers is exercised.
    assert any("[SUSPECT]" in e and "not shown: restricted free text" in e for e in emails), emails
    assert not pwned.exists(), "a COPY in a header cell wrote a file"

    # The delivered files that hold the comment, quarantined as they came, are the only place
    # the comment may be; the secrets are nowhere at all.
    originals = {
        p for p in settings.quarantine_dir.rglob("*")
        if p.is_file() and any(p.name.endswith(name) for name in holding_comment)
    }  # fmt: skip
    assert len(originals) == len(holding_comment), originals
    everything = everything_under(settings.data_dir)
    kinds = {p.suffix for p in everything}
    assert {".duckdb", ".parquet", ".eml", ".txt", ".json"} <= kinds, kinds
    assert any(p.name.endswith(".db") for p in everything), "no Dagster storage searched"
    leaks = [
        (secret, str(path))
        for path in everything
        for secret in (CANARY, SMTP_CANARY, PASSWD_LINE, COMMENT_CANARY)
        if not (secret == COMMENT_CANARY and path in originals) and holds(path, secret)
    ]
    assert leaks == []
    for secret in (CANARY, SMTP_CANARY, PASSWD_LINE, COMMENT_CANARY):
        assert secret not in printed, secret
