"""The pack workbook's action sheets: the progress figures and the register, mart columns as
they are (the summary sentences first, as the board read them)."""

from __future__ import annotations

from collections.abc import Callable

from openpyxl import Workbook

from orchestration.pack.actions import ActionsContent

PROGRESS = (
    ("Delivery strategy", "delivery_strategy", 28),
    ("Actions", "actions_total", 9),
    ("Completed to date", "completed_to_date", 11),
    ("% completed to date", "pct_completed_to_date", 11),
    ("Completed in the quarter", "completed_in_quarter", 11),
    ("Completed ahead of schedule", "completed_ahead_in_quarter", 11),
    ("In progress", "in_progress", 9),
    ("At risk", "at_risk", 9),
    ("Overdue", "overdue", 9),
    ("Changes agreed", "changes_agreed", 9),
    ("New actions", "new_actions", 9),
)
REGISTER = (
    ("Delivery plan ref", "reference", 14),
    ("Delivery strategy", "delivery_strategy", 22),
    ("Task name", "task_name", 60),
    ("Lead", "lead_key", 22),
    ("Kind", "kind", 10),
    ("Start", "start_date", 11),
    ("Due", "due_date", 11),
    ("Status", "status", 16),
    ("Completed on", "completion_date", 11),
    ("Added by board", "added_by_board", 11),
    ("Changes agreed", "change_history", 40),
    ("Metrics (RAG)", "linked_metrics", 50),
)

MILESTONES = (
    ("Delivery plan ref", "reference", 14),
    ("Task name", "task_name", 50),
    ("Delivery strategy", "delivery_strategy", 22),
    ("Milestone", "milestone", 36),
    ("Due", "milestone_due", 11),
    ("Reached", "milestone_reached", 11),
    ("State", "milestone_state", 16),
)


def action_sheets(workbook: Workbook, actions: ActionsContent, header: Callable[..., None]) -> None:
    progress = workbook.create_sheet("Action progress")
    header(progress, [h for h, _, _ in PROGRESS], [w for _, _, w in PROGRESS])
    for row in [*actions.by_strategy, actions.total]:
        progress.append([row[column] for _, column, _ in PROGRESS])
    progress.append([])
    for sentence in actions.summary:
        progress.append([sentence])
    register = workbook.create_sheet("Action register")
    header(register, [h for h, _, _ in REGISTER], [w for _, _, w in REGISTER])
    for row in actions.register:
        register.append(
            ["; ".join(row[c] or []) if c == "change_history" else row[c] for _, c, _ in REGISTER]
        )
    if actions.milestones:
        milestones = workbook.create_sheet("Action milestones")
        header(milestones, [h for h, _, _ in MILESTONES], [w for _, _, w in MILESTONES])
        for row in actions.milestones:
            milestones.append([row[c] for _, c, _ in MILESTONES])
