-- Every milestone of a whole-plan action as it stood at each delivery board (grain board_date x
-- reference x milestone): the latest report of that milestone given for that board or an
-- earlier one. A whole-plan action runs to the end of the plan, so "completed" says nothing
-- until then; its milestones say how it is going. A lead reports one milestone per update, so
-- a milestone reached and then left behind for the next one keeps its last report here.
-- The one place the milestone rules (reached in the quarter, overdue, due next quarter) are
-- computed; the board calendar is int_action_status_at_board's.
with

actions as (

    select * from {{ ref('int_action_status_at_board') }}

),

updates as (

    select * from {{ ref('stg_action_tracker__updates') }}
    where milestone is not null

),

latest as (

    select
        actions.board_date,
        actions.reporting_quarter,
        actions.quarter_start,
        actions.quarter_end,
        actions.next_quarter_end,
        actions.reference,
        actions.delivery_strategy,
        actions.task_name,
        actions.lead_key,
        actions.status,
        updates.milestone,
        updates.milestone_due,
        updates.milestone_reached,
        updates.board_date as reported_at_board
    from actions
    inner join updates
        on updates.reference = actions.reference
        and updates.board_date <= actions.board_date
    where actions.kind = 'whole-plan'
    qualify row_number() over (
        partition by actions.board_date, actions.reference, updates.milestone
        order by updates.board_date desc, updates.update_date desc
    ) = 1

),

flagged as (

    select
        *,
        milestone_reached is not null as is_reached,
        coalesce(milestone_reached between quarter_start and quarter_end, false)
            as reached_in_quarter,
        milestone_reached is null and milestone_due < board_date and status != 'withdrawn'
            as is_overdue,
        milestone_reached is null
            and milestone_due > quarter_end
            and milestone_due <= next_quarter_end
            and status != 'withdrawn'
            as is_due_next_quarter
    from latest

)

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
    -- The milestone's state in words, as the pack prints it.
    case
        when is_reached then 'reached'
        when status = 'withdrawn' then 'withdrawn'
        when is_overdue then 'overdue'
        when is_due_next_quarter then 'due next quarter'
        else 'not yet due'
    end as milestone_state
from flagged
