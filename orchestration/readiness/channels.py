"""Where alerts go: email (SMTP), Microsoft Teams and Slack webhooks, or .eml files in the outbox.

Each channel is optional and configured only from the environment, secrets included:
PCP_SMTP_HOST, PCP_SMTP_PORT, PCP_SMTP_USER, PCP_SMTP_PASSWORD, PCP_SMTP_TLS (starttls, the
default; implicit, the default on port 465; none), PCP_SMTP_CA_FILE, PCP_ALERT_FROM;
PCP_TEAMS_WEBHOOK_URL (a Teams Workflows URL); PCP_SLACK_WEBHOOK_URL. With none configured,
messages are written to $PCP_DATA_DIR/outbox/ as .eml files a person can open.
A channel that fails raises ChannelDown; the caller records it and retries next evaluation.

Every message carries its alert key (``Message.key``): as the email's Message-ID, and as the
webhook's ``Idempotency-Key`` header and ``idempotency_key`` field, so a receiver that got a
message whose answer was lost can recognise the retry.
"""

from __future__ import annotations

import json
import logging
import os
import re
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol

from orchestration.file_modes import write_private
from orchestration.readiness.messages import Message
from orchestration.settings import SMTP_TLS_IMPLICIT, SMTP_TLS_NONE, smtp_tls_mode

DEFAULT_SENDER = "pcp-warehouse@localhost"
# Seconds a channel has to answer; past it the send is unconfirmed and retried with its key.
TIMEOUT_SECONDS = 20.0
log = logging.getLogger(__name__)


class ChannelDown(Exception):
    """The channel could not take the message (refused, unreachable, HTTP error)."""


class Channel(Protocol):
    name: str

    def send(self, message: Message) -> str:
        """Deliver the message; return where it went. Raises ChannelDown."""
        ...


def as_email(message: Message, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = f"{message.recipient.name} <{message.recipient.email}>"
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    domain = sender.rpartition("@")[2].strip("<> ") or "pcp-warehouse"
    # From the alert key, so a retry of the same alert has the same Message-ID (mail clients
    # and servers drop a second copy by it).
    email["Message-ID"] = f"<{message.key}@{domain}>" if message.key else make_msgid(domain=domain)
    email.set_content(message.body)
    return email


class EmailChannel:
    """SMTP with TLS: STARTTLS (the default; a server that does not offer it is refused, the
    password is never sent in clear), implicit TLS (SMTP_SSL, port 465), or plain only when
    configured so. The server's certificate is verified (PCP_SMTP_CA_FILE for a private CA)."""

    name = "email"

    def __init__(
        self,
        host: str,
        port: int,
        user: str | None,
        password: str | None,
        tls: str,
        sender: str,
        ca_file: str | None = None,
        timeout: float = TIMEOUT_SECONDS,
    ):
        self.host, self.port, self.user, self.password = host, port, user, password
        self.tls, self.sender, self.ca_file, self.timeout = tls, sender, ca_file, timeout

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context(cafile=self.ca_file)
        if self.tls == SMTP_TLS_IMPLICIT:
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.tls != SMTP_TLS_NONE:
            try:
                smtp.starttls(context=context)  # raises when the server does not offer it
            except BaseException:
                smtp.close()
                raise
        return smtp

    def send(self, message: Message) -> str:
        try:
            with self._connect() as smtp:
                if self.user:
                    smtp.login(self.user, self.password or "")
                smtp.send_message(as_email(message, self.sender))
        except (OSError, smtplib.SMTPException) as error:
            raise ChannelDown(f"SMTP {self.host}:{self.port} ({self.tls}): {error}") from None
        return f"email to {message.recipient.email} via {self.host}:{self.port} ({self.tls})"


class WebhookChannel:
    """Slack incoming webhook or Teams Workflows: one post per message, naming the lead."""

    def __init__(self, name: str, url: str, timeout: float = TIMEOUT_SECONDS):
        self.name, self.url, self.timeout = name, url, timeout

    def payload(self, message: Message) -> dict:
        to = f"To {message.recipient.name} ({message.recipient.email})"
        # Slack and Teams do not drop a repeated post themselves: the key shown at the foot
        # lets a reader see that two identical posts are one alert retried.
        foot = f"Alert {message.key}"
        text = f"{to}\n{message.subject}\n\n{message.body}\n\n{foot}"
        if self.name == "slack":
            return {"text": text, "idempotency_key": message.key}
        # Teams Workflows ("post to a channel when a webhook request is received") takes an
        # Adaptive Card in a message envelope.
        return {
            "type": "message",
            "idempotency_key": message.key,
            "attachments": [{
                "contentType": "application/vnd.microsoft.card.adaptive",
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard", "version": "1.4",
                    "body": [
                        {"type": "TextBlock", "text": message.subject, "weight": "Bolder",
                         "wrap": True},
                        {"type": "TextBlock", "text": f"To {message.recipient.name}", "wrap": True},
                        {"type": "TextBlock", "text": message.body, "wrap": True},
                        {"type": "TextBlock", "text": foot, "isSubtle": True, "size": "Small"},
                    ],
                },
            }],
        }  # fmt: skip

    def send(self, message: Message) -> str:
        request = urllib.request.Request(
            self.url,
            data=json.dumps(self.payload(message)).encode("utf-8"),
            headers={"Content-Type": "application/json", "Idempotency-Key": message.key},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except TimeoutError:
            # It may have taken the post and not answered in time: the retry carries this key.
            raise ChannelDown(
                f"{self.name} webhook: no answer within {self.timeout:g} s (it may have the "
                f"alert; retried with key {message.key})"
            ) from None
        except (urllib.error.URLError, OSError) as error:
            raise ChannelDown(f"{self.name} webhook: {error}") from None
        return f"{self.name} post for {message.recipient.name}"


class OutboxChannel:
    name = "outbox"

    def __init__(self, folder: Path, sender: str, group: str | None = None):
        self.folder, self.sender, self.group = folder, sender, group

    def send(self, message: Message) -> str:
        stem = re.sub(r"[^a-z0-9]+", "-", f"{message.kind}-{message.recipient.lead_key}".lower())
        # Named by the alert key: a retry of the same alert rewrites its file, never adds one.
        path = self.folder / f"{stem}-{message.key or _timestamp()}.eml"
        write_private(path, bytes(as_email(message, self.sender)), self.group)
        return str(path)


def _timestamp() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")


def configured_channels(
    outbox: Path, env: Mapping[str, str] | None = None, group: str | None = None
) -> list[Channel]:
    env = os.environ if env is None else env
    sender = env.get("PCP_ALERT_FROM") or DEFAULT_SENDER
    channels: list[Channel] = []
    if env.get("PCP_SMTP_HOST"):
        tls, port, warnings = smtp_tls_mode(env)
        for warning in warnings:
            log.warning(warning)
        channels.append(
            EmailChannel(
                env["PCP_SMTP_HOST"],
                port,
                env.get("PCP_SMTP_USER") or None,
                env.get("PCP_SMTP_PASSWORD") or None,
                tls,
                sender,
                ca_file=env.get("PCP_SMTP_CA_FILE") or None,
            )
        )
    if env.get("PCP_TEAMS_WEBHOOK_URL"):
        channels.append(WebhookChannel("teams", env["PCP_TEAMS_WEBHOOK_URL"]))
    if env.get("PCP_SLACK_WEBHOOK_URL"):
        channels.append(WebhookChannel("slack", env["PCP_SLACK_WEBHOOK_URL"]))
    return channels or [OutboxChannel(outbox, sender, group)]
