-- How far each source has got for each delivery board, as of the build (every delivery so
-- far): grain board_date x source. The period end the board needs from the source is the
-- latest required_period_end over the board's headline metrics of that source
-- (int_board_required_periods); how far the source has reached is the latest over its metrics
-- (int_metric_reach as of the build, the one place reach is computed; for partner returns,
-- the latest period any return covers). A source is
-- complete when it has reached what the board needs; a board when every source is. One
-- partner return not supplied while others are in does not make partner_return incomplete:
-- that metric shows as missing in mart_board_readiness, which is what the board would see.
with

requirements as (

    select * from {{ ref('int_board_required_periods') }}

),

reach as (

    select metric_id, reached_end
    from {{ ref('int_metric_reach') }}
    where is_current

),

by_source as (

    select
        requirements.board_date,
        requirements.reporting_quarter,
        requirements.source,
        count(*) as headline_metrics,
        max(requirements.required_end) as required_period_end,
        max(reach.reached_end) as source_reached
    from requirements
    left join reach on reach.metric_id = requirements.metric_id
    group by all

),

judged as (

    select
        *,
        coalesce(source_reached >= required_period_end, false) as is_complete
    from by_source

)

select
    cast(board_date as date) as board_date,
    cast(reporting_quarter as varchar) as reporting_quarter,
    cast(source as varchar) as source,
    cast(headline_metrics as integer) as headline_metrics,
    cast(required_period_end as date) as required_period_end,
    cast(source_reached as date) as source_reached,
    cast(strftime(source_reached, '%Y-%m') as varchar) as latest_month,
    cast(is_complete as boolean) as is_complete,
    cast(bool_and(is_complete) over (partition by board_date) as boolean) as board_is_complete
from judged
