-- Each month mapped to every reporting period it belongs to: itself, its financial quarter and
-- its financial year. Aggregating monthly facts through this mapping builds every period the
-- same way.
with

calendar as (

    select * from {{ ref('dim_month') }}

),

periods as (

    select month_start, 'month' as period_type, month_start as period_start,
           month_end as period_end, month_label as period_label, fy_label, 1 as months_in_period
    from calendar

    union all

    select month_start, 'quarter', quarter_start, quarter_end, fq_label, fy_label, 3
    from calendar

    union all

    select month_start, 'year', fy_start, fy_end, fy_label, fy_label, 12
    from calendar

)

select * from periods
