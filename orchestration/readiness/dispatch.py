"""Sending a board's readiness alerts: each lead hears only about their own metrics that are not
ready (once a day per channel), gets one "now ready" when such a metric arrives, and the chair
gets a daily summary. Failures are logged and retried at the next evaluation.

Every alert carries a key naming it (``alert_key``), recorded before the channel is called: a
retry after a timeout sends the same key, so the receiver can drop the copy it already has."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import duckdb

from orchestration.readiness import alert_log
from orchestration.readiness.channels import Channel, ChannelDown
from orchestration.readiness.evaluate import MetricReadiness
from orchestration.readiness.messages import (
    Message,
    Recipient,
    not_ready_message,
    now_ready_message,
    recipients,
    summary_message,
)

CHAIR = "board_chair"
SUMMARY_METRIC = "*"
# Kinds sent again each day while they hold (a reminder a day is a new alert); "now_ready" goes
# once per metric, whatever the day, so a retry on a later day is still the same alert.
DAILY_KINDS = frozenset({"not_ready", "summary"})


def alert_key(kind: str, board: date, lead: str, metric_ids: list[str], day: date) -> str:
    """What makes two alerts the same: kind, board, lead, the metrics it lists, and for daily
    kinds the day. Not the channel (one alert, several channels) nor the wording."""
    parts = [kind, board.isoformat(), lead, ",".join(sorted(metric_ids)),
             day.isoformat() if kind in DAILY_KINDS else ""]  # fmt: skip
    return "pcp-" + hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()[:32]


@dataclass
class Delivery:
    channel: str
    kind: str
    lead_key: str
    metric_ids: list[str]
    where: str  # an address, a file, or the error
    key: str = ""  # the alert's idempotency key


@dataclass
class DispatchReport:
    sent: list[Delivery] = field(default_factory=list)
    failed: list[Delivery] = field(default_factory=list)


def _send(
    con: duckdb.DuckDBPyConnection,
    report: DispatchReport,
    channel: Channel,
    message: Message,
    board: date,
    today: date,
    logged_ids: list[str],
) -> None:
    lead = message.recipient.lead_key
    message.key = alert_key(message.kind, board, lead, message.metric_ids, today)
    if alert_log.key_sent(con, message.key, channel.name):
        return  # confirmed before: never again

    def log(outcome: str, detail: str) -> None:
        alert_log.record(
            con,
            today,
            board,
            lead,
            logged_ids,
            message.kind,
            channel.name,
            outcome,
            detail,
            message.key,
        )

    # On disk before the channel is called: if this process dies waiting for an answer, the log
    # says an alert with this key may have gone out.
    log(alert_log.SENDING, "awaiting the channel's answer (if none came: the sender stopped)")
    try:
        where = channel.send(message)
    except ChannelDown as error:
        log(alert_log.FAILED, str(error))
        report.failed.append(
            Delivery(channel.name, message.kind, lead, message.metric_ids, str(error), message.key)
        )
        return
    log(alert_log.SENT, where)
    report.sent.append(
        Delivery(channel.name, message.kind, lead, message.metric_ids, where, message.key)
    )


def dispatch(
    con: duckdb.DuckDBPyConnection,
    metrics: list[MetricReadiness],
    channels: list[Channel],
    today: date,
) -> DispatchReport:
    alert_log.ensure_alert_log(con)
    report = DispatchReport()
    if not metrics:
        return report
    board = metrics[0].board_date
    leads = recipients()
    by_owner: dict[str, list[MetricReadiness]] = defaultdict(list)
    for metric in metrics:
        by_owner[metric.owner].append(metric)
    for owner, owned in sorted(by_owner.items()):
        lead: Recipient = leads[owner]
        for channel in channels:
            name = channel.name
            due = [
                m for m in owned if not m.ready
                and not alert_log.sent_on(con, board, owner, m.metric_id, "not_ready", name, today)
            ]  # fmt: skip
            if due:
                message = not_ready_message(lead, due)
                _send(con, report, channel, message, board, today, message.metric_ids)
            arrived = [
                m for m in owned if m.ready
                and alert_log.sent_on(con, board, owner, m.metric_id, "not_ready", channel.name)
                and not alert_log.sent_on(con, board, owner, m.metric_id, "now_ready", channel.name)
            ]  # fmt: skip
            if arrived:
                message = now_ready_message(lead, arrived)
                _send(con, report, channel, message, board, today, message.metric_ids)
    if any(not m.ready for m in metrics):
        for channel in channels:
            if not alert_log.sent_on(
                con, board, CHAIR, SUMMARY_METRIC, "summary", channel.name, today
            ):
                message = summary_message(leads[CHAIR], metrics)
                _send(con, report, channel, message, board, today, [SUMMARY_METRIC])
    return report
