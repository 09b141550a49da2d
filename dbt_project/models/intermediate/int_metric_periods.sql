-- One row per metric x area x period_type x period_end: the figure, the count behind it, its
-- denominator, its status and where it came from. Built once here, from the metric
-- definitions in the catalogue and the per-source input models. Intermediate models (reach,
-- the dashboard's figures) read it here; analysts and marts read it as fct_metric_period.
--   value = numerator x 1,000 / denominator (rate_per_1000; denominator = mid-year population)
--         = numerator x 100 / denominator   (percent; denominator = respondents or crimes)
--         = numerator                       (count, hours)
-- Rates are for the period as labelled (a quarter's rate is not annualised).
-- Numerators and denominators are exact sums (macros/exact_sums.sql) and the value is divided
-- once from them, so two builds of the same data give the same figure to the last bit.
-- first_available_on = when the last of its inputs was first delivered: the day the figure,
-- as it is built now, could first be built (readiness asks whether that was by a given day).
with

metrics as (

    select * from {{ ref('int_metric_catalogue') }}

),

reported_areas as (

    select area_code from {{ ref('int_areas') }} where area_type in ('force', 'local_authority')

),

force as (

    select area_code from {{ ref('int_areas') }} where area_type = 'force'

),

periods as (

    select distinct period_type, period_start, period_end, period_label, months_in_period,
           population_mid_year
    from {{ ref('int_period_windows') }}

),

series as (

    select * from {{ ref('int_metric_series') }}
    where area_code in (select area_code from reported_areas)

),

-- The newest month each metric's series holds, part of a quarter included: the vintage label
-- ('delivered to 2025-08') and the last window worth building. Not "reach" (int_metric_reach:
-- the newest complete period, day by day), which is judged from the rows built here.
delivered_to as (

    select metric_id, max(period_start) as latest_start, any_value(grain) as grain
    from series
    group by metric_id

),

additive as (

    select
        series.metric_id,
        series.area_code,
        windows.period_type,
        windows.period_end,
        cast({{ exact_sum('series.numerator') }} as double) as numerator,
        cast({{ exact_sum('series.denominator') }} as double) as denominator,
        sum(case series.grain when 'month' then 1 else 3 end) as months_loaded,
        -- Every input dated, or the figure's date is unknown (null), never a guess.
        case when count(series.delivered_on) = count(*) then max(series.delivered_on) end
            as first_available_on,
        -- The day each month behind it first arrived (a quarter of a quarterly source is its
        -- three months), so "how many months were in by day D" needs nothing else.
        list_sort(flatten(list(
            case series.grain
                when 'month' then [series.delivered_on]
                else [series.delivered_on, series.delivered_on, series.delivered_on]
            end
        ))) as months_delivered_on,
        cast(null as varchar) as value_yes_no,
        cast(null as double) as value_as_supplied,
        cast(null as double) as supplied_ci_lower,
        cast(null as double) as supplied_ci_upper,
        any_value(
            case delivered_to.grain
                when 'month' then 'delivered to ' || strftime(delivered_to.latest_start, '%Y-%m')
                else 'delivered to quarter starting ' || strftime(delivered_to.latest_start, '%Y-%m')
            end
        ) as source_vintage
    from series
    inner join {{ ref('int_period_windows') }} as windows
        on windows.month_start = series.period_start
        and (series.grain = 'month' or windows.period_type <> 'month')
    inner join delivered_to on delivered_to.metric_id = series.metric_id
    -- No window ending after the quarter the source has reached: a quarter it is part-way
    -- through is 'incomplete', later windows would only repeat that.
    where windows.period_end <= last_day(
        delivered_to.latest_start + to_months((3 - month(delivered_to.latest_start) % 3) % 3)
    )
    group by all

),

partner_returns as (

    select
        returns.metric_id,
        returns.area_code,
        case
            when returns.period_type = 'year' then 'FY'
            when returns.period_type = 'month' then 'month'
            when metrics.period_type = 'FY' then 'FYTD'
            else metrics.period_type
        end as period_type,
        calendar.period_end,
        returns.value_number,
        returns.value_yes_no,
        returns.first_delivered_on,
        -- A returned count is its own numerator (the events behind it).
        coalesce(
            try_cast(returns.numerator as double),
            case when metrics.unit = 'count' then returns.value_number end
        ) as numerator,
        try_cast(returns.denominator as double) as denominator,
        'submitted ' || strftime(returns.submitted_at, '%Y-%m-%d') || ' by '
            || returns.submitted_by as source_vintage
    from {{ ref('int_partner_returns_latest') }} as returns
    inner join metrics on metrics.metric_id = returns.metric_id
    inner join (
        select distinct 'quarter' as label_kind, fq_label as label, quarter_end as period_end
        from {{ ref('int_calendar_months') }}
        union all
        select distinct 'year', fy_label, fy_end from {{ ref('int_calendar_months') }}
        union all
        select 'month', month_label, month_end from {{ ref('int_calendar_months') }}
    ) as calendar
        on calendar.label_kind = returns.period_type and calendar.label = returns.period

),

returned as (

    select
        metric_id,
        area_code,
        period_type,
        period_end,
        numerator,
        denominator,
        cast(null as bigint) as months_loaded,
        first_delivered_on as first_available_on,
        cast(null as date[]) as months_delivered_on,
        value_yes_no,
        value_number as value_as_supplied,
        cast(null as double) as supplied_ci_lower,
        cast(null as double) as supplied_ci_upper,
        source_vintage
    from partner_returns

),

csew as (

    select
        measures.metric_id,
        force.area_code,
        'R12' as period_type,
        cast(last_day(estimates.period_end) as date) as period_end,
        cast(null as double) as numerator,
        cast(estimates.unweighted_n as double) as denominator,
        cast(null as bigint) as months_loaded,
        deliveries.first_delivered_on as first_available_on,
        cast(null as date[]) as months_delivered_on,
        cast(null as varchar) as value_yes_no,
        estimates.estimate as value_as_supplied,
        estimates.ci_lower as supplied_ci_lower,
        estimates.ci_upper as supplied_ci_upper,
        'CSEW year ending ' || strftime(estimates.period_end, '%Y-%m') as source_vintage
    from {{ ref('stg_csew__force_estimates') }} as estimates
    inner join {{ ref('metric_survey_measures') }} as measures
        on measures.source = 'csew' and measures.measure = estimates.measure
    cross join force
    -- A CSEW file's partition is the survey year it holds (its last month).
    left join {{ ref('int_partition_deliveries') }} as deliveries
        on deliveries.dataset = 'csew_force_estimates'
        and deliveries.partition_key = strftime(estimates.period_end, '%Y-%m')
    where estimates.force_slug = '{{ var("home_force") }}'

),

found as (

    select * from additive
    union all
    select * from returned
    union all
    select * from csew

),

-- The rows every metric owes from the baseline year to the latest period any source reached:
-- its own period basis at every quarter end (FY at each March for annual metrics), force-wide.
-- A row with no data is kept, as 'missing'.
owed as (

    select metrics.metric_id, force.area_code, periods.period_type, periods.period_end
    from metrics
    cross join force
    inner join periods
        on periods.period_type = case when metrics.frequency = 'annual' then 'FY'
                                      else metrics.period_type end
    where periods.period_end >= (
            select min(fy_start) from {{ ref('int_calendar_months') }}
            where fy_label = '{{ var("baseline_fy") }}'
        )
        and periods.period_end <= (
            select max(period_end) from found where period_type <> 'month'
        )

),

rows as (

    select * from found
    union all
    select
        owed.metric_id, owed.area_code, owed.period_type, owed.period_end,
        null, null, null, null, null, null, null, null, null, null
    from owed
    anti join found
        on found.metric_id = owed.metric_id
        and found.area_code = owed.area_code
        and found.period_type = owed.period_type
        and found.period_end = owed.period_end

),

with_population as (

    select
        rows.*,
        periods.period_start,
        periods.period_label,
        periods.months_in_period,
        periods.population_mid_year as population_year_wanted,
        population.population,
        population.mid_year as population_mid_year,
        population.estimate_vintage as population_vintage,
        population.is_provisional or population.mid_year < periods.population_mid_year
            as population_is_provisional
    from rows
    inner join periods
        on periods.period_type = rows.period_type and periods.period_end = rows.period_end
    left join {{ ref('int_population_by_area_year') }} as population
        on population.area_code = rows.area_code
        and population.mid_year <= periods.population_mid_year
    qualify row_number() over (
        partition by rows.metric_id, rows.area_code, rows.period_type, rows.period_end
        order by population.mid_year desc nulls last
    ) = 1

),

valued as (

    select
        with_population.*,
        metrics.unit,
        metrics.source,
        metrics.restricted,
        case
            when metrics.unit = 'rate_per_1000'
                then coalesce(with_population.denominator, with_population.population)
            else with_population.denominator
        end as rate_denominator
    from with_population
    inner join metrics on metrics.metric_id = with_population.metric_id

),

final as (

    select
        *,
        case
            when numerator is not null and unit = 'rate_per_1000'
                then numerator * 1000 / rate_denominator
            when numerator is not null and unit = 'percent' and rate_denominator > 0
                then numerator * 100 / rate_denominator
            when numerator is not null and unit in ('count', 'hours', 'years')
                then numerator
            else value_as_supplied
        end as value
    from valued

),

-- Each figure against its own recent range: the same metric, area and period type over the
-- var('suspect_range_periods') periods before it. A figure more than var('suspect_range_factor')
-- (10) times above the top of that range, or below its bottom divided by it, loads but is
-- suspect (a decimal point moved, a total typed for a share, units confused); readiness says
-- so. A range touching 0 has no bottom to fall below, and one of only 0s no top to rise above.
-- Small counts swing by chance (1, 3, 0 crimes in a district's month): a figure with a count
-- behind it is judged only when that count or the range's largest reaches
-- var('suspect_range_min_events'); a share's "largest" is the count its range's top would give
-- this period's denominator (0 of 31 after a month of 10 of 35 is chance: about 9 expected).
ranged as (

    select
        *,
        min(value) over recent as recent_min,
        max(value) over recent as recent_max,
        count(value) over recent as recent_periods,
        max(numerator) over recent as recent_max_count
    from final
    window recent as (
        partition by metric_id, area_code, period_type
        order by period_end
        rows between {{ var('suspect_range_periods') }} preceding and 1 preceding
    )

)

select
    cast(metric_id as varchar) as metric_id,
    cast(area_code as varchar) as area_code,
    cast(period_type as varchar) as period_type,
    cast(period_start as date) as period_start,
    cast(period_end as date) as period_end,
    cast(period_label as varchar) as period_label,
    cast(numerator as double) as numerator,
    cast(rate_denominator as double) as denominator,
    cast(value as double) as value,
    cast(value_yes_no as varchar) as value_yes_no,
    cast(unit as varchar) as unit,
    cast(
        case
            when supplied_ci_lower is not null then supplied_ci_lower
            when unit = 'percent' and numerator is not null and rate_denominator > 0
                then pcp_wilson_bound(numerator, rate_denominator, -1)
        end as double
    ) as ci_lower,
    cast(
        case
            when supplied_ci_upper is not null then supplied_ci_upper
            when unit = 'percent' and numerator is not null and rate_denominator > 0
                then pcp_wilson_bound(numerator, rate_denominator, 1)
        end as double
    ) as ci_upper,
    cast(population as bigint) as population,
    cast(population_mid_year as integer) as population_mid_year,
    cast(population_vintage as varchar) as population_vintage,
    cast(population_is_provisional as boolean) as population_is_provisional,
    cast(months_loaded as integer) as months_loaded,
    cast(months_in_period as integer) as months_in_period,
    cast(first_available_on as date) as first_available_on,
    cast(months_delivered_on as date[]) as months_delivered_on,
    cast(
        case
            when value is null and value_yes_no is null then 'missing'
            when months_loaded is not null and months_loaded < months_in_period then 'incomplete'
            when restricted then 'restricted'
            else 'complete'
        end as varchar
    ) as data_status,
    cast(restricted as boolean) as restricted,
    cast(source as varchar) as source,
    cast(source_vintage as varchar) as source_vintage,
    cast(recent_min as double) as recent_min,
    cast(recent_max as double) as recent_max,
    cast(recent_periods as integer) as recent_periods,
    cast(
        coalesce(
            value is not null
            and recent_periods >= {{ var('suspect_range_min_periods') }}
            and (
                numerator is null
                or greatest(
                    numerator,
                    case when unit = 'percent' and rate_denominator > 0
                        then recent_max * rate_denominator / 100
                        else recent_max_count
                    end
                ) >= {{ var('suspect_range_min_events') }}
            )
            and (
                (recent_max > 0 and value > recent_max * {{ var('suspect_range_factor') }})
                or (recent_min > 0 and value < recent_min / {{ var('suspect_range_factor') }})
            ),
            false
        ) as boolean
    ) as is_suspect
from ranged
