-- police.uk crime by Community Safety Partnership x crime type x period (month, financial
-- quarter, financial year), beside the same period a year earlier. Dense: a CSP with no robbery
-- in a month has a 0 row, so periods can be compared and summed. Rows with no location or
-- outside the force area have their own members, so the members of a period add up to every
-- row delivered for it.
with

crimes as (

    select * from {{ ref('int_street_crimes_located') }}

),

periods_by_month as (

    select * from {{ ref('int_period_windows') }}
    where period_type in ('month', 'quarter', 'FY')

),

area_members as (

    select area_code, csp_code, csp_name
    from {{ ref('dim_area') }}
    where area_type <> 'force'

),

loaded_months as (

    select distinct month_start from crimes

),

crime_types as (

    select distinct crime_type from crimes

),

monthly_counts as (

    select month_start, area_code, crime_type, count(*) as crime_count
    from crimes
    group by month_start, area_code, crime_type

),

monthly_grid as (

    select
        loaded_months.month_start,
        area_members.area_code,
        area_members.csp_code,
        area_members.csp_name,
        crime_types.crime_type,
        coalesce(monthly_counts.crime_count, 0) as crime_count
    from loaded_months
    cross join area_members
    cross join crime_types
    left join monthly_counts
        on monthly_counts.month_start = loaded_months.month_start
        and monthly_counts.area_code = area_members.area_code
        and monthly_counts.crime_type = crime_types.crime_type

),

periods as (

    select
        periods_by_month.period_type,
        periods_by_month.period_start,
        periods_by_month.period_end,
        periods_by_month.period_label,
        periods_by_month.period_fy_label as fy_label,
        monthly_grid.csp_code,
        monthly_grid.csp_name,
        monthly_grid.crime_type,
        sum(monthly_grid.crime_count) as crime_count,
        count(*) as months_loaded,
        any_value(periods_by_month.months_in_period) as months_in_period
    from monthly_grid
    inner join periods_by_month on periods_by_month.month_start = monthly_grid.month_start
    group by all

),

compared as (

    select
        periods.*,
        year_ago.period_label as year_ago_period_label,
        year_ago.crime_count as year_ago_crime_count,
        year_ago.months_loaded = year_ago.months_in_period as year_ago_is_complete
    from periods
    left join periods as year_ago
        on year_ago.period_type = periods.period_type
        and year_ago.period_start = periods.period_start - interval 1 year
        and year_ago.csp_code = periods.csp_code
        and year_ago.crime_type = periods.crime_type

)

select
    cast(period_type as varchar) as period_type,
    cast(period_start as date) as period_start,
    cast(period_end as date) as period_end,
    cast(period_label as varchar) as period_label,
    cast(fy_label as varchar) as fy_label,
    cast(csp_code as varchar) as csp_code,
    cast(csp_name as varchar) as csp_name,
    cast(crime_type as varchar) as crime_type,
    cast(crime_count as bigint) as crime_count,
    cast(months_loaded as integer) as months_loaded,
    months_loaded = months_in_period as is_complete_period,
    cast(year_ago_period_label as varchar) as year_ago_period_label,
    cast(year_ago_crime_count as bigint) as year_ago_crime_count,
    cast(crime_count - year_ago_crime_count as bigint) as change_count,
    cast(
        {{ percent_change('crime_count', 'year_ago_crime_count', 'year_ago_crime_count') }}
        as double
    ) as change_pct,
    coalesce(year_ago_is_complete and months_loaded = months_in_period, false)
        as is_like_for_like
from compared
