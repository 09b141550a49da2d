"""Evaluating readiness: rebuild marts.mart_board_readiness as of a date, then read a board's rows.

The rules are SQL in the dbt model; this only runs it with the as-of date and reads the result.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from datetime import date

from orchestration.database import connect
from orchestration.settings import DBT_PROJECT_DIR, PROJECT_ROOT, Settings

NOT_READY = ("missing", "late", "suspect")


@dataclass(frozen=True)
class MetricReadiness:
    board_date: date
    reporting_quarter: str
    data_deadline: date
    metric_id: str
    metric_name: str
    delivery_strategy: str
    owner: str
    source: str
    status: str
    period_needed: str
    reason: str
    needed: str | None
    status_since: date | None

    @property
    def ready(self) -> bool:
        return self.status not in NOT_READY


def build_readiness(settings: Settings, as_of: date) -> None:
    """Run the readiness model as of ``as_of`` (dbt, against the warehouse)."""
    dbt = PROJECT_ROOT / ".venv" / "bin" / "dbt"
    result = subprocess.run(
        [str(dbt) if dbt.exists() else "dbt", "run", "--quiet", "--select", "mart_board_readiness",
         "--vars", json.dumps({"readiness_as_of": as_of.isoformat()})],
        cwd=DBT_PROJECT_DIR, capture_output=True, text=True,
        env=_dbt_env(settings),
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(
            f"dbt could not build mart_board_readiness:\n{result.stdout}{result.stderr}"
        )


def _dbt_env(settings: Settings) -> dict[str, str]:
    import os

    return {**os.environ, "PCP_WAREHOUSE_PATH": str(settings.warehouse_path),
            "PCP_HOME_FORCE": settings.home_force}  # fmt: skip


def board_readiness(settings: Settings, board_date: date) -> list[MetricReadiness]:
    with connect(settings.warehouse_path, read_only=True) as con:
        rows = con.execute(
            """
            select board_date, reporting_quarter, data_deadline, metric_id, metric_name,
                   delivery_strategy, owner, source, status, period_needed, reason, needed,
                   status_since
            from marts.mart_board_readiness
            where board_date = ?
            order by delivery_strategy, metric_id
            """,
            [board_date],
        ).fetchall()
    if not rows:
        raise LookupError(
            f"no delivery board on {board_date:%Y-%m-%d} in seeds/delivery_boards.csv"
        )
    return [MetricReadiness(*row) for row in rows]


def boards_open_for_evaluation(settings: Settings, today: date) -> list[date]:
    """Boards whose readiness window (from evaluation_opens to the board) contains today."""
    with connect(settings.warehouse_path, read_only=True) as con:
        rows = con.execute(
            "select distinct board_date from marts.mart_board_readiness "
            "where ? between evaluation_opens and board_date order by 1",
            [today],
        ).fetchall()
    return [row[0] for row in rows]
