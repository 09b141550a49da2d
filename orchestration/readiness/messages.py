"""What board leads and the chair are told: one message per lead, listing only their metrics."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from orchestration.readiness.evaluate import MetricReadiness
from orchestration.reference import board_leads


@dataclass(frozen=True)
class Recipient:
    lead_key: str
    name: str
    email: str
    role: str


@dataclass
class Message:
    kind: str  # not_ready, now_ready, summary
    recipient: Recipient
    subject: str
    body: str
    metric_ids: list[str] = field(default_factory=list)
    # The alert's idempotency key, set by dispatch (dispatch.alert_key) before sending.
    key: str = ""


def recipients() -> dict[str, Recipient]:
    return {
        r["lead_key"]: Recipient(r["lead_key"], r["name"], r["email"], r["role"])
        for r in board_leads()
    }


def _line(metric: MetricReadiness) -> str:
    text = (
        f"- [{metric.status.upper()}] {metric.metric_name} (metric {metric.metric_id}), "
        f"{metric.period_needed}: {metric.reason}"
    )
    if metric.needed:
        text += f"\n    Needed: {metric.needed}"
    return text


def not_ready_message(lead: Recipient, metrics: list[MetricReadiness]) -> Message:
    first = metrics[0]
    body = "\n".join(
        [
            f"Dear {lead.name},",
            "",
            f"For the delivery board on {first.board_date:%d %B %Y} ({first.reporting_quarter}), "
            f"these metrics you own are not ready. The data deadline is "
            f"{first.data_deadline:%A %d %B %Y}.",
            "",
            *[_line(m) for m in metrics],
            "",
            "Partner returns use the template columns metric_id, area, period, value, numerator, "
            "denominator, submitted_by, submitted_at (CSV or XLSX); the warehouse picks up a file "
            "dropped into its landing folder within minutes.",
            "",
            "PCP Warehouse (automatic message: one per day while a metric is not ready).",
        ]
    )
    subject = (
        f"[PCP] {len(metrics)} metric(s) not ready for the {first.board_date:%d %b %Y} "
        f"delivery board: {', '.join(m.metric_name for m in metrics)}"
    )
    return Message("not_ready", lead, subject, body, [m.metric_id for m in metrics])


def now_ready_message(lead: Recipient, metrics: list[MetricReadiness]) -> Message:
    first = metrics[0]
    body = "\n".join(
        [
            f"Dear {lead.name},",
            "",
            f"Now ready for the delivery board on {first.board_date:%d %B %Y} "
            f"({first.reporting_quarter}):",
            "",
            *[f"- {m.metric_name} (metric {m.metric_id}), {m.period_needed}" for m in metrics],
            "",
            "Thank you. PCP Warehouse (automatic message).",
        ]
    )
    subject = (
        f"[PCP] Now ready for the {first.board_date:%d %b %Y} delivery board: "
        f"{', '.join(m.metric_name for m in metrics)}"
    )
    return Message("now_ready", lead, subject, body, [m.metric_id for m in metrics])


def summary_message(chair: Recipient, metrics: list[MetricReadiness]) -> Message:
    first = metrics[0]
    not_ready = [m for m in metrics if not m.ready]
    by_lead: dict[str, list[MetricReadiness]] = defaultdict(list)
    for metric in not_ready:
        by_lead[metric.owner].append(metric)
    leads = recipients()
    lines = [
        f"Dear {chair.name},",
        "",
        f"Readiness for the delivery board on {first.board_date:%d %B %Y} "
        f"({first.reporting_quarter}); data deadline {first.data_deadline:%d %B %Y}: "
        f"{len(metrics) - len(not_ready)} of {len(metrics)} headline metrics ready.",
    ]
    for owner, owned in sorted(by_lead.items()):
        lines += ["", f"{leads[owner].name if owner in leads else owner}:"]
        lines += [_line(m) for m in owned]
    lines += ["", "PCP Warehouse (automatic message)."]
    subject = (
        f"[PCP] Board readiness {first.board_date:%d %b %Y}: {len(not_ready)} metric(s) not ready"
        if not_ready
        else f"[PCP] Board readiness {first.board_date:%d %b %Y}: all ready"
    )
    return Message("summary", chair, subject, "\n".join(lines), [m.metric_id for m in not_ready])
