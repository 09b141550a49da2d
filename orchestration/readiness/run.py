"""One readiness evaluation: read a board's readiness as of a day, and send the alerts.

No dbt, no warehouse: the rows come from the published marts (built point in time by the
refresh), and the alerts are recorded in alerts.duckdb, held for the dispatch so two senders
at once never send the same alert twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from orchestration.readiness import alert_log
from orchestration.readiness.actions import (
    ActionReadiness,
    action_readiness,
    dispatch_missing_actions,
)
from orchestration.readiness.channels import configured_channels
from orchestration.readiness.dispatch import DispatchReport, dispatch
from orchestration.readiness.evaluate import MetricReadiness, board_readiness
from orchestration.settings import Settings


@dataclass
class Evaluation:
    board_date: date
    as_of: date
    metrics: list[MetricReadiness]
    report: DispatchReport | None
    # The action tracker's side (kept apart: the metrics alone decide ``ready``).
    actions: list[ActionReadiness] = field(default_factory=list)

    @property
    def missing_actions(self) -> list[ActionReadiness]:
        return [a for a in self.actions if not a.updated]

    @property
    def ready(self) -> bool:
        return all(m.ready for m in self.metrics)


def evaluate_board(settings: Settings, board_date: date, as_of: date, send: bool) -> Evaluation:
    """The board's readiness as of ``as_of`` (a day in its tracked range); with ``send``, alert
    the leads (once a day per alert and channel; ``as_of`` is the alert day)."""
    metrics = board_readiness(settings, board_date, as_of)
    actions = action_readiness(settings, board_date, as_of)
    report = None
    if send:
        channels = configured_channels(settings.outbox_dir, group=settings.file_group)
        with alert_log.open_for_dispatch(settings) as con:
            report = dispatch(con, metrics, channels, as_of)
            dispatch_missing_actions(con, actions, channels, as_of, report)
    return Evaluation(board_date, as_of, metrics, report, actions)
