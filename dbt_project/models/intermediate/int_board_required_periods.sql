-- What each delivery board needs of each headline metric (grain board_date x metric_id): the
-- one place the required period is decided, read by mart_board_readiness (is it in, day by
-- day?) and mart_board_source_status (has each source got there?).
--   required period: the reporting quarter, or for a source whose usual publication lag
--     (source_publication seed) means the quarter cannot be out by the data deadline, the
--     latest quarter end it can have reached; annual metrics need the latest financial year.
--   data deadline: var data_deadline_working_days working days before the board.
with

quarter_ends as (

    select distinct quarter_start, quarter_end, fy_end, fq_label, fy_label
    from {{ ref('int_calendar_months') }}

),

boards as (

    select
        cast(boards.board_date as date) as board_date,
        boards.reporting_quarter,
        quarters.quarter_start,
        quarters.quarter_end,
        cast(boards.board_date - interval {{ var('readiness_window_days') }} day as date)
            as evaluation_opens
    from {{ ref('delivery_boards') }} as boards
    inner join quarter_ends as quarters on quarters.fq_label = boards.reporting_quarter

),

deadlines as (

    select
        boards.*,
        (
            select min(day) from (
                select cast(day as date) as day
                from range(boards.board_date - interval 60 day, boards.board_date, interval 1 day)
                    as days(day)
                where isodow(day) <= 5
                order by day desc
                limit {{ var('data_deadline_working_days') }}
            )
        ) as data_deadline
    from boards

),

metrics as (

    select metrics.*, publication.lag_months, publication.where_to_supply
    from {{ ref('int_metric_catalogue') }} as metrics
    inner join {{ ref('source_publication') }} as publication
        on publication.source = metrics.source
    where metrics.tier = 'Headline'

),

required as (

    select
        deadlines.board_date,
        deadlines.reporting_quarter,
        deadlines.quarter_start,
        deadlines.quarter_end,
        deadlines.data_deadline,
        deadlines.evaluation_opens,
        metrics.metric_id,
        metrics.metric_name,
        metrics.delivery_strategy,
        metrics.owner,
        metrics.source,
        metrics.frequency,
        metrics.restricted,
        metrics.lag_months,
        metrics.where_to_supply,
        case when metrics.frequency = 'annual' then 'FY' else metrics.period_type end
            as required_type,
        -- The newest quarter end the source can have reached by the data deadline.
        least(
            deadlines.quarter_end,
            (
                select max(quarter_end) from quarter_ends
                where quarter_end
                    <= {{ expected_reach('deadlines.data_deadline', 'metrics.lag_months') }}
            )
        ) as reachable_end
    from deadlines
    cross join metrics

),

required_periods as (

    select
        required.* exclude (reachable_end),
        case
            when required_type = 'FY'
                then (select max(fy_end) from quarter_ends where fy_end <= required.reachable_end)
            else reachable_end
        end as required_end
    from required

),

labels as (

    select distinct period_type, period_end, period_label
    from {{ ref('int_period_windows') }}

)

select
    required_periods.*,
    labels.period_label as period_needed
from required_periods
left join labels
    on labels.period_type = required_periods.required_type
    and labels.period_end = required_periods.required_end
