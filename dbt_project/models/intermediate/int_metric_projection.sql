-- Year-end projection of every count, rate and proportion metric with a monthly (or, for the
-- Home Office table, quarterly) series, force-wide, for every financial year and every point
-- in it the series reaches ("as of" the end of each loaded month or quarter).
--
-- Counts and rates (the model behind phi in int_metric_dispersion: a period's count is its
-- year's level x its position's seasonal share, with variance phi x mean):
--   Y  = the year to date; A, B = the previous years' counts in the same months and in the
--   months still to come (up to projection_history_years complete years before this one);
--   expected remaining R = Y x B / A, projected total = Y + R,
--   var = phi x (R + R^2 x (1/Y + 1/A + 1/B)): the remaining months' own variation plus the
--   uncertainty of this year's level (from Y) and of the seasonal split (from A and B).
--   phi is int_metric_dispersion's as of the end of the previous year (the same 36 months).
--   A rate per 1,000 is the count x 1,000 / the year's population (int_metric_periods).
-- Proportions (positive outcome rates, satisfaction): the remaining denominator is projected
-- like a count (N_rest = N_ytd x B_N / A_N) and the remaining share as this year's share x the
-- previous years' seasonal ratio (share in the remaining months / share in these months);
-- its variance is quasi-binomial: the remaining months' sampling, this year's share so far,
-- and the seasonal ratio, each x phi_p, weighted by the remaining months' part of the year.
-- phi_p is estimated here the way phi is for counts: Pearson chi-square of the previous
-- years' monthly numerators around year share x seasonal share, over its degrees of
-- freedom, floored at 1.
-- Intervals are normal (80% and 95%); a count's lower bound is never below what is already
-- counted. The chance of beating the baseline year (or meeting a threshold target) is the
-- normal probability of ending on the right side of it; the verdict thresholds are vars.
-- A year with none of the event so far still has an interval: its level is taken as half an
-- event (a count of 0 does not mean the rest of the year holds none).
with

catalogue as (

    select metric_id, unit, comparison, polarity, target_type, target_operator, target_value
    from {{ ref('int_metric_catalogue') }}
    where comparison in ('poisson', 'proportion')

),

force as (

    select area_code from {{ ref('int_areas') }} where area_type = 'force'

),

calendar as (

    select * from {{ ref('int_calendar_months') }}

),

series as (

    select
        series.metric_id,
        catalogue.unit,
        series.grain,
        calendar.fy_start_year,
        calendar.fy_label,
        calendar.fy_end,
        case series.grain when 'month' then calendar.fiscal_month else calendar.fiscal_quarter end
            as position,
        case series.grain when 'month' then 12 else 4 end as positions,
        case series.grain when 'month' then calendar.month_end else calendar.quarter_end end
            as as_of_period_end,
        series.numerator,
        series.denominator
    from {{ ref('int_metric_series') }} as series
    inner join catalogue on catalogue.metric_id = series.metric_id
    inner join force on force.area_code = series.area_code
    inner join calendar on calendar.month_start = series.period_start

),

-- Each loaded period as an "as of" point, with the year to date up to it. Only an unbroken
-- run from the year's first period counts: a gap leaves the later points out.
year_to_date as (

    select
        metric_id,
        unit,
        grain,
        positions,
        fy_start_year,
        fy_label,
        fy_end,
        position as as_of_position,
        as_of_period_end,
        count(*) over to_date as periods_to_date,
        cast({{ exact_sum('numerator') }} over to_date as double) as ytd_numerator,
        cast({{ exact_sum('denominator') }} over to_date as double) as ytd_denominator
    from series
    window to_date as (
        partition by metric_id, fy_start_year order by position
        rows between unbounded preceding and current row
    )

),

complete_years as (

    select metric_id, fy_start_year
    from series
    group by all
    having count(*) = any_value(positions)

),

