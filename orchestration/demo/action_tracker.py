"""Demo action tracker: the plan's 127 actions and their leads' updates, one file per board.

Calibrated to seed 002 (paras 11-17 and 35) for the board of 2025-07-30 (Q1 2025/26): 127 plan
actions; 11 completed to date (9%): 7 completed within the quarter, 2 completed ahead of
schedule, 2 more in July before the board; 6 in progress; 12 with changes agreed at the board;
the five new actions of para 16; the completed highlights of para 17 and the deliverables of the
para 35 horizon scan due next quarter. For the next board (2025-11-05) the file is the tracker
as it stands before it (every lead updated by 2025-10-09): most of those deliverables done,
some actions started, one at risk. Before a file is delivered its board's actions are missing
in readiness.

Deterministic by construction (no random draws): the same bytes for any seed.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from orchestration.demo.crime_model import MonthKey
from orchestration.demo.files import write_csv
from orchestration.reference import metric_catalogue

SOURCE = "action_tracker"
HEADER = ("board_date", "reference", "delivery_strategy", "task_name", "lead", "kind",
          "start_date", "due_date", "status", "completion_date", "update_date", "update_text",
          "metric_ids", "added_by_board", "change_agreed_by_board", "change", "milestone",
          "milestone_due", "milestone_reached")  # fmt: skip
# Delivery strategy -> (its number in the delivery plan, its lead). Seed 002 para 16's
# references place Policing at 5, Business Crime 9, Road Safety 10, Neighbourhood Crime 11 and
# Supporting Victims 12.
STRATEGIES = {
    "Finances": (1, "lead_finances"),
    "The Police Estate": (2, "lead_police_estate"),
    "Workforce": (3, "lead_workforce"),
    "Resources": (4, "lead_resources"),
    "Policing": (5, "lead_policing"),
    "Violence and Vulnerability": (6, "lead_violence_vulnerability"),
    "VAWG": (7, "lead_vawg"),
    "Rural Crime": (8, "lead_rural_crime"),
    "Business Crime": (9, "lead_business_crime"),
    "Road Safety": (10, "lead_road_safety"),
    "Neighbourhood Crime": (11, "lead_neighbourhood_crime"),
    "Supporting Victims": (12, "lead_supporting_victims"),
    "Scrutiny and Legitimacy": (13, "lead_scrutiny_legitimacy"),
    "Effective Criminal Justice": (14, "lead_criminal_justice"),
}
PLAN_START = date(2025, 4, 1)
PLAN_END = date(2029, 3, 31)
Q1_BOARD, Q2_BOARD = date(2025, 7, 30), date(2025, 11, 5)
WORK = (
    "Review of {s} delivery arrangements with partners",
    "Annual {s} performance report to the delivery board",
    "Campaign to raise public awareness of {s} work",
    "Map {s} services and identify gaps in provision",
    "Funding bids for {s} initiatives",
    "Training package for staff on {s} priorities",
    "Evaluation of {s} projects for value for money",
    "Community engagement plan for {s}",
    "Data sharing agreement with partners on {s}",
    "Problem-solving plans for {s} hotspots",
)
# (strategy, task, kind, status at the Q1 board, completion date, due date, Q2 status,
# Q2 completion): the actions seed 002 names (para 17 highlights, para 35 horizon scan).
NAMED = (
    ("Finances", "Lobby the govt for a review of the Police funding formula and the creation "
     "of a multi-year financial settlement for policing", "one-off", "completed",
     date(2025, 6, 12), date(2025, 6, 30), None, None),
    ("Policing", "A crime prevention strategy for Leicester, Leicestershire and Rutland",
     "one-off", "completed ahead of schedule", date(2025, 6, 25), date(2025, 12, 31), None,
     None),
    ("Business Crime", "Body worn video devices to be provided to business owners", "one-off",
     "completed", date(2025, 6, 30), date(2025, 6, 30), None, None),
    ("Neighbourhood Crime", "A staff member to drive forward the Community Action Programme "
     "(CAP)", "one-off", "completed ahead of schedule", date(2025, 5, 20), date(2025, 9, 30),
     None, None),
    ("Rural Crime", "Regular meetings to be held regionally to discuss tackling rural crime "
     "and sharing best practice", "annual", "in progress", None, date(2025, 9, 30),
     "completed", date(2025, 9, 18)),
    ("Scrutiny and Legitimacy", "Agreements on the continued support of the Community "
     "Leadership Programme", "one-off", "in progress", None, date(2025, 9, 30), "completed",
     date(2025, 9, 25)),
    ("VAWG", "Educational resources being made available to children, schools and parents",
     "one-off", "in progress", None, date(2025, 8, 31), "completed", date(2025, 10, 2)),
    ("Supporting Victims", "A published commissioning framework", "one-off", "not started",
     None, date(2025, 9, 30), "at risk", None),
    ("Finances", "An annual statement on procurement practices and a statement within the "
     "annual report on finances", "annual", "in progress", None, date(2025, 9, 30),
     "completed", date(2025, 9, 30)),
)  # fmt: skip
# Seed 002 para 16: the five actions the 2025-07-30 board added (reference, task, category).
NEW_ACTIONS = (
    ("2.0 / 12.1 / 12", "Implementation of the Force Led Victim Pathway Team",
     "Supporting Victims", date(2026, 3, 31)),
    ("10.3", "Plan for future young drivers provision once current Pathfinder contact",
     "Road Safety", date(2026, 3, 31)),
    ("9.3", "Lobbying for new outcome type around property recovered", "Business Crime",
     date(2026, 6, 30)),
    ("5/ 5.1 / 5.2", "Report to be produced for CGB on force demand modelling as produced",
     "Policing", date(2025, 10, 31)),
    ("11.6", "Govt Lobbying around large scale disturbance", "Neighbourhood Crime",
     date(2026, 3, 31)),
)  # fmt: skip


def _metrics_of(strategy: str) -> list[str]:
    return [m for m, row in metric_catalogue().items() if row["delivery_strategy"] == strategy]


def plan_actions() -> list[dict[str, object]]:
    """The 127 plan actions as they stood at the 2025-07-30 board."""
    actions: list[dict[str, object]] = []
    named = {s: [n for n in NAMED if n[0] == s] for s in STRATEGIES}
    for strategy, (number, lead) in STRATEGIES.items():
        count = 10 if strategy == "Policing" else 9  # 13 x 9 + 10 = 127
        metrics = _metrics_of(strategy)
        for n in range(1, count + 1):
            reference = f"{number}.{(n - 1) // 3 + 1}.{(n - 1) % 3 + 1}"
            mine = named[strategy][n - 1] if n <= len(named[strategy]) else None
            action = {
                "reference": reference,
                "strategy": strategy,
                "lead": lead,
                "metrics": ";".join(metrics[(n - 1) % len(metrics) :][: 1 + (n % 3 == 0)]),
                "start": PLAN_START,
            }
            if mine:
                _, task, kind, status, done, due, q2_status, q2_done = mine
            else:
                task = WORK[(n + number) % len(WORK)].format(s=strategy.lower())
                kind = "annual" if n == 9 else "whole-plan" if n == 8 else "one-off"
                # Due dates spread over the plan, quarter ends from 2025-12-31 onwards.
                quarter = 3 + (7 * n + 3 * number) % 13
                due = (
                    date(2026, 3, 31)
                    if kind == "annual"
                    else PLAN_END
                    if kind == "whole-plan"
                    else _quarter_end(quarter)
                )
                status, done, q2_status, q2_done = "not started", None, None, None
            action.update(task=task, kind=kind, due=due, status=status, done=done,
                          q2_status=q2_status, q2_done=q2_done)  # fmt: skip
            actions.append(action)
    _calibrate(actions)
    return actions


def _quarter_end(index: int) -> date:
    """The last day of the index-th quarter of the plan (1 = 2025/26-Q1)."""
    month = 3 + 3 * index  # months after the January of 2025
    first_after = date(2025 + (month) // 12, month % 12 + 1, 1)
    return first_after - timedelta(days=1)


def _calibrate(actions: list[dict[str, object]]) -> None:
    """Make the unnamed actions' statuses give seed 002's counts at the 2025-07-30 board."""
    unnamed = [a for a in actions if a["status"] == "not started" and a["kind"] == "one-off"
               and a["task"] not in {n[1] for n in NAMED}]  # fmt: skip
    # 5 more completed within the quarter, on schedule (7 with the two named): due in Q1.
    for i, action in enumerate(unnamed[0:45:9]):
        action.update(
            status="completed",
            done=date(2025, 4, 24) + timedelta(days=13 * i),
            due=date(2025, 6, 30),
        )
    # 2 completed in July, before the board (11 to date).
    for i, action in enumerate(unnamed[4:30:13]):
        action.update(status="completed", done=date(2025, 7, 8 + 7 * i), due=date(2025, 7, 31))
    # 2 more in progress (6 with the four named horizon deliverables).
    for action in unnamed[6:70:40]:
        action.update(status="in progress")
    # 12 with a change of due date agreed at the board: six months later.
    changed = [a for a in actions if a["status"] == "not started" and a["kind"] == "one-off"]
    for action in changed[1::5][:12]:
        old = action["due"]
        action["due"] = _quarter_end(_quarter_index(old) + 2)
        action["change"] = f"due date {old} to {action['due']}"
    # Next quarter: a quarter of the not-started actions start, one more completes.
    for action in [a for a in actions if a["status"] == "not started"][::4]:
        if action["q2_status"] is None:
            action["q2_status"] = "in progress"


def _quarter_index(day: date) -> int:
    return ((day.year - 2025) * 12 + day.month - 4) // 3 + 1


def _update_text(status: str) -> str:
    return {
        "not started": "Not yet started; on track to begin as planned",
        "in progress": "Work under way; no barriers reported",
        "completed": "Completed",
        "completed ahead of schedule": "Completed ahead of the planned date",
        "at risk": "Delayed by partner capacity; recovery plan to the next board",
    }[status]


# The whole-plan actions' milestones: the first year's arrangements by the end of Q2, then the
# first year's review by the end of the plan year.
MILESTONES = (
    ("Year 1 delivery arrangements in place", date(2025, 9, 30)),
    ("Year 1 review to the board", date(2026, 3, 31)),
)


def _whole_plan_order() -> dict[str, int]:
    """Each whole-plan action's place among them (plan order): who reaches milestones when."""
    whole_plan = [a["reference"] for a in plan_actions() if a["kind"] == "whole-plan"]
    return {reference: i for i, reference in enumerate(whole_plan)}


