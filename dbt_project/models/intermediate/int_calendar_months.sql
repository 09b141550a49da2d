-- The calendar: one row per month, with its UK financial year (April-March), financial
-- quarter and rolling-12-month window. Every period a metric is reported over is built from it.
with

months as (

    select cast(month_start as date) as month_start
    from range(
        date '{{ var("calendar_start") }}',
        date '{{ var("calendar_end") }}' + interval 1 month,
        interval 1 month
    ) as r(month_start)

),

financial as (

    select
        month_start,
        cast(last_day(month_start) as date) as month_end,
        strftime(month_start, '%Y-%m') as month_label,
        year(month_start) as calendar_year,
        month(month_start) as calendar_month,
        case when month(month_start) >= 4 then year(month_start) else year(month_start) - 1 end
            as fy_start_year,
        -- April = 1 ... March = 12
        ((month(month_start) + 8) % 12) + 1 as fiscal_month,
        ((month(month_start) + 8) % 12) // 3 + 1 as fiscal_quarter
    from months

),

labelled as (

    select
        month_start,
        month_end,
        month_label,
        calendar_year,
        calendar_month,
        fy_start_year,
        fy_start_year || '/' || lpad(cast((fy_start_year + 1) % 100 as varchar), 2, '0') as fy_label,
        fiscal_month,
        fiscal_quarter,
        make_date(fy_start_year, 4, 1) as fy_start,
        make_date(fy_start_year + 1, 3, 31) as fy_end,
        cast(make_date(fy_start_year, 4, 1) + to_months(3 * (fiscal_quarter - 1)) as date)
            as quarter_start,
        cast(last_day(make_date(fy_start_year, 4, 1) + to_months(3 * fiscal_quarter - 1)) as date)
            as quarter_end,
        cast(month_start - interval 11 month as date) as r12_start,
        -- Rates for financial year y/y+1 use the mid-y population estimate.
        fy_start_year as population_mid_year
    from financial

)

select
    month_start,
    month_end,
    month_label,
    calendar_year,
    calendar_month,
    fy_start_year,
    fy_label,
    fiscal_month,
    fiscal_quarter,
    fy_label || '-Q' || fiscal_quarter as fq_label,
    fy_start,
    fy_end,
    quarter_start,
    quarter_end,
    r12_start,
    population_mid_year
from labelled
