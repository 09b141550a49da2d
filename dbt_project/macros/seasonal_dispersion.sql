{#
  Over-dispersion (phi) of monthly (or quarterly) series, as int_metric_dispersion describes:
  written once, so every model that tests a change of counts (the dashboard's areas,
  neighbourhood policing areas) estimates phi the same way. `series` names a CTE (or relation)
  with metric_id, area_code, grain ('month' | 'quarter'), dispersion_model ('poisson' |
  'quasi_binomial'), period_start, numerator and denominator; the macro emits the CTEs that
  follow it and the final select (grain metric_id x area_code x period_end).
#}
{% macro seasonal_dispersion(series) %}
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
        series.dispersion_model,
        quarter_ends.period_end,
        datediff('month', series.period_start, quarter_ends.end_month) // 12 as year_back,
        datediff('month', series.period_start, quarter_ends.end_month) % 12 as position,
        series.numerator as observed,
        -- A proportion's trials (crimes recorded); a count has none.
        case when series.dispersion_model = 'quasi_binomial' then series.denominator end
            as trials
    from {{ series }} as series
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
            as double) as grand_total,
        cast({{ exact_sum('trials') }} over (partition by metric_id, area_code, period_end, year_back)
            as double) as year_trials,
        cast({{ exact_sum('trials') }} over (partition by metric_id, area_code, period_end, position)
            as double) as position_trials,
        cast({{ exact_sum('trials') }} over (partition by metric_id, area_code, period_end)
            as double) as grand_trials
    from kept

),

expected as (

    select
        *,
        case
            when dispersion_model = 'poisson' and year_total > 0 and position_total > 0
                then year_total * position_total / grand_total
        end as expected_count,
        case
            when dispersion_model = 'quasi_binomial' and trials > 0 and year_trials > 0
                and position_trials > 0 and grand_total > 0
                then (year_total / year_trials) * (position_total / position_trials)
                    / (grand_total / grand_trials)
        end as expected_share,
        -- A position (month of the year) that carries information: some events, and for a
        -- proportion some trials without one.
        case dispersion_model
            when 'poisson' then position_total > 0
            else position_total > 0 and position_total < position_trials
        end as position_informative
    from margins

),

chi_square as (

    select
        metric_id,
        area_code,
        period_end,
        any_value(dispersion_model) as dispersion_model,
        count(distinct year_back) as years,
        count(distinct position) filter (where position_informative) as positions,
        -- A case, not a filter: the sum's argument is cast for every row before a filter
        -- drops any, and an empty margin's term (0 / 0) has no decimal.
        cast({{ exact_sum(
            'case
                when expected_count > 0
                    then power(cast(observed as double) - expected_count, 2) / expected_count
                when expected_share > 0 and expected_share < 1
                    then power(cast(observed as double) - cast(trials as double) * expected_share, 2)
                        / (cast(trials as double) * expected_share * (1 - expected_share))
            end'
        ) }} as double) as pearson_chi_square
    from expected
    group by all

)

select
    metric_id,
    area_code,
    period_end,
    dispersion_model,
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
{% endmacro %}
