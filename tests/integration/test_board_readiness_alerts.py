"""Board readiness and alerts with real servers: an SMTP server (aiosmtpd) started by the test,
and a local HTTP server standing in for Teams and Slack. The demo withholds two partner-return
metrics; readiness must name exactly those, their leads hear once a day, a channel that is down
is retried without duplicates, and a late return brings one "now ready" per lead."""

from __future__ import annotations

import json
import shutil
import socket
import threading
from datetime import date
from email import message_from_bytes, policy
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import duckdb
import pytest
from aiosmtpd.controller import Controller

from orchestration.demo import write_demo_data, write_withheld_returns
from orchestration.demo.partner_returns import WITHHELD_METRICS
from orchestration.readiness.run import evaluate_board
from orchestration.refresh import refresh
from tests.conftest import ALERT_CHANNEL_ENV, private_data_dir

pytestmark = pytest.mark.slow
BOARD, AS_OF = date(2025, 11, 5), date(2025, 10, 20)
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
def warehouse(tmp_path_factory):
    """A demo warehouse (two partner-return metrics withheld), refreshed once, and its settings."""
    root = tmp_path_factory.mktemp("readiness")
    with pytest.MonkeyPatch.context() as patch:
        settings = private_data_dir(patch, root / "data")
        write_demo_data(settings.landing_dir, start=START, end=END, seed=11)
        assert refresh(settings).ok
        yield settings


@pytest.fixture
def fresh_log(warehouse, monkeypatch):
    for name in ALERT_CHANNEL_ENV:
        monkeypatch.delenv(name, raising=False)
    with duckdb.connect(str(warehouse.warehouse_path)) as con:
        con.execute("create schema if not exists alerts")
        con.execute("drop table if exists alerts.alert_log")
    shutil.rmtree(warehouse.outbox_dir, ignore_errors=True)
    return warehouse


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
    from orchestration.readiness.alert_log import failing_channels

    with duckdb.connect(str(fresh_log.warehouse_path), read_only=True) as con:
        assert [c for c, _, _ in failing_channels(con)] == ["slack"]
    hooks.down.clear()
    second = evaluate_board(fresh_log, BOARD, AS_OF, send=True, build=False)
    assert len(hooks.posts["/slack"]) == 3
    assert len(hooks.posts["/teams"]) == 3  # nothing sent twice on the channel that was up
    assert {d.channel for d in second.report.sent} == {"slack"}
    slack_text = "\n".join(p["text"] for p in hooks.posts["/slack"])
    for metric in WITHHELD_METRICS:
        assert NAMES[metric] in slack_text
    teams_card = hooks.posts["/teams"][0]["attachments"][0]["content"]
    assert teams_card["type"] == "AdaptiveCard"
    with duckdb.connect(str(fresh_log.warehouse_path), read_only=True) as con:
        assert failing_channels(con) == []
    third = evaluate_board(fresh_log, BOARD, AS_OF, send=True, build=False)
    assert third.report.sent == [] and third.report.failed == []
    hooks.server.shutdown()


def test_end_to_end_email_then_a_late_return_brings_one_now_ready(fresh_log, monkeypatch):
    inbox = Inbox()
    port = free_port()
    monkeypatch.setenv("PCP_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PCP_SMTP_PORT", str(port))
    monkeypatch.setenv("PCP_ALERT_FROM", "pcp-warehouse@example.org")
    # The mail server is down at the first evaluation: nothing is lost, it is retried.
    down = evaluate_board(fresh_log, BOARD, AS_OF, send=True)
    assert down.report.sent == [] and {d.channel for d in down.report.failed} == {"email"}
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        evaluate_board(fresh_log, BOARD, AS_OF, send=True, build=False)
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
        evaluate_board(fresh_log, BOARD, AS_OF, send=True, build=False)
        assert len(inbox.messages) == 3
        # The late return arrives in landing; the next evaluation finds both ready.
        write_withheld_returns(fresh_log.landing_dir, start=START, end=END, seed=11)
        assert refresh(fresh_log).ok
        after = evaluate_board(fresh_log, BOARD, date(2025, 10, 21), send=True)
        assert after.ready
        now_ready = inbox.messages[3:]
        assert sorted(r[0] for r, _ in now_ready) == sorted(LEAD_EMAILS.values())
        for rcpt, mail in now_ready:
            metric = next(m for m, a in LEAD_EMAILS.items() if a == rcpt[0])
            assert "Now ready" in mail["Subject"] and NAMES[metric] in mail["Subject"]
        evaluate_board(fresh_log, BOARD, date(2025, 10, 22), send=True, build=False)
        assert len(inbox.messages) == 5  # one "now ready" each, never repeated
    finally:
        controller.stop()
