"""Board readiness and alerts with real servers: an SMTP server (aiosmtpd) started by the test,
and a local HTTP server standing in for Teams and Slack. The demo withholds two partner-return
metrics; readiness must name exactly those, their leads hear once a day, a channel that is down
is retried without duplicates, and a late return brings one "now ready" per lead.

Readiness is point in time (a return delivered on the 21st is missing as of the 20th and in as
of the 21st), reads the published marts (it works while another process holds the warehouse
for writing), and keeps its alert log in alerts.duckdb, never in the warehouse."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import duckdb
import pytest
from aiosmtpd.controller import Controller

from orchestration.demo import write_demo_data, write_withheld_returns
from orchestration.demo.partner_returns import WITHHELD_METRICS
from orchestration.readiness.alert_log import read_failing_channels
from orchestration.readiness.run import evaluate_board
from orchestration.refresh import refresh
from orchestration.settings import PROJECT_ROOT
from tests.conftest import ALERT_CHANNEL_ENV, private_copy, private_data_dir
from tests.tls import self_signed_certificate, server_context

pytestmark = pytest.mark.slow
BOARD, AS_OF = date(2025, 11, 5), date(2025, 10, 20)
DELIVERED = date(2025, 10, 21)  # the day the late partner return lands
START, END = "2024-04", "2025-09"
LEAD_EMAILS = {"37": "violence.lead@example.org", "78": "victims.lead@example.org"}
NAMES = {"37": "Police referrals into drug treatment",
         "78": "Level of Victim Code of Practice Compliance"}  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """aiosmtpd handler keeping every message as a lead's mail client would see it."""

    def __init__(self):
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 Message accepted for delivery"


