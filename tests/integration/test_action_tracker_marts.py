"""The action tracker on the demo warehouse: seed 002's Q1 2025/26 figures (paras 11-16) come out
of marts.mart_action_progress, the register carries the five new actions and the horizon scan,
and the board of 2025-07-30 has its action figures frozen with its dashboard."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.slow

Q1_BOARD = "2025-07-30"


def query(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_the_q1_board_figures_are_seed_002s(demo):
    settings, _ = demo
    rows = query(
        settings.published_dir / "marts.duckdb",
        """
        select actions_total, completed_to_date, round(pct_completed_to_date),
               completed_in_quarter, completed_ahead_in_quarter, in_progress, changes_agreed,
               new_actions
        from marts.mart_action_progress
        where board_date = ? and is_total
        """,
        [Q1_BOARD],
    )
    # 127 actions; 9% completed to date (11); 7 within the quarter; 2 ahead of schedule;
    # 6 in progress; 12 with agreed changes; 5 new actions.
    assert rows == [(127, 11, 9.0, 7, 2, 6, 12, 5)]


def test_whole_plan_actions_are_counted_by_milestone_at_each_board(demo):
    settings, _ = demo
    rows = query(
        settings.published_dir / "marts.duckdb",
        """
        select board_date::varchar, whole_plan_actions, milestones_reported,
               milestones_reached_to_date, milestones_reached_in_quarter, milestones_overdue,
               milestones_due_next_quarter
        from marts.mart_action_progress where is_total order by board_date
        """,
    )
    # The demo's 14 whole-plan actions. Q1 board: each reports its first milestone (due
    # 2025-09-30, next quarter), three reached in June. Q2 board: those three report their
    # second (due 2026-03-31) and keep the first as reached; nine more reached the first in
    # August or September; two have not, and it is overdue.
    assert rows == [
        ("2025-07-30", 14, 14, 3, 3, 0, 11),
        ("2025-11-05", 14, 17, 12, 9, 2, 0),
    ]
    by_milestone = query(
        settings.published_dir / "marts.duckdb",
        "select milestone_state, count(*) from marts.mart_action_milestones "
        "where board_date = '2025-11-05' group by all order by all",
    )
    assert by_milestone == [("not yet due", 3), ("overdue", 2), ("reached", 12)]


def test_the_strategy_rows_add_up_to_the_total(demo):
    settings, _ = demo
    rows = query(
        settings.published_dir / "marts.duckdb",
        """
        select board_date, is_total, sum(actions_total), sum(completed_to_date),
               sum(in_progress), sum(new_actions)
        from marts.mart_action_progress group by all order by all
        """,
    )
    by_board: dict = {}
    for board, is_total, *figures in rows:
        by_board.setdefault(board, {})[is_total] = figures
    assert len(by_board) == 2  # the boards of 2025-07-30 and 2025-11-05
    for figures in by_board.values():
        assert figures[False] == figures[True]


def test_the_register_holds_the_new_actions_and_the_horizon_scan(demo):
    settings, _ = demo
    published = settings.published_dir / "marts.duckdb"
    new = query(
        published,
        "select reference, delivery_strategy from marts.mart_action_register "
        "where board_date = ? and added_by_board = board_date order by reference",
        [Q1_BOARD],
    )
    assert new == [
        ("10.3", "Road Safety"),
        ("11.6", "Neighbourhood Crime"),
        ("2.0 / 12.1 / 12", "Supporting Victims"),
        ("5/ 5.1 / 5.2", "Policing"),
        ("9.3", "Business Crime"),
    ]
    horizon = query(
        published,
        "select task_name from marts.mart_action_register "
        "where board_date = ? and is_due_next_quarter order by task_name",
        [Q1_BOARD],
    )
    assert [t[:30] for (t,) in horizon] == [
        "A published commissioning fram",
        "Agreements on the continued su",
        "An annual statement on procure",
        "Educational resources being ma",
        "Regular meetings to be held re",
    ]
    linked = query(
        published,
        "select linked_metrics from marts.mart_action_register "
        "where board_date = ? and task_name like 'Body worn video%'",
        [Q1_BOARD],
    )
    assert linked[0][0].startswith("55 Incidences of shoplifting")


def test_the_q1_boards_action_figures_are_frozen_with_it(demo):
    settings, _ = demo
    frozen = query(
        settings.published_dir / "marts.duckdb",
        "select completed_to_date, new_actions from snapshots.board_action_progress "
        "where snapshot_name = 'board-2025-07-30' and is_total",
    )
    assert frozen == [(11, 5)]


def test_actions_are_missing_for_a_board_until_their_update_is_delivered(demo):
    """The 2025-11-05 board's tracker was delivered on 2025-10-09: as of the 8th every open
    action is missing, as of the 20th none is (readiness is point in time)."""
    settings, _ = demo
    from orchestration.readiness.actions import action_readiness

    before = action_readiness(settings, date(2025, 11, 5), date(2025, 10, 8))
    after = action_readiness(settings, date(2025, 11, 5), date(2025, 10, 20))
    assert len(before) == len(after) > 100
    assert not any(a.updated for a in before)
    assert all(a.updated for a in after)
    # Actions completed by the previous board need no update.
    assert "Body worn video devices to be provided to business owners" not in {
        a.task_name for a in after
    }
