-- Over-dispersion (phi) of each count metric's series at every quarter end: monthly counts (or
-- quarterly, for the Home Office table) over the trailing {{ var('dispersion_window_months') }}
-- months, laid out as complete years x position in the year. The expected count of a cell is
-- its year's total x its position's (seasonal) total / the grand total; phi = Pearson
-- chi-square / ((years - 1) x (positions - 1)), floored at 1. Under two complete years of
-- history phi cannot be estimated: it is 1 and phi_estimated is false.
-- Margins and the chi-square are exact sums (macros/exact_sums.sql): phi is the same on every
-- build, so a significance test near its threshold cannot flip between identical builds.
with

series as (

    select series.*
    from {{ ref('int_metric_series') }} as series
    inner join {{ ref('int_metric_catalogue') }} as metrics on metrics.metric_id = series.metric_id
    where metrics.comparison = 'poisson'

),

quarter_ends as (

    select month_start as end_month, month_end as period_end
    from {{ ref('int_calendar_months') }}
    where fiscal_month in (3, 6, 9, 12)

),

cells as (

    select
        series.metric_id,
        series.area_code,
        series.grain,
        quarter_ends.period_end,
        datediff('month', series.period_start, quarter_ends.end_month) // 12 as year_back,
        datediff('month', series.period_start, quarter_ends.end_month) % 12 as position,
        series.numerator as observed
    from series
    inner join quarter_ends
        on series.period_start <= quarter_ends.end_month
        and series.period_start
            > quarter_ends.end_month - to_months({{ var('dispersion_window_months') }})

),

complete_years as (

    select metric_id, area_code, period_end, year_back
    from cells
    group by all
    having count(*) = case any_value(grain) when 'month' then 12 else 4 end

),

kept as (

    select cells.*
    from cells
    semi join complete_years
        on complete_years.metric_id = cells.metric_id
        and complete_years.area_code = cells.area_code
        and complete_years.period_end = cells.period_end
        and complete_years.year_back = cells.year_back

),

margins as (

    select
        *,
        cast({{ exact_sum('observed') }} over (partition by metric_id, area_code, period_end, year_back)
            as double) as year_total,
        cast({{ exact_sum('observed') }} over (partition by metric_id, area_code, period_end, position)
            as double) as position_total,
        cast({{ exact_sum('observed') }} over (partition by metric_id, area_code, period_end)
            as double) as grand_total
    from kept

),

chi_square as (

    select
        metric_id,
        area_code,
        period_end,
        count(distinct year_back) as years,
        count(distinct position) filter (where position_total > 0) as positions,
        -- A case, not a filter: the sum's argument is cast for every row before a filter
        -- drops any, and an empty margin's term (0 / 0) has no decimal.
        cast({{ exact_sum(
            'case when year_total > 0 and position_total > 0 then
                power(cast(observed as double) - year_total * position_total / grand_total, 2)
                / (year_total * position_total / grand_total)
            end'
        ) }} as double) as pearson_chi_square
    from margins
    group by all

)

select
    metric_id,
    area_code,
    period_end,
    years as dispersion_years,
    pearson_chi_square,
    (years - 1) * (positions - 1) as dispersion_df,
    case
        when years >= 2 and positions >= 2
            then greatest(1.0, pearson_chi_square / ((years - 1) * (positions - 1)))
        else 1.0
    end as phi,
    years >= 2 and positions >= 2 as phi_estimated
from chi_square
