-- How far each metric's source had reached, day by day: one row per metric and day a delivery
-- moved it on (reached_on), with the latest period end of a force-wide figure that was in
-- (complete or restricted) by then. "Reached by day D" is the row with the latest
-- reached_on <= D (an ASOF join: mart_board_readiness); "reached as of the build" is the row
-- with is_current (mart_board_source_status). The one place reach is computed. A month of a
-- monthly source, a quarter of the Home Office table, a CSEW survey year, a partner return's
-- period: each counts once it is complete.
with

available as (

    select metric_id, first_available_on, max(period_end) as period_end
    from {{ ref('int_metric_periods') }}
    where area_code = (select area_code from {{ ref('int_areas') }} where area_type = 'force')
        and data_status in ('complete', 'restricted')
        and first_available_on is not null
    group by all

),

reached as (

    select
        available.metric_id,
        metrics.source,
        available.first_available_on as reached_on,
        max(available.period_end) over (
            partition by available.metric_id order by available.first_available_on
            rows between unbounded preceding and current row
        ) as reached_end,
        row_number() over (
            partition by available.metric_id order by available.first_available_on desc
        ) = 1 as is_current
    from available
    inner join {{ ref('int_metric_catalogue') }} as metrics
        on metrics.metric_id = available.metric_id

)

select
    cast(metric_id as varchar) as metric_id,
    cast(source as varchar) as source,
    cast(reached_on as date) as reached_on,
    cast(reached_end as date) as reached_end,
    cast(is_current as boolean) as is_current
from reached
