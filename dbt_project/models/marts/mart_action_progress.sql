-- The delivery plan's progress at each board (seed 002 paras 11-16), per delivery strategy and
-- a total row. Plan figures count the plan's own actions; actions a board added are "tracked
-- and monitored separately" (para 16), so they are counted only in new_actions (the board that
-- added them) and new_actions_open. pct_completed_to_date is of the plan's actions (para 13a:
-- 11 of 127 is "9% of the plan"). Annual actions are counted completed for the plan year of
-- the board's quarter only when completed within it (int_action_status_at_board), whatever
-- the tracker row still says; whole-plan actions run to the end
-- of the plan, so they are counted apart and never as overdue before it, and read by their
-- milestones (int_action_milestones).
with

actions as (

    select * from {{ ref('int_action_status_at_board') }}

),

milestones as (

    select
        board_date,
        coalesce(delivery_strategy, 'All delivery strategies') as delivery_strategy,
        count(*) as milestones_reported,
        count(*) filter (where is_reached) as milestones_reached_to_date,
        count(*) filter (where reached_in_quarter) as milestones_reached_in_quarter,
        count(*) filter (where is_overdue) as milestones_overdue,
        count(*) filter (where is_due_next_quarter) as milestones_due_next_quarter
    from {{ ref('int_action_milestones') }}
    group by grouping sets ((board_date), (board_date, delivery_strategy))

),

by_strategy as (

    select
        board_date,
        any_value(reporting_quarter) as reporting_quarter,
        any_value(quarter_start) as quarter_start,
        any_value(quarter_end) as quarter_end,
        coalesce(delivery_strategy, 'All delivery strategies') as delivery_strategy,
        grouping(delivery_strategy) = 1 as is_total,
        count(*) filter (where not is_new_action) as actions_total,
        count(*) filter (where not is_new_action and is_completed) as completed_to_date,
        count(*) filter (where not is_new_action and completed_in_quarter)
            as completed_in_quarter,
        count(*) filter (where not is_new_action and completed_ahead_in_quarter)
            as completed_ahead_in_quarter,
        count(*) filter (where not is_new_action and status = 'in progress') as in_progress,
        count(*) filter (where not is_new_action and status = 'at risk') as at_risk,
        count(*) filter (where not is_new_action and status = 'not started') as not_started,
        count(*) filter (where not is_new_action and status in ('deferred', 'withdrawn'))
            as deferred_or_withdrawn,
        count(*) filter (where not is_new_action and is_overdue) as overdue,
        count(*) filter (where not is_new_action and change_agreed_by_board = board_date)
            as changes_agreed,
        count(*) filter (where added_by_board = board_date) as new_actions,
        count(*) filter (where is_new_action and not is_completed) as new_actions_open,
        count(*) filter (where not is_new_action and kind = 'annual') as annual_actions,
        count(*) filter (where not is_new_action and annual_completed_this_year)
            as annual_completed_this_year,
        count(*) filter (where not is_new_action and kind = 'whole-plan') as whole_plan_actions,
        count(*) filter (where not is_new_action and kind = 'whole-plan' and status = 'in progress')
            as whole_plan_in_progress,
        count(*) filter (where updated_for_board) as actions_updated,
        count(*) filter (where not updated_for_board) as actions_without_update
    from actions
    group by grouping sets ((board_date), (board_date, delivery_strategy))

),

figures as (

    select
        by_strategy.*,
        round(100.0 * completed_to_date / nullif(actions_total, 0), 1) as pct_completed_to_date,
        coalesce(milestones.milestones_reported, 0) as milestones_reported,
        coalesce(milestones.milestones_reached_to_date, 0) as milestones_reached_to_date,
        coalesce(milestones.milestones_reached_in_quarter, 0) as milestones_reached_in_quarter,
        coalesce(milestones.milestones_overdue, 0) as milestones_overdue,
        coalesce(milestones.milestones_due_next_quarter, 0) as milestones_due_next_quarter
    from by_strategy
    left join milestones
        on milestones.board_date = by_strategy.board_date
        and milestones.delivery_strategy = by_strategy.delivery_strategy

)

-- The executive summary's sentences (seed 002 paras 13a-d, 14, 16), worded as the board's
-- report words them, from this row's figures: the pack prints them as they are.
select
    board_date,
    reporting_quarter,
    quarter_start,
    quarter_end,
    delivery_strategy,
    is_total,
    actions_total,
    completed_to_date,
    pct_completed_to_date,
    completed_in_quarter,
    completed_ahead_in_quarter,
    in_progress,
    at_risk,
    not_started,
    deferred_or_withdrawn,
    overdue,
    changes_agreed,
    new_actions,
    new_actions_open,
    annual_actions,
    annual_completed_this_year,
    whole_plan_actions,
    whole_plan_in_progress,
    milestones_reported,
    milestones_reached_to_date,
    milestones_reached_in_quarter,
    milestones_overdue,
    milestones_due_next_quarter,
    actions_updated,
    actions_without_update,
    'Overall, ' || coalesce(cast(round(pct_completed_to_date) as integer), 0)
        || '% of the ' || case when is_total then 'plan' else 'strategy' end
        || ' has been completed to date.' as summary_completed_to_date,
    completed_in_quarter || case when completed_in_quarter = 1 then ' action has' else
        ' actions have' end || ' been completed within the quarter.'
        as summary_completed_in_quarter,
    'There ' || case when in_progress = 1 then 'is a further 1 action' else 'are a further '
        || in_progress || ' actions' end || ' in progress.' as summary_in_progress,
    'A further ' || completed_ahead_in_quarter || case when completed_ahead_in_quarter = 1
        then ' action has' else ' actions have' end || ' been completed ahead of schedule.'
        as summary_completed_ahead,
    'Overall, there ' || case when changes_agreed = 1 then 'was 1 action' else 'were '
        || changes_agreed || ' actions' end || ' within the '
        || case when is_total then 'plan' else 'strategy' end
        || ' where changes were agreed.' as summary_changes_agreed,
    case when new_actions = 1 then 'An additional 1 action was' else 'An additional '
        || new_actions || ' actions were' end
        || ' created and agreed by the board.' as summary_new_actions,
    'Of the ' || milestones_reported || ' milestone' || case when milestones_reported = 1
        then '' else 's' end || ' of whole-plan actions reported to date, '
        || milestones_reached_to_date || ' ' || case when milestones_reached_to_date = 1
        then 'has' else 'have' end || ' been reached (' || milestones_reached_in_quarter
        || ' within the quarter) and ' || milestones_overdue || ' '
        || case when milestones_overdue = 1 then 'is' else 'are' end || ' overdue.'
        as summary_milestones
from figures
