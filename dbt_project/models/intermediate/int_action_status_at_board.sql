-- Every action as it stood at each delivery board the tracker has a file for (grain
-- board_date x reference): its latest update given for that board or an earlier one, so an
-- action its lead did not update carries its last status forward. updated_for_board says
-- whether the lead gave an update since the previous board (readiness counts the others
-- missing). The quarter columns are the board's reporting quarter and the next one (the
-- horizon scan of seed 002 para 35).
with

updates as (

    select * from {{ ref('stg_action_tracker__updates') }}

),

boards as (

    select
        board_date,
        reporting_quarter,
        lag(board_date) over (order by board_date) as previous_board_date
    from {{ ref('delivery_boards') }}

),

tracked_boards as (

    select
        boards.*,
        -- '2025/26-Q1' -> 2025-04-01: quarter n of financial year y starts 3(n-1) months
        -- after April of y.
        make_date(cast(left(reporting_quarter, 4) as integer), 4, 1)
            + to_months(3 * (cast(right(reporting_quarter, 1) as integer) - 1))
            as quarter_start
    from boards
    where board_date in (select board_date from updates)

),

latest as (

    select
        tracked_boards.board_date,
        tracked_boards.reporting_quarter,
        tracked_boards.previous_board_date,
        cast(tracked_boards.quarter_start as date) as quarter_start,
        cast(tracked_boards.quarter_start + to_months(3) - to_days(1) as date) as quarter_end,
        cast(tracked_boards.quarter_start + to_months(6) - to_days(1) as date)
            as next_quarter_end,
        updates.board_date as updated_at_board,
        updates.* exclude (board_date)
    from tracked_boards
    inner join updates on updates.board_date <= tracked_boards.board_date
    qualify row_number() over (
        partition by tracked_boards.board_date, updates.reference
        order by updates.board_date desc, updates.update_date desc
    ) = 1

),

changes as (

    -- Every agreed change up to each board, oldest first: the action's history.
    select
        tracked_boards.board_date,
        updates.reference,
        list(distinct strftime(updates.change_agreed_by_board, '%Y-%m-%d') || ': '
            || updates.change order by strftime(updates.change_agreed_by_board, '%Y-%m-%d')
            || ': ' || updates.change) as change_history
    from tracked_boards
    inner join updates
        on updates.board_date <= tracked_boards.board_date
        and updates.change_agreed_by_board is not null
    group by all

)

select
    latest.board_date,
    latest.reporting_quarter,
    latest.previous_board_date,
    latest.quarter_start,
    latest.quarter_end,
    latest.next_quarter_end,
    latest.reference,
    latest.delivery_strategy,
    latest.task_name,
    latest.lead_key,
    latest.kind,
    latest.start_date,
    latest.due_date,
    latest.status,
    latest.completion_date,
    latest.update_date,
    latest.update_text,
    latest.metric_ids,
    latest.added_by_board,
    latest.added_by_board is not null as is_new_action,
    latest.change_agreed_by_board,
    latest.change,
    coalesce(changes.change_history, []) as change_history,
    latest.updated_at_board = latest.board_date
        and latest.update_date > coalesce(latest.previous_board_date, date '1900-01-01')
        as updated_for_board,
    latest.status in ('completed', 'completed ahead of schedule')
        and latest.completion_date <= latest.board_date as is_completed,
    latest.status = 'completed'
        and latest.completion_date between latest.quarter_start and latest.quarter_end
        as completed_in_quarter,
    -- An annual action repeats each plan (financial) year: it counts as done for the year of
    -- the board's quarter only when completed within that year, whatever its row says.
    coalesce(
        latest.kind = 'annual'
        and latest.status in ('completed', 'completed ahead of schedule')
        and latest.completion_date <= latest.board_date
        and latest.completion_date >= make_date(
            cast(left(latest.reporting_quarter, 4) as integer), 4, 1
        ),
        false
    ) as annual_completed_this_year,
    latest.status = 'completed ahead of schedule'
        and latest.completion_date between latest.quarter_start and latest.quarter_end
        as completed_ahead_in_quarter,
    latest.due_date < latest.board_date
        and latest.status not in ('completed', 'completed ahead of schedule', 'withdrawn')
        as is_overdue,
    latest.due_date > latest.quarter_end
        and latest.due_date <= latest.next_quarter_end
        and latest.status not in ('completed', 'completed ahead of schedule', 'withdrawn')
        as is_due_next_quarter
from latest
left join changes
    on changes.board_date = latest.board_date and changes.reference = latest.reference