-- The history of each projected year: the complete years before it, at most
-- projection_history_years back.
history as (

    select
        targets.metric_id,
        targets.fy_start_year,
        series.fy_start_year as history_year,
        series.position,
        series.numerator,
        series.denominator
    from (select distinct metric_id, fy_start_year from series) as targets
    inner join series
        on series.metric_id = targets.metric_id
        and series.fy_start_year < targets.fy_start_year
        and series.fy_start_year >= targets.fy_start_year - {{ var('projection_history_years') }}
    semi join complete_years
        on complete_years.metric_id = series.metric_id
        and complete_years.fy_start_year = series.fy_start_year

),

-- Over-dispersion of a proportion across its history (quasi-binomial, year x season).
proportion_margins as (

    select
        history.*,
        cast({{ exact_sum('numerator') }} over by_year as double)
            / cast({{ exact_sum('denominator') }} over by_year as double) as year_share,
        cast({{ exact_sum('numerator') }} over by_position as double)
            / cast({{ exact_sum('denominator') }} over by_position as double) as position_share,
        cast({{ exact_sum('numerator') }} over by_target as double)
            / cast({{ exact_sum('denominator') }} over by_target as double) as overall_share
    from history
    inner join catalogue on catalogue.metric_id = history.metric_id
    where catalogue.unit = 'percent' and history.denominator > 0
    window
        by_year as (partition by history.metric_id, history.fy_start_year, history.history_year),
        by_position as (partition by history.metric_id, history.fy_start_year, history.position),
        by_target as (partition by history.metric_id, history.fy_start_year)

),

proportion_dispersion as (

    select
        metric_id,
        fy_start_year,
        count(distinct history_year) as years,
        count(distinct position) as positions,
        cast({{ exact_sum(
            'case when year_share * position_share / overall_share > 0
                and year_share * position_share / overall_share < 1 then
                power(numerator - denominator * year_share * position_share / overall_share, 2)
                / (denominator * year_share * position_share / overall_share
                    * (1 - year_share * position_share / overall_share))
            end'
        ) }} as double) as pearson_chi_square
    from proportion_margins
    group by all

),

count_dispersion as (

    select dispersion.metric_id, year(dispersion.period_end) as fy_start_year, dispersion.phi
    from {{ ref('int_metric_dispersion') }} as dispersion
    inner join force on force.area_code = dispersion.area_code
    where month(dispersion.period_end) = 3

),

pattern as (

    select
        points.metric_id,
        points.fy_start_year,
        points.as_of_position,
        count(distinct history.history_year) as history_years,
        cast({{ exact_sum('history.numerator') }}
            filter (where history.position <= points.as_of_position) as double)
            as history_numerator_to_date,
        coalesce(cast({{ exact_sum('history.numerator') }}
            filter (where history.position > points.as_of_position) as double), 0)
            as history_numerator_rest,
        cast({{ exact_sum('history.denominator') }}
            filter (where history.position <= points.as_of_position) as double)
            as history_denominator_to_date,
        coalesce(cast({{ exact_sum('history.denominator') }}
            filter (where history.position > points.as_of_position) as double), 0)
            as history_denominator_rest
    from year_to_date as points
    inner join history
        on history.metric_id = points.metric_id
        and history.fy_start_year = points.fy_start_year
    group by all

),

-- Each year's final figure, once all its months are in (int_metric_periods' FY row).
years as (

    select periods.metric_id, year(periods.period_start) as fy_start_year, periods.value,
           periods.months_loaded = periods.months_in_period as is_complete
    from {{ ref('int_metric_periods') }} as periods
    inner join force on force.area_code = periods.area_code
    where periods.period_type = 'FY'

),

-- The population a year's rates per 1,000 use (int_metric_periods' rule: mid-year of the
-- year's start, or the latest published): the same on its FY and year-to-date rows, and a year
-- still under way has only the latter.
populations as (

    select periods.metric_id, year(periods.period_start) as fy_start_year,
           max(periods.denominator) as population
    from {{ ref('int_metric_periods') }} as periods
    inner join force on force.area_code = periods.area_code
    inner join catalogue on catalogue.metric_id = periods.metric_id
    where periods.period_type in ('FY', 'FYTD') and catalogue.unit = 'rate_per_1000'
    group by all

),

