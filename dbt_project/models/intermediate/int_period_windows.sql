-- Every reporting period a month belongs to, so every source is aggregated over periods the
-- same way: the month itself, and at each financial quarter end the quarter, the financial year
-- to date (FYTD), the rolling 12 months (R12) and, at March, the financial year (FY).
-- Quarterly sources map through a quarter's first month: every window ends at a quarter end,
-- so a quarter is either wholly inside a window or wholly outside it.
with

calendar as (

    select * from {{ ref('int_calendar_months') }}

),

quarter_ends as (

    select * from calendar where fiscal_month in (3, 6, 9, 12)

),

windows as (

    select month_start as end_month, 'month' as period_type, month_start as period_start,
           month_end as period_end, month_label as period_label, 1 as months_in_period
    from calendar

    union all

    select month_start, 'quarter', quarter_start, quarter_end, fq_label, 3
    from quarter_ends

    union all

    select month_start, 'FYTD', fy_start, quarter_end, 'FYTD ' || fq_label, fiscal_month
    from quarter_ends

    union all

    select month_start, 'FY', fy_start, fy_end, fy_label, 12
    from quarter_ends
    where fiscal_month = 12

    union all

    select month_start, 'R12', r12_start, month_end, 'R12 to ' || month_label, 12
    from quarter_ends

)

select
    calendar.month_start,
    windows.period_type,
    windows.period_start,
    windows.period_end,
    windows.period_label,
    windows.months_in_period,
    ends.fy_label as period_fy_label,
    ends.fq_label as period_fq_label,
    ends.population_mid_year
from windows
inner join calendar
    on calendar.month_start between windows.period_start and windows.end_month
inner join calendar as ends on ends.month_start = windows.end_month
