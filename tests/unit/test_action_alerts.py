"""An action its lead has not updated since the previous board is alerted to that lead once,
naming the metrics it is meant to move; an updated action and other leads hear nothing."""

from __future__ import annotations

from datetime import date
from email import message_from_bytes, policy

import duckdb

from orchestration.readiness.actions import ActionReadiness, dispatch_missing_actions
from orchestration.readiness.channels import OutboxChannel
from orchestration.readiness.dispatch import DispatchReport

BOARD, PREVIOUS = date(2025, 11, 5), date(2025, 7, 30)


def action(reference: str, lead: str, updated: bool, metrics: list[str]) -> ActionReadiness:
    return ActionReadiness(BOARD, "2025/26-Q2", PREVIOUS, reference, f"Task {reference}",
                           "Business Crime", lead, metrics, updated)  # fmt: skip


ACTIONS = [
    action("9.1.1", "lead_business_crime", False, ["55", "57"]),
    action("9.1.2", "lead_business_crime", True, ["56"]),
    action("10.1.1", "lead_road_safety", True, ["62"]),
]


def test_a_missing_action_is_alerted_once_to_its_lead_with_its_metrics(tmp_path):
    con = duckdb.connect(str(tmp_path / "alerts.duckdb"))
    outbox = OutboxChannel(tmp_path / "outbox", "pcp@example.org")
    first = DispatchReport()
    dispatch_missing_actions(con, ACTIONS, [outbox], date(2025, 10, 20), first)
    assert [(d.kind, d.lead_key, d.metric_ids) for d in first.sent] == [
        ("action_missing", "lead_business_crime", ["action 9.1.1"])
    ]
    sent = list((tmp_path / "outbox").glob("*.eml"))
    assert len(sent) == 1
    mail = message_from_bytes(sent[0].read_bytes(), policy=policy.default)
    assert mail["To"].addresses[0].addr_spec == "business.lead@example.org"
    body = mail.get_body().get_content()
    assert "9.1.1 Task 9.1.1" in body and "9.1.2" not in body
    assert "since the board of 30 July 2025" in body
    assert "Incidences of shoplifting (rate per 1000 pop) (metric 55)" in body
    # Again the same day and on a later day: nothing more.
    for day in (date(2025, 10, 20), date(2025, 10, 27)):
        again = DispatchReport()
        dispatch_missing_actions(con, ACTIONS, [outbox], day, again)
        assert again.sent == [] and again.failed == []
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
