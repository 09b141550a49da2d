"""Alerts exactly once, over TLS: real servers started by the test (an HTTP server for the
webhooks, aiosmtpd for email, with a certificate made here), a real alerts.duckdb.

A channel that takes an alert and then does not answer in time is retried with the same key
(webhook Idempotency-Key header and body field, email Message-ID), so the receiver keeps one;
a confirmed alert is never sent again. Email goes over STARTTLS unless told otherwise,
implicit TLS on request, and in clear only when configured so (with a warning)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from datetime import date
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest
from aiosmtpd.controller import Controller

from orchestration.readiness import alert_log
from orchestration.readiness.channels import EmailChannel, WebhookChannel, configured_channels
from orchestration.readiness.dispatch import dispatch
from orchestration.readiness.evaluate import MetricReadiness
from orchestration.settings import PROJECT_ROOT, SettingsError, smtp_tls_mode
from tests.tls import self_signed_certificate, server_context

BOARD, TODAY = date(2025, 11, 5), date(2025, 10, 20)
SLOW_SECONDS, CLIENT_TIMEOUT = 1.5, 0.4


def metric(metric_id: str, owner: str, status: str = "missing") -> MetricReadiness:
    return MetricReadiness(
        BOARD,
        "2025/26-Q2",
        date(2025, 10, 24),
        metric_id,
        f"Metric {metric_id}",
        "Workforce",
        owner,
        "partner_returns",
        status,
        "2025/26-Q2",
        "no return yet",
        None,
        None,
        status == "ready",
    )


METRICS = [metric("37", "lead_workforce"), metric("12", "lead_workforce", "ready")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SlowHook:
    """A webhook receiver that keeps every post, then (while ``slow``) waits past the client's
    timeout before answering: it has the alert, the sender does not know."""

    def __init__(self):
        self.posts: list[tuple[float, str, dict]] = []  # (received, header key, body)
        self.slow = True
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                hook.posts.append((time.time(), self.headers["Idempotency-Key"], body))
                if hook.slow:
                    time.sleep(SLOW_SECONDS)
                try:
                    self.send_response(200)
                    self.end_headers()
                    self.wfile.write(b"1")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender gave up (or died) waiting: it did not hear

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/slack"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def alerts(self) -> dict[str, dict]:
        """What a receiver that dedupes by key keeps: one post per key."""
        return {key: body for _, key, body in self.posts}


@pytest.fixture
def slow_hook():
    hook = SlowHook()
    yield hook
    hook.server.shutdown()


def log_rows(settings) -> list[tuple]:
    with duckdb.connect(str(settings.alerts_path), read_only=True) as con:
        return con.execute(
            "select lead_key, kind, outcome, alert_key, epoch(attempted_at) from alert_log "
            "order by attempted_at, outcome"
        ).fetchall()


def send(settings, channels, today=TODAY):
    with alert_log.open_for_dispatch(settings) as con:
        return dispatch(con, METRICS, channels, today)


def test_a_webhook_that_times_out_after_accepting_gets_the_same_key_again(settings, slow_hook):
    channel = WebhookChannel("slack", slow_hook.url, timeout=CLIENT_TIMEOUT)
    first = send(settings, [channel])
    assert first.sent == [] and len(first.failed) == 2  # the lead's alert and the chair's
    assert all("no answer within 0.4 s" in d.where for d in first.failed)
    keys = {d.key for d in first.failed}
    assert len(keys) == 2 and all(k.startswith("pcp-") for k in keys)
    # The receiver has both alerts; each post carried its key in the header and the body.
    assert [(key, body["idempotency_key"]) for _, key, body in slow_hook.posts] == [
        (key, key) for _, key, _ in slow_hook.posts
    ]
    assert {key for _, key, _ in slow_hook.posts} == keys
    # Recorded before the channel was called: each "sending" row is older than the post.
    rows = log_rows(settings)
    for received, key, _ in slow_hook.posts:
        sending = [r for r in rows if r[3] == key and r[2] == "sending"]
        assert len(sending) == 1 and sending[0][4] <= received
        assert [r[2] for r in rows if r[3] == key] == ["sending", "failed"]
    assert [c for c, _, _ in alert_log.read_failing_channels(settings)] == ["slack"]

    slow_hook.slow = False
    second = send(settings, [channel])
    assert {d.key for d in second.sent} == keys and second.failed == []
    assert len(slow_hook.posts) == 4  # at least once: the receiver was sent each alert twice...
    assert set(slow_hook.alerts()) == keys  # ...and, deduplicating by key, keeps one of each
    lead_alert = next(b for b in slow_hook.alerts().values() if "Metric 37" in b["text"])
    assert "To Workforce Lead" in lead_alert["text"]
    assert lead_alert["text"].endswith(f"Alert {lead_alert['idempotency_key']}")  # for a reader
    assert alert_log.read_failing_channels(settings) == []

    third = send(settings, [channel])  # confirmed: never again
    assert third.sent == [] and third.failed == [] and len(slow_hook.posts) == 4


SENDER_SCRIPT = """
import sys
from datetime import date
from orchestration.readiness import alert_log
from orchestration.readiness.channels import WebhookChannel
from orchestration.readiness.dispatch import dispatch
from orchestration.settings import load_settings
from tests.unit.test_alert_delivery import METRICS, TODAY
with alert_log.open_for_dispatch(load_settings()) as con:
    dispatch(con, METRICS, [WebhookChannel("slack", sys.argv[1], timeout=120)], TODAY)