class Webhooks:
    """A local HTTP server taking JSON posts on /teams and /slack; a path can be made to fail."""

    def __init__(self):
        self.posts: dict[str, list[dict]] = {"/teams": [], "/slack": []}
        self.down: set[str] = set()
        hooks = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.path in hooks.down:
                    self.send_response(500)
                    self.end_headers()
                    return
                hooks.posts[self.path].append(json.loads(body))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"1")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A demo warehouse (two partner-return metrics withheld), refreshed once for the module;
    never written by a test (each takes a private copy: ``warehouse``)."""
    root = tmp_path_factory.mktemp("readiness")
    with pytest.MonkeyPatch.context() as patch:
        settings = private_data_dir(patch, root / "data")
        write_demo_data(settings.landing_dir, start=START, end=END, seed=11)
        assert refresh(settings).ok
    return settings


@pytest.fixture
def warehouse(built, tmp_path, monkeypatch):
    """This test's own copy of the module's warehouse (PCP_DATA_DIR points at it), so what one
    test sends or delivers is never seen by the next, whatever the order."""
    return private_copy(monkeypatch, built, tmp_path / "data")


@pytest.fixture
def fresh_log(warehouse):
    """No alert sent yet: no alerts.duckdb, no outbox, no channel configured."""
    assert not warehouse.alerts_path.exists() and not warehouse.outbox_dir.exists()
    assert not any(os.environ.get(name) for name in ALERT_CHANNEL_ENV)
    return warehouse


def pcp(*args: str) -> subprocess.CompletedProcess:
    """The real command, in its own process, with the test's environment (PCP_DATA_DIR)."""
    return subprocess.run(
        [str(PROJECT_ROOT / ".venv" / "bin" / "pcp"), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=os.environ.copy(),
    )


class WarehouseWriter:
    """Another process holding the warehouse open for writing, as a refresh does."""

    def __init__(self, path):
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys, time, duckdb\n"
                "con = duckdb.connect(sys.argv[1])\n"
                "con.execute('create table if not exists held (x int)')\n"
                "print('holding', flush=True)\n"
                "time.sleep(120)\n",
                str(path),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout.readline().strip() == "holding"

    def release(self):
        self.process.kill()
        self.process.wait()


def test_readiness_names_exactly_the_withheld_metrics_and_writes_the_outbox(fresh_log):
    evaluation = evaluate_board(fresh_log, BOARD, AS_OF, send=True)
    not_ready = {m.metric_id: m for m in evaluation.metrics if not m.ready}
    assert set(not_ready) == set(WITHHELD_METRICS)
    assert {m.status for m in not_ready.values()} == {"missing"}
    assert all("2025/26-Q2" in m.period_needed for m in not_ready.values())
    assert all("landing/partner_returns/" in m.needed for m in not_ready.values())
    assert {m.status for m in evaluation.metrics} <= {"ready", "restricted", "missing"}
    assert not evaluation.ready
    # The command a data engineer runs: the table, and an exit status saying "not ready".
    from click.testing import CliRunner

    from orchestration.cli import main

    result = CliRunner().invoke(
        main, ["readiness", "--board", "2025-11-05", "--as-of", "2025-10-20"]
    )
    assert result.exit_code == 1, result.output
    assert "37 of 39 ready; 2 not ready." in result.output
    assert all(NAMES[m] in result.output for m in WITHHELD_METRICS)
    # No channel configured: one .eml per lead concerned plus the chair's summary.
    files = sorted(fresh_log.outbox_dir.glob("*.eml"))
    mails = [message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]
    assert sorted(m["To"].split("<")[1].rstrip(">") for m in mails) == sorted(
        [*LEAD_EMAILS.values(), "board.chair@example.org"]
    )


def test_webhook_down_then_up_is_retried_without_duplicates(fresh_log, monkeypatch):
    hooks = Webhooks()
    monkeypatch.setenv("PCP_TEAMS_WEBHOOK_URL", hooks.url + "/teams")
    monkeypatch.setenv("PCP_SLACK_WEBHOOK_URL", hooks.url + "/slack")
    hooks.down.add("/slack")
    first = evaluate_board(fresh_log, BOARD, AS_OF, send=True)
    assert len(hooks.posts["/teams"]) == 3  # two leads and the chair
    assert hooks.posts["/slack"] == []
    assert {d.channel for d in first.report.failed} == {"slack"}
    assert [c for c, _, _ in read_failing_channels(fresh_log)] == ["slack"]
    hooks.down.clear()
    second = evaluate_board(fresh_log, BOARD, AS_OF, send=True)
    assert len(hooks.posts["/slack"]) == 3
    assert len(hooks.posts["/teams"]) == 3  # nothing sent twice on the channel that was up
    assert {d.channel for d in second.report.sent} == {"slack"}
    slack_text = "\n".join(p["text"] for p in hooks.posts["/slack"])
    for metric in WITHHELD_METRICS:
        assert NAMES[metric] in slack_text
    teams_card = hooks.posts["/teams"][0]["attachments"][0]["content"]
    assert teams_card["type"] == "AdaptiveCard"
    assert read_failing_channels(fresh_log) == []
    third = evaluate_board(fresh_log, BOARD, AS_OF, send=True)
    assert third.report.sent == [] and third.report.failed == []
    hooks.server.shutdown()


OLD_LOG_DDL = """
    create schema if not exists alerts;
    create or replace table alerts.alert_log (
        attempted_at timestamptz not null default current_timestamp, alert_date date not null,
        board_date date not null, lead_key varchar not null, metric_id varchar not null,
        kind varchar not null, channel varchar not null, outcome varchar not null, detail varchar)
"""


@pytest.fixture
def old_warehouse_log(fresh_log):
    """The log as an older release kept it, in the warehouse: 37's lead was alerted today."""
    with duckdb.connect(str(fresh_log.warehouse_path)) as con:
        con.execute(OLD_LOG_DDL)
        con.execute(
            "insert into alerts.alert_log (alert_date, board_date, lead_key, metric_id, kind, "
            "channel, outcome, detail) values (?, ?, 'lead_violence_vulnerability', '37', "
            "'not_ready', 'outbox', 'sent', 'sent by the old release')",
            [AS_OF, BOARD],
        )
    return fresh_log


def late_return_received(settings) -> datetime | None:
    """When the late partner return was delivered, as the manifest says (None: not yet)."""
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        row = con.execute(
            "select received_at from ops.file_manifest where original_name = ?",
            ["partner-return-late-2025-26-Q2.csv"],
        ).fetchone()
    return row[0] if row else None


def alert_log_rows(settings) -> list[tuple]:
    """The alerts confirmed sent (each attempt also has a "sending" row, written before it)."""
    with duckdb.connect(str(settings.alerts_path), read_only=True) as con:
        return con.execute(
            "select lead_key, metric_id, kind, detail from alert_log where outcome = 'sent' "
            "order by attempted_at"
        ).fetchall()


def test_the_alert_log_migrates_once_from_the_warehouse(old_warehouse_log):
    settings = old_warehouse_log
    evaluation = evaluate_board(settings, BOARD, AS_OF, send=True)
    # 37's lead heard today under the old release: only 78's lead and the chair hear now.
    assert sorted(d.lead_key for d in evaluation.report.sent) == [
        "board_chair", "lead_supporting_victims",
    ]  # fmt: skip
    rows = alert_log_rows(settings)
    assert rows[0] == ("lead_violence_vulnerability", "37", "not_ready", "sent by the old release")
    assert len(rows) == 3  # the old row, 78's alert, the chair's summary
    again = evaluate_board(settings, BOARD, AS_OF, send=True)
    assert again.report.sent == [] and len(alert_log_rows(settings)) == 3  # migrated once


def test_readiness_works_while_another_process_writes_the_warehouse(old_warehouse_log):
    """A refresh holds the warehouse: readiness reads the published copy, sends and records
    in alerts.duckdb; the old log's migration waits for a later dispatch."""
    settings = old_warehouse_log
    writer = WarehouseWriter(settings.warehouse_path)
    try:
        with pytest.raises(duckdb.IOException):  # the warehouse really is held
            duckdb.connect(str(settings.warehouse_path), read_only=True)
        busy = pcp("readiness", "--board", "2025-11-05", "--as-of", "2025-10-20", "--send")
        assert busy.returncode == 1, busy.stdout + busy.stderr
        assert "37 of 39 ready; 2 not ready." in busy.stdout
        assert "Traceback" not in busy.stderr
        assert len(list(settings.outbox_dir.glob("*.eml"))) == 3  # the old log was out of reach
        with duckdb.connect(str(settings.alerts_path), read_only=True) as con:
            assert con.execute("select count(*) from alert_log_migration").fetchone()[0] == 0
    finally:
        writer.release()
    later = pcp("readiness", "--board", "2025-11-05", "--as-of", "2025-10-20", "--send")
    assert "nothing new to send" in later.stdout, later.stdout + later.stderr
    assert ("lead_violence_vulnerability", "37", "not_ready", "sent by the old release") in (
        alert_log_rows(settings)
    )


def test_two_sends_at_once_send_each_alert_once_and_never_touch_the_warehouse(fresh_log):
    command = [str(PROJECT_ROOT / ".venv" / "bin" / "pcp"), "readiness", "--board", "2025-11-05",
               "--as-of", "2025-10-20", "--send"]  # fmt: skip
    senders = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [sender.communicate(timeout=300) for sender in senders]
    assert [sender.returncode for sender in senders] == [1, 1], outputs
    assert len(list(fresh_log.outbox_dir.glob("*.eml"))) == 3  # two leads and the chair, once
    assert sum("nothing new to send" in out for out, _ in outputs) == 1
    assert len(alert_log_rows(fresh_log)) == 3
    with duckdb.connect(str(fresh_log.warehouse_path), read_only=True) as con:
        assert not con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'alerts'"
        ).fetchone()[0]
    status = pcp("status")
    assert "alert channels: all delivering" in status.stdout, status.stdout + status.stderr