baseline as (

    select years.metric_id, years.value
    from years
    inner join (
        select distinct fy_start_year from calendar where fy_label = '{{ var("baseline_fy") }}'
    ) as baseline_year on baseline_year.fy_start_year = years.fy_start_year
    where years.is_complete

),

inputs as (

    select
        points.*,
        pattern.history_years,
        pattern.history_numerator_to_date as a,
        pattern.history_numerator_rest as b,
        pattern.history_denominator_to_date as a_n,
        pattern.history_denominator_rest as b_n,
        case
            when points.unit = 'percent' then
                case
                    when proportion_dispersion.years >= 2 and proportion_dispersion.positions >= 2
                        then greatest(1.0, proportion_dispersion.pearson_chi_square
                            / ((proportion_dispersion.years - 1)
                                * (proportion_dispersion.positions - 1)))
                    else 1.0
                end
            else coalesce(count_dispersion.phi, 1.0)
        end as dispersion,
        case when points.unit = 'rate_per_1000' then 1000.0 / populations.population else 1.0 end
            as scale
    from year_to_date as points
    inner join pattern
        on pattern.metric_id = points.metric_id
        and pattern.fy_start_year = points.fy_start_year
        and pattern.as_of_position = points.as_of_position
    left join proportion_dispersion
        on proportion_dispersion.metric_id = points.metric_id
        and proportion_dispersion.fy_start_year = points.fy_start_year
    left join count_dispersion
        on count_dispersion.metric_id = points.metric_id
        and count_dispersion.fy_start_year = points.fy_start_year
    left join populations
        on populations.metric_id = points.metric_id
        and populations.fy_start_year = points.fy_start_year
    where points.periods_to_date = points.as_of_position
        and pattern.history_years >= {{ var('projection_min_history_years') }}
        and pattern.history_numerator_to_date > 0

),

counts as (

    select
        *,
        ytd_numerator * b / a as expected_rest,
        -- R = level x B / A with level = Y (at least half an event); R^2 / B = level^2 B / A^2,
        -- written so that B = 0 (the year complete) gives 0, not a division by zero.
        dispersion * (
            greatest(ytd_numerator, 0.5) * b / a
            + greatest(ytd_numerator, 0.5) * power(b / a, 2)
            + power(greatest(ytd_numerator, 0.5) * b / a, 2) / a
            + power(greatest(ytd_numerator, 0.5), 2) * b / power(a, 2)
        ) as variance
    from inputs
    where unit <> 'percent' and scale is not null

),

shares as (

    select
        *,
        ytd_numerator / ytd_denominator as share_to_date,
        ytd_denominator * b_n / a_n as denominator_rest,
        -- the previous years' share in the remaining months / in these months
        case when b_n > 0 then (b / b_n) / (a / a_n) else 1.0 end as seasonal_ratio
    from inputs
    where unit = 'percent' and ytd_denominator > 0 and a_n > 0

),

