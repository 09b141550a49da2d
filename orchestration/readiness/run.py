"""One readiness evaluation: build the readiness mart as of a date, read a board, send alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from orchestration.database import connect
from orchestration.readiness.channels import configured_channels
from orchestration.readiness.dispatch import DispatchReport, dispatch
from orchestration.readiness.evaluate import MetricReadiness, board_readiness, build_readiness
from orchestration.settings import Settings


@dataclass
class Evaluation:
    board_date: date
    as_of: date
    metrics: list[MetricReadiness]
    report: DispatchReport | None

    @property
    def ready(self) -> bool:
        return all(m.ready for m in self.metrics)


def evaluate_board(
    settings: Settings, board_date: date, as_of: date, send: bool, build: bool = True
) -> Evaluation:
    if build:
        build_readiness(settings, as_of)
    metrics = board_readiness(settings, board_date)
    report = None
    if send:
        channels = configured_channels(settings.outbox_dir)
        with connect(settings.warehouse_path) as con:
            report = dispatch(con, metrics, channels, as_of)
    return Evaluation(board_date, as_of, metrics, report)