def _milestone(reference: str, board: date) -> tuple[object, object, object]:
    """(milestone, due, reached) a whole-plan action's update reports for a board. At the
    2025-07-30 board every one reports the first milestone, three reached in June. By the
    2025-11-05 board those three report the second (not yet due); of the rest, all but the
    last two reached the first in August or September, and those two are overdue."""
    order = _whole_plan_order()
    if reference not in order:
        return "", "", ""
    i, count = order[reference], len(order)
    (first, first_due), (second, second_due) = MILESTONES
    if board == Q1_BOARD:
        return first, first_due, date(2025, 6, 10 + 5 * i) if i < 3 else ""
    if i < 3:
        return second, second_due, ""
    if i < count - 2:
        return first, first_due, date(2025, 8 + i % 2, 4 + 2 * i)
    return first, first_due, ""


def _q1_rows() -> list[tuple]:
    rows = []
    for action in plan_actions():
        changed = action.get("change")
        number = STRATEGIES[action["strategy"]][0]
        updated = Q1_BOARD if changed else date(2025, 7, 7 + number)
        if action["done"] and action["done"] > updated:  # reported once done
            updated = action["done"]
        rows.append((Q1_BOARD, action["reference"], action["strategy"], action["task"],
                     action["lead"], action["kind"], action["start"], action["due"],
                     action["status"], action["done"] or "", updated,
                     _update_text(str(action["status"])), action["metrics"], "",
                     Q1_BOARD if changed else "", changed or "",
                     *_milestone(str(action["reference"]), Q1_BOARD)))  # fmt: skip
    for reference, task, strategy, due in NEW_ACTIONS:
        rows.append((Q1_BOARD, reference, strategy, task, STRATEGIES[strategy][1], "one-off",
                     Q1_BOARD, due, "not started", "", Q1_BOARD, "Agreed by the board",
                     ";".join(_metrics_of(strategy)[:1]), Q1_BOARD, "", "", "", "",
                     ""))  # fmt: skip
    return rows


