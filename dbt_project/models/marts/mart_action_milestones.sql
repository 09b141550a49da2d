-- The whole-plan actions by milestone at each board (grain board_date x reference x
-- milestone): each milestone as last reported by the board, reached or not, overdue or due
-- next quarter (int_action_milestones holds the rules). Frozen with each board's snapshot.
select
    board_date,
    reporting_quarter,
    reference,
    delivery_strategy,
    task_name,
    lead_key,
    milestone,
    milestone_due,
    milestone_reached,
    reported_at_board,
    is_reached,
    reached_in_quarter,
    is_overdue,
    is_due_next_quarter,
    milestone_state
from {{ ref('int_action_milestones') }}
