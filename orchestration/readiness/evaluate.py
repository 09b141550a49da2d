"""Reading readiness: a board's rows of marts.mart_board_readiness as of a day.

The rules are SQL in the dbt model, built once per refresh for every board and every day from
the first day of its reporting quarter to the board (point in time by construction). This only
reads the result, from the *published* copy of the marts ($PCP_DATA_DIR/published/marts.duckdb),
never the warehouse: readiness works while a refresh holds the warehouse, and takes no lock a
refresh would wait for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from orchestration.database import connect
from orchestration.settings import Settings


class NotPublished(LookupError):
    """No published marts yet: nothing has been built."""


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
    # The mart's is_ready: whether a status counts as ready is decided there, not here.
    ready: bool


@dataclass(frozen=True)
class TrackedBoard:
    """A board and the days its readiness is tracked: first_day (the first day of its
    reporting quarter) to the board date."""

    board_date: date
    reporting_quarter: str
    first_day: date
    evaluation_opens: date

    def as_of(self, requested: date | None, today: date) -> tuple[date, str | None]:
        """The day to evaluate: ``requested`` or min(today, board date); a day after the board
        is the board date (with a note). Raises ValueError before the tracked range."""
        day = requested if requested is not None else min(today, self.board_date)
        note = None
        if day > self.board_date:
            note = (
                f"Note: {day:%Y-%m-%d} is after the board; evaluated as of the board date "
                f"{self.board_date:%Y-%m-%d}."
            )
            day = self.board_date
        if day < self.first_day:
            raise ValueError(
                f"{day:%Y-%m-%d} is before the tracked range of the {self.board_date:%Y-%m-%d} "
                f"board: readiness is tracked from {self.first_day:%Y-%m-%d} (the first day of "
                f"{self.reporting_quarter}) to {self.board_date:%Y-%m-%d}."
            )
        return day, note


def published_path(settings: Settings) -> Path:
    path = settings.published_dir / "marts.duckdb"
    if not path.exists():
        raise NotPublished(
            f"No published marts at {path} yet: run `pcp refresh` (or `make run`) first."
        )
    return path


def tracked_boards(settings: Settings) -> dict[date, TrackedBoard]:
    """Every delivery board in the published readiness mart, by date."""
    with connect(published_path(settings), read_only=True) as con:
        rows = con.execute(
            """
            select board_date, any_value(reporting_quarter), min(as_of), any_value(evaluation_opens)
            from mart_board_readiness group by board_date order by board_date
            """
        ).fetchall()
    return {row[0]: TrackedBoard(*row) for row in rows}


def find_board(settings: Settings, board_date: date) -> TrackedBoard:
    """The tracked board on ``board_date``; LookupError naming the valid dates when none."""
    boards = tracked_boards(settings)
    if board_date not in boards:
        valid = ", ".join(f"{d:%Y-%m-%d}" for d in boards) or "none"
        raise LookupError(
            f"No delivery board on {board_date:%Y-%m-%d} (seeds/delivery_boards.csv). "
            f"Boards: {valid}."
        )
    return boards[board_date]


def board_readiness(settings: Settings, board_date: date, as_of: date) -> list[MetricReadiness]:
    """The board's headline metrics as they stood on ``as_of``."""
    with connect(published_path(settings), read_only=True) as con:
        rows = con.execute(
            """
            select board_date, reporting_quarter, data_deadline, metric_id, metric_name,
                   delivery_strategy, owner, source, status, period_needed, reason, needed,
                   status_since, is_ready
            from mart_board_readiness
            where board_date = ? and as_of = ?
            order by delivery_strategy, metric_id
            """,
            [board_date, as_of],
        ).fetchall()
    if not rows:
        board = find_board(settings, board_date)  # raises for an unknown board
        board.as_of(as_of, as_of)  # raises for a day outside the tracked range
        raise LookupError(f"no readiness rows for {board_date:%Y-%m-%d} as of {as_of:%Y-%m-%d}")
    return [MetricReadiness(*row) for row in rows]


def boards_open_for_evaluation(settings: Settings, today: date) -> list[date]:
    """Boards whose readiness window (from evaluation_opens to the board) contains today."""
    return [
        board.board_date
        for board in tracked_boards(settings).values()
        if board.evaluation_opens <= today <= board.board_date
    ]
