"""Where alerts go: email (SMTP), Microsoft Teams and Slack webhooks, or .eml files in the outbox.

Each channel is optional and configured only from the environment, secrets included:
PCP_SMTP_HOST, PCP_SMTP_PORT, PCP_SMTP_USER, PCP_SMTP_PASSWORD, PCP_SMTP_STARTTLS,
PCP_ALERT_FROM; PCP_TEAMS_WEBHOOK_URL (a Teams Workflows URL); PCP_SLACK_WEBHOOK_URL. With none
configured, messages are written to $PCP_DATA_DIR/outbox/ as .eml files a person can open.
A channel that fails raises ChannelDown; the caller records it and retries next evaluation.
"""

from __future__ import annotations

import json
import os
import re
import smtplib
import urllib.error
import urllib.request
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol

from orchestration.readiness.messages import Message

DEFAULT_SENDER = "pcp-warehouse@localhost"


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
    email["Message-ID"] = make_msgid(domain="pcp-warehouse")
    email.set_content(message.body)
    return email


class EmailChannel:
    name = "email"

    def __init__(self, host: str, port: int, user: str | None, password: str | None,
                 starttls: bool, sender: str):  # fmt: skip
        self.host, self.port, self.user, self.password = host, port, user, password
        self.starttls, self.sender = starttls, sender

    def send(self, message: Message) -> str:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=20) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.user:
                    smtp.login(self.user, self.password or "")
                smtp.send_message(as_email(message, self.sender))
        except (OSError, smtplib.SMTPException) as error:
            raise ChannelDown(f"SMTP {self.host}:{self.port}: {error}") from None
        return f"email to {message.recipient.email} via {self.host}:{self.port}"


class WebhookChannel:
    """Slack incoming webhook or Teams Workflows: one post per message, naming the lead."""

    def __init__(self, name: str, url: str):
        self.name, self.url = name, url

    def payload(self, message: Message) -> dict:
        to = f"To {message.recipient.name} ({message.recipient.email})"
        text = f"{to}\n{message.subject}\n\n{message.body}"
        if self.name == "slack":
            return {"text": text}
        # Teams Workflows ("post to a channel when a webhook request is received") takes an
        # Adaptive Card in a message envelope.
        return {
            "type": "message",
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
                    ],
                },
            }],
        }  # fmt: skip

    def send(self, message: Message) -> str:
        request = urllib.request.Request(
            self.url, data=json.dumps(self.payload(message)).encode("utf-8"),
            headers={"Content-Type": "application/json"}, method="POST",
        )  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                response.read()
        except (urllib.error.URLError, OSError) as error:
            raise ChannelDown(f"{self.name} webhook: {error}") from None
        return f"{self.name} post for {message.recipient.name}"


class OutboxChannel:
    name = "outbox"

    def __init__(self, folder: Path, sender: str):
        self.folder, self.sender = folder, sender

    def send(self, message: Message) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        stem = re.sub(r"[^a-z0-9]+", "-", f"{message.kind}-{message.recipient.lead_key}".lower())
        path = self.folder / f"{_timestamp()}-{stem}.eml"
        path.write_bytes(bytes(as_email(message, self.sender)))
        return str(path)


def _timestamp() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")


def configured_channels(outbox: Path, env: Mapping[str, str] | None = None) -> list[Channel]:
    env = os.environ if env is None else env
    sender = env.get("PCP_ALERT_FROM") or DEFAULT_SENDER
    channels: list[Channel] = []
    if env.get("PCP_SMTP_HOST"):
        channels.append(EmailChannel(
            env["PCP_SMTP_HOST"], int(env.get("PCP_SMTP_PORT") or 25),
            env.get("PCP_SMTP_USER") or None, env.get("PCP_SMTP_PASSWORD") or None,
            (env.get("PCP_SMTP_STARTTLS") or "").lower() in {"1", "true", "yes"}, sender,
        ))  # fmt: skip
    if env.get("PCP_TEAMS_WEBHOOK_URL"):
        channels.append(WebhookChannel("teams", env["PCP_TEAMS_WEBHOOK_URL"]))
    if env.get("PCP_SLACK_WEBHOOK_URL"):
        channels.append(WebhookChannel("slack", env["PCP_SLACK_WEBHOOK_URL"]))
    return channels or [OutboxChannel(outbox, sender)]