"""


def test_a_sender_that_dies_waiting_leaves_the_key_to_be_sent_again(settings, slow_hook):
    """Killed while the receiver holds its post: the log already has the key ("sending"), the
    channel shows as failing, and the next evaluation sends that alert with that key."""
    slow_hook.slow = True
    sender = subprocess.Popen(
        [sys.executable, "-c", SENDER_SCRIPT, slow_hook.url],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    try:
        deadline = time.monotonic() + 60
        while not slow_hook.posts and time.monotonic() < deadline:
            time.sleep(0.05)
        assert slow_hook.posts, "the sender never posted"
    finally:
        sender.kill()
        sender.wait()
    ((_, first_key, _),) = slow_hook.posts
    rows = log_rows(settings)
    assert [(r[2], r[3]) for r in rows] == [("sending", first_key)]
    ((channel, _, detail),) = alert_log.read_failing_channels(settings)
    assert channel == "slack" and "the sender stopped" in detail
    slow_hook.slow = False
    again = send(settings, [WebhookChannel("slack", slow_hook.url, timeout=5)])
    assert first_key in {d.key for d in again.sent} and again.failed == []
    assert set(slow_hook.alerts()) == {d.key for d in again.sent}


def test_the_key_names_the_alert_not_the_attempt(settings, slow_hook):
    """Another day's reminder is another alert (a new key); the same day's is the same."""
    slow_hook.slow = False
    channel = WebhookChannel("teams", slow_hook.url, timeout=5)
    monday = send(settings, [channel])
    tuesday = send(settings, [channel], today=date(2025, 10, 21))
    assert len(monday.sent) == len(tuesday.sent) == 2
    assert not {d.key for d in monday.sent} & {d.key for d in tuesday.sent}
    assert all(body["idempotency_key"] for _, _, body in slow_hook.posts)  # Teams card too
    assert len(set(slow_hook.alerts())) == 4


# --- email: a certificate made here, STARTTLS, implicit TLS, plain only when asked ---


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


class Inbox:
    """aiosmtpd handler keeping each message; while ``slow``, it takes the message and waits
    past the client's timeout before saying so. Records whether the session was encrypted."""

    def __init__(self):
        self.messages: list = []
        self.encrypted: list[bool] = []
        self.slow = False

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        # STARTTLS sets session.ssl; implicit TLS runs the whole connection over SSL.
        implicit = server.transport.get_extra_info("ssl_object") is not None
        self.encrypted.append(session.ssl is not None or implicit)
        if self.slow:
            await asyncio.sleep(SLOW_SECONDS)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(certificate):
    """Start an SMTP server: mode "starttls" (offers and requires it), "implicit", or "plain"."""
    started = []

    def start(mode: str) -> tuple[Inbox, int]:
        inbox, port = Inbox(), free_port()
        options = {}
        if mode == "starttls":
            options = {"tls_context": server_context(certificate), "require_starttls": True}
        elif mode == "implicit":
            options = {"ssl_context": server_context(certificate)}
        controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
        controller.start()
        started.append(controller)
        return inbox, port

    yield start
    for controller in started:
        controller.stop()


