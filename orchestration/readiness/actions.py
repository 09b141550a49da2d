"""Action tracker readiness: actions whose lead gave no update since the previous board.

The rule is SQL (marts.mart_action_readiness, point in time like the metrics' readiness); this
reads a board's rows as of a day from the published marts and alerts each lead about their
own missing actions, with the metrics each is meant to move, through the same channels and
alert log as the metrics. An action's missing alert goes to its lead once per board (its key
has no day, so neither a second evaluation nor a later day sends it again).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import duckdb

from orchestration.database import connect, table_exists
from orchestration.readiness import alert_log
from orchestration.readiness.channels import Channel
from orchestration.readiness.dispatch import DispatchReport, _send  # one rule for every alert
from orchestration.readiness.evaluate import published_path
from orchestration.readiness.messages import Message, Recipient, recipients
from orchestration.reference import metric_catalogue
from orchestration.settings import Settings

KIND = "action_missing"


@dataclass(frozen=True)
class ActionReadiness:
    board_date: date
    reporting_quarter: str
    previous_board_date: date | None
    reference: str
    task_name: str
    delivery_strategy: str
    lead_key: str
    metric_ids: list[str]
    updated: bool

    @property
    def alert_id(self) -> str:
        """What the alert log records in place of a metric id."""
        return f"action {self.reference}"


def action_readiness(settings: Settings, board_date: date, as_of: date) -> list[ActionReadiness]:
    """The actions the board expects an update on, as they stood on ``as_of`` (empty when the
    published marts hold no action tracker yet)."""
    with connect(published_path(settings), read_only=True) as con:
        if not table_exists(con, "main", "mart_action_readiness"):
            return []
        rows = con.execute(
            """
            select board_date, reporting_quarter, previous_board_date, reference, task_name,
                   delivery_strategy, lead_key, metric_ids, is_updated
            from mart_action_readiness
            where board_date = ? and as_of = ?
            order by lead_key, reference
            """,
            [board_date, as_of],
        ).fetchall()
    return [ActionReadiness(*row) for row in rows]


def missing_message(lead: Recipient, actions: list[ActionReadiness]) -> Message:
    first = actions[0]
    since = (
        f"since the board of {first.previous_board_date:%d %B %Y}"
        if first.previous_board_date
        else "yet"
    )
    catalogue = metric_catalogue()

    def line(action: ActionReadiness) -> str:
        metrics = ", ".join(
            f"{catalogue[m]['metric_name']} (metric {m})" if m in catalogue else m
            for m in action.metric_ids
        )
        return f"- {action.reference} {action.task_name}" + (
            f"\n    Meant to move: {metrics}" if metrics else ""
        )

    body = "\n".join(
        [
            f"Dear {lead.name},",
            "",
            f"For the delivery board on {first.board_date:%d %B %Y} ({first.reporting_quarter}), "
            f"these actions you lead have no update {since}:",
            "",
            *[line(a) for a in actions],
            "",
            "Updates go in the action tracker (landing/action_tracker/action-tracker-*.csv or "
            ".xlsx, the README's template), one row per action.",
            "",
            "PCP Warehouse (automatic message: once per action and board).",
        ]
    )
    subject = (
        f"[PCP] {len(actions)} action(s) without an update for the "
        f"{first.board_date:%d %b %Y} delivery board"
    )
    return Message(KIND, lead, subject, body, [a.alert_id for a in actions])


def dispatch_missing_actions(
    con: duckdb.DuckDBPyConnection,
    actions: list[ActionReadiness],
    channels: list[Channel],
    today: date,
    report: DispatchReport,
) -> None:
    """Alert each lead once about their actions missing for the board (added to ``report``)."""
    alert_log.ensure_alert_log(con)
    leads = recipients()
    by_lead: dict[str, list[ActionReadiness]] = defaultdict(list)
    for action in actions:
        if not action.updated:
            by_lead[action.lead_key].append(action)
    for lead_key, missing in sorted(by_lead.items()):
        for channel in channels:
            due = [
                a
                for a in missing
                if not alert_log.sent_on(
                    con, a.board_date, lead_key, a.alert_id, KIND, channel.name
                )
            ]
            if due:
                message = missing_message(leads[lead_key], due)
                _send(con, report, channel, message, due[0].board_date, today, message.metric_ids)
