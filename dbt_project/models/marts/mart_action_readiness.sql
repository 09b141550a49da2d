-- Readiness of the action tracker for every delivery board, point in time (grain board_date x
-- reference x as_of, the days of mart_board_readiness): an action its lead has given no update
-- for since the previous board is missing for this board. An update counts on a day only when
-- the tracker file holding it had been delivered by then (ops.file_manifest received_on).
-- Actions completed or withdrawn by the previous board need no update. The first board has no
-- previous one: every action needs its first update.
with

days as (

    select distinct board_date, reporting_quarter, as_of
    from {{ ref('mart_board_readiness') }}

),

boards as (

    select board_date, lag(board_date) over (order by board_date) as previous_board_date
    from {{ ref('delivery_boards') }}

),

delivered as (

    select original_name, min(received_on) as received_on
    from {{ ref('stg_ops__file_manifest') }}
    where dataset = 'action_tracker' and status = 'loaded'
    group by all

),

updates as (

    select updates.*, delivered.received_on
    from {{ ref('stg_action_tracker__updates') }} as updates
    left join delivered on delivered.original_name = updates.source_file

),

-- The actions each board expects an update on: every action given for an earlier board, as
-- it stood at the latest of them, unless completed or withdrawn by then; and any action first
-- given for the board itself.
earlier as (

    select boards.board_date, boards.previous_board_date, updates.*
        exclude (board_date, received_on)
    from boards
    inner join updates on updates.board_date < boards.board_date
    qualify row_number() over (
        partition by boards.board_date, updates.reference
        order by updates.board_date desc, updates.update_date desc
    ) = 1

),

expected as (

    select board_date, previous_board_date, reference, task_name, delivery_strategy,
        lead_key, metric_ids
    from earlier
    where status not in ('completed', 'completed ahead of schedule', 'withdrawn')
    union all by name
    select boards.board_date, boards.previous_board_date, updates.reference,
        updates.task_name, updates.delivery_strategy, updates.lead_key, updates.metric_ids
    from boards
    inner join updates on updates.board_date = boards.board_date
    where updates.reference not in (
        select earlier.reference from earlier where earlier.board_date = boards.board_date
    )

),

for_board as (

    select board_date, reference, update_date, received_on
    from updates

)

select
    days.board_date,
    days.reporting_quarter,
    days.as_of,
    expected.previous_board_date,
    expected.reference,
    expected.task_name,
    expected.delivery_strategy,
    expected.lead_key,
    expected.metric_ids,
    for_board.update_date is not null as is_updated,
    for_board.update_date,
    for_board.received_on as update_received_on
from days
inner join expected on expected.board_date = days.board_date
left join for_board
    on for_board.board_date = days.board_date
    and for_board.reference = expected.reference
    and for_board.update_date > coalesce(expected.previous_board_date, date '1900-01-01')
    and for_board.received_on <= days.as_of