def test_the_daily_asset_evaluates_open_boards_from_the_published_marts(fresh_log, monkeypatch):
    import dagster as dg

    from orchestration.defs.warehouse import readiness as readiness_defs

    class FirstDayOfTheWindow(date):
        @classmethod
        def today(cls):
            return date(2025, 10, 21)  # the 2025-11-05 board's window opens

    monkeypatch.setattr(readiness_defs, "date", FirstDayOfTheWindow)
    from orchestration.lib.resources import run_resources

    result = dg.materialize([readiness_defs.board_readiness_alerts], resources=run_resources())
    assert result.success
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    assert checks["alert_channels_delivered"].passed
    ready = checks["board_metrics_ready"]
    assert not ready.passed  # the late return has not arrived in this test's warehouse
    listed = ready.metadata["not ready"].value
    assert all(f"2025-11-05 {m} missing" in listed for m in WITHHELD_METRICS)
    assert len(list(fresh_log.outbox_dir.glob("*.eml"))) == 3


def test_end_to_end_email_then_a_late_return_brings_one_now_ready(fresh_log, monkeypatch, tmp_path):
    inbox = Inbox()
    port = free_port()
    certificate = self_signed_certificate(tmp_path)
    monkeypatch.setenv("PCP_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PCP_SMTP_PORT", str(port))
    monkeypatch.setenv("PCP_SMTP_CA_FILE", str(certificate[0]))  # STARTTLS, the default
    monkeypatch.setenv("PCP_ALERT_FROM", "pcp-warehouse@example.org")
    # The mail server is down at the first evaluation: nothing is lost, it is retried.
    down = evaluate_board(fresh_log, BOARD, AS_OF, send=True)
    assert down.report.sent == [] and {d.channel for d in down.report.failed} == {"email"}
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_context(certificate),
        require_starttls=True,
    )
    controller.start()
    try:
        evaluate_board(fresh_log, BOARD, AS_OF, send=True)
        by_recipient = {rcpt[0]: mail for rcpt, mail in inbox.messages}
        assert len(inbox.messages) == 3
        for metric, address in LEAD_EMAILS.items():
            mail = by_recipient[address]
            assert mail["From"] == "pcp-warehouse@example.org"
            assert "not ready" in mail["Subject"] and NAMES[metric] in mail["Subject"]
            body = mail.get_content()
            assert NAMES[metric] in body and "2025/26-Q2" in body
            other = next(m for m in LEAD_EMAILS if m != metric)
            assert NAMES[other] not in body  # a lead hears only about their own metrics
        assert NAMES["37"] in by_recipient["board.chair@example.org"].get_content()
        # A second evaluation the same day sends nothing new.
        evaluate_board(fresh_log, BOARD, AS_OF, send=True)
        assert len(inbox.messages) == 3
        # The late return arrives in landing on the 21st; the next evaluation finds both ready.
        write_withheld_returns(
            fresh_log.landing_dir, start=START, end=END, seed=11, delivered_on=DELIVERED
        )
        assert refresh(fresh_log).ok
        after = evaluate_board(fresh_log, BOARD, DELIVERED, send=True)
        assert after.ready
        now_ready = inbox.messages[3:]
        assert sorted(r[0] for r, _ in now_ready) == sorted(LEAD_EMAILS.values())
        for rcpt, mail in now_ready:
            metric = next(m for m, a in LEAD_EMAILS.items() if a == rcpt[0])
            assert "Now ready" in mail["Subject"] and NAMES[metric] in mail["Subject"]
        evaluate_board(fresh_log, BOARD, date(2025, 10, 22), send=True)
        assert len(inbox.messages) == 5  # one "now ready" each, never repeated
    finally:
        controller.stop()


