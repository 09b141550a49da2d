-- police.uk crime by Community Safety Partnership x crime type x period (month, financial
-- quarter, financial year). Dense: a CSP with no robbery in a month has a 0 row, so periods can
-- be compared and summed. Rows with no location or outside the force area have their own
-- members, so the members of a period add up to every row delivered for it.
with

crimes as (

    select * from {{ ref('int_street_crimes_located') }}

),

calendar as (

    select * from {{ ref('dim_month') }}

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

grid_with_calendar as (

    select monthly_grid.*, calendar.*
        exclude (month_start)
    from monthly_grid
    inner join calendar on calendar.month_start = monthly_grid.month_start

),

by_month as (

    select
        'month' as period_type,
        month_start as period_start,
        month_end as period_end,
        month_label as period_label,
        fy_label,
        csp_code,
        csp_name,
        crime_type,
        sum(crime_count) as crime_count,
        count(*) as months_loaded,
        1 as months_in_period
    from grid_with_calendar
    group by all

),

by_quarter as (

    select
        'quarter' as period_type,
        quarter_start as period_start,
        quarter_end as period_end,
        fq_label as period_label,
        fy_label,
        csp_code,
        csp_name,
        crime_type,
        sum(crime_count) as crime_count,
        count(*) as months_loaded,
        3 as months_in_period
    from grid_with_calendar
    group by all

),

by_year as (

    select
        'year' as period_type,
        fy_start as period_start,
        fy_end as period_end,
        fy_label as period_label,
        fy_label,
        csp_code,
        csp_name,
        crime_type,
        sum(crime_count) as crime_count,
        count(*) as months_loaded,
        12 as months_in_period
    from grid_with_calendar
    group by all

),

periods as (

    select * from by_month
    union all
    select * from by_quarter
    union all
    select * from by_year

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
    months_loaded = months_in_period as is_complete_period
from periods