def _q2_rows() -> list[tuple]:
    rows = []
    for row in _q1_rows():
        (_, reference, strategy, task, lead, kind, start, due, status, done, _, _, metrics,
         added, changed, change, *_) = row  # fmt: skip
        action = next((a for a in plan_actions() if a["reference"] == reference), None)
        if action and action["q2_status"]:
            status, done = action["q2_status"], action["q2_done"] or ""
        if reference == "5/ 5.1 / 5.2":  # the demand modelling report went to the CGB
            status, done = "completed", date(2025, 10, 6)
        updated = date(2025, 10, STRATEGIES[strategy][0] % 9 + 1)
        if done and done > updated:
            updated = done
        rows.append(
            (
                Q2_BOARD,
                reference,
                strategy,
                task,
                lead,
                kind,
                start,
                due,
                status,
                done,
                updated,
                _update_text(str(status)),
                metrics,
                added,
                changed,
                change,
                *_milestone(reference, Q2_BOARD),
            )
        )
    return rows


BOARD_FILES = ((Q1_BOARD, date(2025, 6, 30), _q1_rows), (Q2_BOARD, date(2025, 9, 30), _q2_rows))


def write_tracker(out_dir: Path, months: list[MonthKey], seed: int) -> list[tuple[Path, int]]:
    """One file per board whose quarter the months cover and whose updates were all given by
    the story date (the 15th of the month after the last month)."""
    last = months[-1]
    story = date(last.year + last.month // 12, last.month % 12 + 1, 15)
    covered = {(m.year, m.month) for m in months}
    written = []
    for board, quarter_end, rows_of in BOARD_FILES:
        rows = rows_of()
        if (quarter_end.year, quarter_end.month) not in covered:
            continue
        if max(row[10] for row in rows) > story:  # not every update given yet
            continue
        path = out_dir / SOURCE / f"action-tracker-{board}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_csv(path, HEADER, rows)
        written.append((path, len(rows)))
    return written
