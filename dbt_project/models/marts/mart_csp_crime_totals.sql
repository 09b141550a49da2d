-- All police.uk crime (anti-social behaviour apart, as the board reads it) by Community Safety
-- Partnership and period, beside the same period a year earlier: the pack's CSP table prints
-- these columns as they are.
with

crime_by_type as (

    select * from {{ ref('mart_csp_crime') }}
    where crime_type <> 'Anti-social behaviour'

),

totals as (

    select
        period_type,
        period_start,
        any_value(period_end) as period_end,
        any_value(period_label) as period_label,
        any_value(fy_label) as fy_label,
        csp_code,
        any_value(csp_name) as csp_name,
        sum(crime_count) as crime_count,
        sum(year_ago_crime_count) as year_ago_crime_count,
        any_value(year_ago_period_label) as year_ago_period_label,
        bool_and(is_complete_period) as is_complete_period,
        bool_and(is_like_for_like) as is_like_for_like
    from crime_by_type
    group by period_type, period_start, csp_code

)

select
    cast(period_type as varchar) as period_type,
    cast(period_start as date) as period_start,
    cast(period_end as date) as period_end,
    cast(period_label as varchar) as period_label,
    cast(fy_label as varchar) as fy_label,
    cast(csp_code as varchar) as csp_code,
    cast(csp_name as varchar) as csp_name,
    cast(crime_count as bigint) as crime_count,
    cast(year_ago_period_label as varchar) as year_ago_period_label,
    cast(year_ago_crime_count as bigint) as year_ago_crime_count,
    cast(crime_count - year_ago_crime_count as bigint) as change_count,
    cast(
        {{ percent_change('crime_count', 'year_ago_crime_count', 'year_ago_crime_count') }}
        as double
    ) as change_pct,
    is_complete_period,
    is_like_for_like
from totals
