"""Sending a board's readiness alerts: each lead hears only about their own metrics that are not
ready (once a day per channel), gets one "now ready" when such a metric arrives, and the chair
gets a daily summary. Failures are logged and retried at the next evaluation."""

from __future__ import annotations

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


@dataclass
class Delivery:
    channel: str
    kind: str
    lead_key: str
    metric_ids: list[str]
    where: str  # an address, a file, or the error


@dataclass
class DispatchReport:
    sent: list[Delivery] = field(default_factory=list)
    failed: list[Delivery] = field(default_factory=list)


def _send(
    con: duckdb.DuckDBPyConnection, report: DispatchReport, channel: Channel, message: Message,
    board: date, today: date, logged_ids: list[str],
) -> None:  # fmt: skip
    lead = message.recipient.lead_key
    try:
        where = channel.send(message)
    except ChannelDown as error:
        alert_log.record(con, today, board, lead, logged_ids, message.kind, channel.name,
                         "failed", str(error))  # fmt: skip
        report.failed.append(
            Delivery(channel.name, message.kind, lead, message.metric_ids, str(error))
        )
        return
    alert_log.record(con, today, board, lead, logged_ids, message.kind, channel.name, "sent", where)
    report.sent.append(Delivery(channel.name, message.kind, lead, message.metric_ids, where))


def dispatch(
    con: duckdb.DuckDBPyConnection, metrics: list[MetricReadiness], channels: list[Channel],
    today: date,
) -> DispatchReport:  # fmt: skip
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