def email_env(port: int, certificate, **extra: str) -> dict[str, str]:
    return {"PCP_SMTP_HOST": "127.0.0.1", "PCP_SMTP_PORT": str(port),
            "PCP_SMTP_CA_FILE": str(certificate[0]), "PCP_ALERT_FROM": "pcp@example.org",
            **extra}  # fmt: skip


def email_channel(env: dict[str, str], outbox: Path, timeout: float = 10) -> EmailChannel:
    (channel,) = configured_channels(outbox, env)
    assert isinstance(channel, EmailChannel)
    channel.timeout = timeout
    return channel


def test_email_over_starttls_by_default_keeps_its_message_id_across_a_retry(
    settings, smtp_server, certificate
):
    inbox, port = smtp_server("starttls")
    channel = email_channel(email_env(port, certificate), settings.outbox_dir, CLIENT_TIMEOUT)
    assert channel.tls == "starttls"
    inbox.slow = True
    first = send(settings, [channel])
    assert first.sent == [] and len(first.failed) == 2
    assert len(inbox.messages) == 2  # the server had them; the sender did not hear so
    inbox.slow = False
    second = send(settings, [channel])
    assert len(second.sent) == 2 and len(inbox.messages) == 4
    assert all(inbox.encrypted)
    ids = [m["Message-ID"] for m in inbox.messages]
    assert ids[:2] == ids[2:]  # the retry is recognisably the same message
    assert {f"<{d.key}@example.org>" for d in second.sent} == set(ids)
    assert send(settings, [channel]).sent == [] and len(inbox.messages) == 4


def test_implicit_tls_when_asked_and_on_port_465(settings, smtp_server, certificate):
    inbox, port = smtp_server("implicit")
    channel = email_channel(email_env(port, certificate, PCP_SMTP_TLS="implicit"), Path("."))
    assert channel.tls == "implicit"
    report = send(settings, [channel])
    assert len(report.sent) == 2 and all(inbox.encrypted) and len(inbox.messages) == 2
    assert smtp_tls_mode({"PCP_SMTP_PORT": "465"})[:2] == ("implicit", 465)
    assert smtp_tls_mode({"PCP_SMTP_TLS": "implicit"})[:2] == ("implicit", 465)
    assert smtp_tls_mode({})[:2] == ("starttls", 25)


def test_a_server_without_starttls_is_refused_unless_plain_is_configured(
    settings, smtp_server, certificate, caplog
):
    inbox, port = smtp_server("plain")
    refused = send(settings, [email_channel(email_env(port, certificate), Path("."))])
    assert refused.sent == [] and len(refused.failed) == 2 and inbox.messages == []
    assert "STARTTLS extension not supported" in refused.failed[0].where
    with caplog.at_level(logging.WARNING):
        plain = email_channel(email_env(port, certificate, PCP_SMTP_TLS="none"), Path("."))
    assert "WITHOUT TLS" in caplog.text
    assert len(send(settings, [plain]).sent) == 2 and inbox.encrypted == [False, False]


def test_an_untrusted_certificate_is_refused(settings, smtp_server, certificate):
    inbox, port = smtp_server("starttls")
    env = email_env(port, certificate)
    del env["PCP_SMTP_CA_FILE"]  # the system's CAs do not know this server
    report = send(settings, [email_channel(env, Path("."))])
    assert report.sent == [] and "CERTIFICATE_VERIFY_FAILED" in report.failed[0].where
    assert inbox.messages == []


def test_the_old_starttls_setting_still_works_with_a_warning(
    settings, smtp_server, certificate, caplog
):
    inbox, port = smtp_server("starttls")
    env = email_env(port, certificate, PCP_SMTP_STARTTLS="true")
    with caplog.at_level(logging.WARNING):
        channel = email_channel(env, Path("."))
    assert channel.tls == "starttls" and "PCP_SMTP_STARTTLS is deprecated" in caplog.text
    assert len(send(settings, [channel]).sent) == 2 and all(inbox.encrypted)
    assert smtp_tls_mode({"PCP_SMTP_STARTTLS": "false"})[0] == "none"  # plain, as it meant


def test_a_bad_tls_setting_is_refused_clearly():
    with pytest.raises(SettingsError, match="PCP_SMTP_TLS='ssl': expected one of starttls"):
        smtp_tls_mode({"PCP_SMTP_TLS": "ssl"})