proportions as (

    select
        *,
        least(1.0, share_to_date * seasonal_ratio) as share_rest,
        (ytd_numerator + least(1.0, share_to_date * seasonal_ratio) * denominator_rest)
            / (ytd_denominator + denominator_rest) * 100 as projected_share,
        dispersion * power(100, 2) * (
            -- the remaining months' own sampling: w^2 p(1-p) / N_rest, w = N_rest / N_year
            denominator_rest * least(1.0, share_to_date * seasonal_ratio)
                * (1 - least(1.0, share_to_date * seasonal_ratio))
                / power(ytd_denominator + denominator_rest, 2)
            + power(denominator_rest / (ytd_denominator + denominator_rest), 2) * (
                -- this year's share so far, carried forward by the seasonal ratio
                power(seasonal_ratio, 2) * share_to_date * (1 - share_to_date) / ytd_denominator
                -- the seasonal ratio itself (binomial on the previous years' counts)
                + case when b > 0 then
                    power(least(1.0, share_to_date * seasonal_ratio), 2)
                    * ((1 - a / a_n) / a + (1 - b / b_n) / b)
                  else 0 end
            )
        ) as variance
    from shares

),

projected as (

    select
        metric_id, unit, grain, positions, fy_start_year, fy_label, fy_end, as_of_position,
        as_of_period_end, history_years, dispersion, ytd_numerator, ytd_denominator,
        ytd_numerator * scale as ytd_value,
        (ytd_numerator + expected_rest) * scale as projected_value,
        sqrt(variance) * scale as projected_sd,
        -- never below what is already counted
        ytd_numerator * scale as floor_value,
        cast(null as double) as ceiling_value
    from counts

    union all

    select
        metric_id, unit, grain, positions, fy_start_year, fy_label, fy_end, as_of_position,
        as_of_period_end, history_years, dispersion, ytd_numerator, ytd_denominator,
        share_to_date * 100,
        projected_share,
        sqrt(variance),
        0.0,
        100.0
    from proportions

),

judged as (

    select
        projected.*,
        case
            when catalogue.target_type = 'threshold' then cast(catalogue.target_value as double)
            when projected.fy_label > '{{ var("baseline_fy") }}' then baseline.value
        end as comparator_value,
        case
            when catalogue.target_type = 'threshold' then 'target'
            when projected.fy_label > '{{ var("baseline_fy") }}' and baseline.value is not null
                then 'baseline'
        end as comparator,
        -- Which side of the comparator is success: a threshold target's operator, else the
        -- metric's polarity (a count or rate "beats" the baseline by being lower or higher).
        case
            when catalogue.target_type = 'threshold' then catalogue.target_operator in ('>', '>=')
            else catalogue.polarity = 'higher_is_better'
        end as higher_is_success,
        years.is_complete and projected.as_of_position = projected.positions as is_final,
        case when years.is_complete then years.value end as final_value
    from projected
    inner join catalogue on catalogue.metric_id = projected.metric_id
    left join baseline on baseline.metric_id = projected.metric_id
    left join years
        on years.metric_id = projected.metric_id
        and years.fy_start_year = projected.fy_start_year

),

bounded as (

    select
        *,
        {% for level, z in [(80, 1.2815515655446004), (95, 1.959963984540054)] %}
        greatest(floor_value, projected_value - {{ z }} * projected_sd) as lower_{{ level }},
        least(coalesce(ceiling_value, 'infinity'::double), projected_value + {{ z }} * projected_sd)
            as upper_{{ level }},
        {% endfor %}
        case
            when comparator_value is null then null
            when projected_sd = 0 then
                case
                    when higher_is_success and projected_value > comparator_value then 1.0
                    when not higher_is_success and projected_value < comparator_value then 1.0
                    else 0.0
                end
            when higher_is_success
                then 1 - pcp_normal_cdf((comparator_value - projected_value) / projected_sd)
            else pcp_normal_cdf((comparator_value - projected_value) / projected_sd)
        end as probability_of_success
    from judged

)

select
    metric_id,
    fy_label,
    cast(fy_start_year as integer) as fy_start_year,
    as_of_period_end,
    grain,
    cast(as_of_position as integer) as as_of_position,
    cast(positions - as_of_position as integer) as periods_remaining,
    history_years,
    dispersion,
    ytd_numerator,
    ytd_denominator,
    ytd_value,
    projected_value,
    projected_sd,
    lower_80,
    upper_80,
    lower_95,
    upper_95,
    comparator,
    comparator_value,
    higher_is_success,
    probability_of_success,
    case
        when comparator_value is null then 'not_judged'
        when positions = as_of_position then
            case when probability_of_success = 1 then 'achieved' else 'missed' end
        when probability_of_success >= {{ var('projection_on_course_probability') }}
            then 'on_course'
        when probability_of_success < {{ var('projection_unlikely_probability') }} then 'unlikely'
        else 'at_risk'
    end as verdict_code,
    coalesce(is_final, false) as is_final,
    final_value
from bounded
