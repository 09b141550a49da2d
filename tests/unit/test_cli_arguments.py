"""Every `pcp` verb given garbage answers in words, never with a traceback: a bad value names
the form expected and, where there is a list, the valid values; `pcp --version` says the
installed version; `pcp status` shows quarterly data as financial quarters.

Each test runs the installed console script (`.venv/bin/pcp`) as a user does, in a private
data dir, and reads its exit status, stdout and stderr."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from datetime import date, datetime
from importlib.metadata import version
from pathlib import Path

import duckdb
import pytest

from orchestration.landing.manifest import ensure_manifest
from orchestration.lib.freed_memory import COLLECTOR_THRESHOLDS
from orchestration.lib.partitions import financial_quarter
from orchestration.status import compact_months

PCP = Path(sys.executable).with_name("pcp")  # the installed command, as a user runs it
DATE_FORM = "expected a date as YYYY-MM-DD (e.g. 2025-11-05)"


def pcp(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PCP_", "DAGSTER_HOME"))}
    environ |= {"PCP_DATA_DIR": str(data_dir), **env}
    done = subprocess.run(
        [str(PCP), *args], env=environ, capture_output=True, text=True, timeout=300
    )
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    return done


def error_line(done: subprocess.CompletedProcess) -> str:
    """The one line saying what is wrong (click's usage lines come before it)."""
    return done.stderr.strip().splitlines()[-1]


def test_version_comes_from_the_installed_package(tmp_path):
    done = pcp(tmp_path, "--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"pcp, version {version('pcp-warehouse')}"


# (arguments, the error line): each a usage error, exit status 2, no traceback
BAD_ARGUMENTS = [
    (
        ["readiness", "--board", "31/12/2025"],
        f"Error: Invalid value for '--board': '31/12/2025': {DATE_FORM}",
    ),
    (
        ["readiness", "--board", "2025-11-05", "--as-of", "31/12/2025"],
        f"Error: Invalid value for '--as-of': '31/12/2025': {DATE_FORM}",
    ),
    (
        ["readiness", "--board", "2025-13-05"],
        f"Error: Invalid value for '--board': '2025-13-05': month must be in 1..12; {DATE_FORM}",
    ),
    # Python would read these as dates; the help and the message promise one form only.
    (
        ["readiness", "--board", "20251105"],
        f"Error: Invalid value for '--board': '20251105': {DATE_FORM}",
    ),
    (
        ["readiness", "--board", "2025-W45-3"],
        f"Error: Invalid value for '--board': '2025-W45-3': {DATE_FORM}",
    ),
    (
        ["demo-data", "--out", "{tmp}/landing", "--start", "2015-13"],
        "Error: --start '2015-13': expected a month as YYYY-MM (e.g. 2019-04)",
    ),
    (
        ["demo-data", "--out", "{tmp}/landing", "--seed", "abc"],
        "Error: Invalid value for '--seed': 'abc' is not a valid integer.",
    ),
    (
        ["demo-data", "--out", "{tmp}/a-file"],
        "Error: Invalid value for '--out': Directory '{tmp}/a-file' is a file.",
    ),
    (
        ["demo-data", "--out", "{tmp}/a-file/landing", "--start", "2025-01", "--end", "2025-01"],
        "Error: --out {tmp}/a-file/landing: cannot write there: [Errno 20] Not a directory: "
        "'{tmp}/a-file/landing/police_uk'",
    ),
    (
        ["status", "--wait", "-1"],
        "Error: Invalid value for '--wait': -1.0 is not in the range x>=0.",
    ),
    (["refresh", "--nonsense"], "Error: No such option '--nonsense'."),
    (["nonsense"], "Error: No such command 'nonsense'."),
]


@pytest.mark.parametrize(
    ("args", "message"), BAD_ARGUMENTS, ids=[" ".join(args) for args, _ in BAD_ARGUMENTS]
)
def test_a_bad_argument_is_one_error_line_with_exit_status_2(tmp_path, args, message):
    (tmp_path / "a-file").write_text("not a folder\n")
    done = pcp(tmp_path, *[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert done.returncode == 2
    assert error_line(done) == message.replace("{tmp}", str(tmp_path))
    assert not (tmp_path / "landing").exists()  # refused before anything was written


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"PCP_FORCES": "nowhere"},
            "Error: PCP_FORCES names unknown force(s) nowhere: use police.uk slugs from "
            "seeds/forces.csv, e.g. avon-and-somerset, bedfordshire, cambridgeshire",
        ),
        (
            {"PCP_HISTORY_START": "garbage"},
            "Error: PCP_HISTORY_START='garbage': expected a month as YYYY-MM (e.g. 2019-01)",
        ),
    ],
)
@pytest.mark.parametrize("verb", ["status", "refresh"])
def test_a_bad_setting_is_named_wherever_it_is_first_read(tmp_path, env, message, verb):
    done = pcp(tmp_path, verb, **env)
    assert done.returncode == 2
    assert error_line(done) == message


def published_dashboard(data_dir: Path, quarters: list[tuple[str, date]]) -> Path:
    """A published marts file whose dashboard holds these (quarter, quarter end) rows."""
    path = data_dir / "published" / "marts.duckdb"
    path.parent.mkdir(parents=True)
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create table mart_delivery_dashboard "
            "(metric_id varchar, reporting_quarter varchar, reporting_quarter_end date)"
        )
        for metric in ("1", "2"):
            con.executemany(
                "insert into mart_delivery_dashboard values (?, ?, ?)",
                [(metric, q, end) for q, end in quarters],
            )
    return path