def test_as_of_counts_only_what_had_been_delivered_by_then(warehouse):
    """After the late return (delivered on the 21st) is in: as of the 20th both metrics are
    still missing, as of the 21st they are ready. The rows are the same whatever day the
    warehouse was built: a delivery after the as-of day never counts."""
    assert late_return_received(warehouse) is None
    write_withheld_returns(
        warehouse.landing_dir, start=START, end=END, seed=11, delivered_on=DELIVERED
    )
    assert refresh(warehouse).ok
    # Delivered (file time in landing) on the 21st, whenever intake took it in.
    assert late_return_received(warehouse).astimezone(UTC).date() == DELIVERED
    before = pcp("readiness", "--board", "2025-11-05", "--as-of", "2025-10-20")
    assert before.returncode == 1, before.stdout + before.stderr
    assert "37 of 39 ready; 2 not ready." in before.stdout
    assert all(NAMES[m] in before.stdout for m in WITHHELD_METRICS)
    on_the_day = pcp("readiness", "--board", "2025-11-05", "--as-of", DELIVERED.isoformat())
    assert on_the_day.returncode == 0, on_the_day.stdout + on_the_day.stderr
    assert "39 of 39 ready; 0 not ready." in on_the_day.stdout
    # A day after the board is the board; a day before the quarter is out of range.
    after = pcp("readiness", "--board", "2025-11-05", "--as-of", "2026-01-01")
    assert after.returncode == 0 and "evaluated as of the board date 2025-11-05" in after.stdout
    early = pcp("readiness", "--board", "2025-11-05", "--as-of", "2025-06-30")
    assert early.returncode == 2
    assert "tracked from 2025-07-01" in early.stderr and "to 2025-11-05" in early.stderr
    unknown = pcp("readiness", "--board", "2025-11-06")
    assert unknown.returncode == 2 and "2025-07-30, 2025-11-05, 2026-02-04" in unknown.stderr