HELD = [  # deliberately not in label order: held quarters are ordered by their end
    ("2025/26-Q2", date(2025, 9, 30)),
    ("2024/25-Q1", date(2024, 6, 30)),
    ("2024/25-Q4", date(2025, 3, 31)),
    ("2025/26-Q1", date(2025, 6, 30)),
]


@pytest.mark.parametrize(
    ("quarter", "message"),
    [
        (
            "nonsense",
            "Error: --quarter 'nonsense': expected a financial quarter as YYYY/YY-Qn (e.g. "
            "2025/26-Q1) or 'latest'; quarters held: 2024/25-Q1 .. 2025/26-Q2",
        ),
        (
            "2025-Q1",
            "Error: --quarter '2025-Q1': expected a financial quarter as YYYY/YY-Qn (e.g. "
            "2025/26-Q1) or 'latest'; quarters held: 2024/25-Q1 .. 2025/26-Q2",
        ),
        (
            "2030/31-Q1",
            "Error: --quarter 2030/31-Q1: not in the published dashboard; "
            "quarters held: 2024/25-Q1 .. 2025/26-Q2",
        ),
    ],
)
def test_pack_refuses_a_quarter_it_does_not_hold_naming_those_it_does(tmp_path, quarter, message):
    published_dashboard(tmp_path, HELD)
    done = pcp(tmp_path, "pack", "--quarter", quarter, "--out", str(tmp_path / "packs"))
    assert done.returncode == 2
    assert error_line(done) == message
    assert not (tmp_path / "packs").exists()


def test_financial_quarters_from_quarterly_partition_keys():
    assert financial_quarter("2025-04") == "2025/26-Q1"
    assert financial_quarter("2025-07") == "2025/26-Q2"
    assert financial_quarter("2025-10") == "2025/26-Q3"
    assert financial_quarter("2026-01") == "2025/26-Q4"
    assert financial_quarter("1999-04") == "1999/00-Q1"
    assert compact_months(["2024-04", "2024-07", "2025-01", "2025-04"], 3) == (
        "2024/25-Q1..2024/25-Q2, 2024/25-Q4..2025/26-Q1 (4 quarters)"
    )
    assert compact_months(["2024-04", "2024-05"]) == "2024-04..2024-05 (2 months)"
    # Survey years (CSEW) are keyed by the month they end: months, three apart.
    assert compact_months(["2024-06", "2024-09", "2024-12"], 3) == "2024-06..2024-12 (3 quarters)"


def test_pcp_status_shows_home_office_quarters_as_financial_quarters(tmp_path):
    keys = [f"{y}-{m:02d}" for y in (2024, 2025) for m in (1, 4, 7, 10)][1:7]  # 2024-04..2025-07
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        ensure_manifest(con)
        con.execute(
            """
            insert into ops.file_manifest (delivery_id, source, original_name, sha256,
                received_at, taken_in_at, partition_keys, row_count, status, version)
            values ('d1', 'home_office_csp_crime', 'prc-csp-tables.xlsx', 'abc', ?, ?, ?, 10,
                    'loaded', 1)
            """,
            [datetime(2025, 10, 1), datetime(2025, 10, 1), keys],
        )
    done = pcp(tmp_path, "status", "--wait", "0")
    assert done.returncode == 0, done.stderr
    block = done.stdout.split("(raw.home_office_csp_crime)")[1]
    loaded = next(line for line in block.splitlines() if "loaded" in line)
    assert loaded.split(": ", 1)[1] == "2024/25-Q1..2025/26-Q2 (6 quarters)"


def test_pack_refuses_a_file_as_its_out_folder(tmp_path):
    published_dashboard(tmp_path, HELD)
    (tmp_path / "a-file").write_text("not a folder\n")
    done = pcp(tmp_path, "pack", "--quarter", "latest", "--out", str(tmp_path / "a-file"))
    assert done.returncode == 2
    assert error_line(done) == (
        f"Error: --out {tmp_path}/a-file: a file, not a folder to write the pack into"
    )
    assert (tmp_path / "a-file").read_text() == "not a folder\n"


def _run_entry(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """`orchestration.cli.run` (the console script's entry) in a fresh interpreter, with an
    exit handler registered first and output left unflushed in Python's buffers: both must
    survive the entry's early exit. The handler prints the collector's thresholds then."""
    program = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('exit handler ran', gc.get_threshold(), flush=True))\n"
        "sys.stdout.write('buffered before the command\\n')\n"
        "from orchestration import cli\n"
        f"sys.argv = ['pcp', *{list(args)!r}]\n"
        "cli.run()\n"
        "print('never reached')\n"
    )
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PCP_", "DAGSTER_HOME"))}
    environ["PCP_DATA_DIR"] = str(tmp_path)
    return subprocess.run(
        [sys.executable, "-c", program], env=environ, capture_output=True, text=True, timeout=120
    )


def test_the_command_leaves_with_its_status_its_output_and_its_exit_handlers(tmp_path):
    # `run` ends the process without the interpreter's teardown (cli.run): nothing the
    # command printed is lost, the exit handlers still run, and the status is the command's.
    done = _run_entry(tmp_path, "--version")
    assert done.returncode == 0
    assert done.stdout.splitlines() == [
        "buffered before the command",
        f"pcp, version {version('pcp-warehouse')}",
        f"exit handler ran {COLLECTOR_THRESHOLDS}",
    ]
    assert gc.get_threshold() != COLLECTOR_THRESHOLDS  # this process: Python's default
    refused = _run_entry(tmp_path, "readiness", "--board", "31/12/2025")
    assert refused.returncode == 2
    assert error_line(refused) == f"Error: Invalid value for '--board': '31/12/2025': {DATE_FORM}"
    assert refused.stdout.splitlines() == [
        "buffered before the command",
        f"exit handler ran {COLLECTOR_THRESHOLDS}",
    ]
