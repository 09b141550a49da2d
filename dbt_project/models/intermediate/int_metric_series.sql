-- Every additive metric input on one grain: metric x area x month (or quarter, for the Home
-- Office table), dense over the periods its source has delivered, so a month with no
-- firearms offences is a 0, not a gap, and a month never delivered is absent (which later
-- marks periods incomplete). Force rows are the sum of all members, including crimes with no
-- location or outside the force area, so force totals hold every row delivered.
-- delivered_on: the day the period was first delivered (int_partition_deliveries): the home
-- force's police.uk street file of the month, the later of the month's STATS19 collision and
-- casualty files, the survey's file of the month, the Home Office table holding the quarter.
-- numerator and denominator are exact decimals (macros/exact_sums.sql): adjusted KSI is
-- fractional, and every sum of this series (force totals here, periods in fct_metric_period,
-- dispersion, readiness) must come out the same on every build.
with

inputs as (

    select metric_id, 'month' as grain, month_start as period_start, area_code,
           cast(numerator as {{ exact_decimal_type() }}) as numerator,
           cast(denominator as {{ exact_decimal_type() }}) as denominator
    from {{ ref('int_metric_inputs__police_uk') }}
    union all
    select metric_id, 'month', month_start, area_code,
           cast(numerator as {{ exact_decimal_type() }}),
           cast(denominator as {{ exact_decimal_type() }})
    from {{ ref('int_metric_inputs__stats19') }}
    union all
    select metric_id, 'month', month_start, area_code,
           cast(numerator as {{ exact_decimal_type() }}),
           cast(denominator as {{ exact_decimal_type() }})
    from {{ ref('int_metric_inputs__victim_survey') }}
    union all
    select metric_id, 'quarter', quarter_start, area_code,
           cast(numerator as {{ exact_decimal_type() }}),
           cast(denominator as {{ exact_decimal_type() }})
    from {{ ref('int_metric_inputs__home_office') }}

),

catalogue as (

    select metric_id, source, unit from {{ ref('int_metric_catalogue') }}

),

deliveries as (

    select * from {{ ref('int_partition_deliveries') }}

),

-- What each source has delivered: the periods a metric can be counted in, and since when.
source_periods as (

    select 'police_uk' as source, 'month' as grain, located.month_start as period_start,
           cast(null as varchar) as survey, min(deliveries.first_delivered_on) as delivered_on
    from (select distinct month_start from {{ ref('int_street_crimes_located') }}) as located
    left join deliveries
        on deliveries.dataset = 'police_uk_street'
        and deliveries.scope = '{{ var("home_force") }}'
        and deliveries.partition_key = strftime(located.month_start, '%Y-%m')
    group by all

    union all

    -- A KSI month needs its collisions and its casualties: in when the later of them arrived.
    select 'stats19', 'month', ksi.month_start, null, max(deliveries.first_delivered_on)
    from (select distinct month_start from {{ ref('int_ksi_by_area_month') }}) as ksi
    left join deliveries
        on deliveries.dataset in ('stats19_collision', 'stats19_casualty')
        and deliveries.partition_key = strftime(ksi.month_start, '%Y-%m')
    group by all

    union all

    select 'victim_survey', 'month', responses.month_start, responses.survey,
           min(deliveries.first_delivered_on)
    from (
        select distinct survey, month_start from {{ ref('stg_victim_survey__responses') }}
    ) as responses
    left join deliveries
        on deliveries.dataset = 'victim_survey'
        and deliveries.scope = responses.survey
        and deliveries.partition_key = strftime(responses.month_start, '%Y-%m')
    group by all

    union all

    select 'home_office_csp', 'quarter', offences.quarter_start, null,
           min(deliveries.first_delivered_on)
    from (select distinct quarter_start from {{ ref('stg_home_office__csp_crime') }}) as offences
    left join deliveries
        on deliveries.dataset = 'home_office_csp_crime'
        and deliveries.partition_key = strftime(offences.quarter_start, '%Y-%m')
    group by all

),

delivered as (

    select catalogue.metric_id, periods.grain, periods.period_start, periods.delivered_on,
           'members' as area_level
    from source_periods as periods
    inner join catalogue on catalogue.source = periods.source
    where periods.source in ('police_uk', 'stats19')

    union all

    select measures.metric_id, periods.grain, periods.period_start, periods.delivered_on, 'force'
    from source_periods as periods
    inner join {{ ref('metric_survey_measures') }} as measures
        on measures.survey = periods.survey and measures.source = 'victim_survey'
    where periods.source = 'victim_survey'

    union all

    select codes.metric_id, periods.grain, periods.period_start, periods.delivered_on, 'members'
    from source_periods as periods
    cross join (select distinct metric_id from {{ ref('metric_offence_codes') }}) as codes
    where periods.source = 'home_office_csp'

),

areas as (

    select area_code, case when area_type = 'force' then 'force' else 'members' end as area_level
    from {{ ref('int_areas') }}

),

dense as (

    select
        delivered.metric_id,
        delivered.grain,
        delivered.period_start,
        areas.area_code,
        delivered.delivered_on,
        coalesce(inputs.numerator, 0) as numerator,
        -- Only shares have a denominator of their own (respondents, crimes recorded).
        case when catalogue.unit = 'percent' then coalesce(inputs.denominator, 0) end
            as denominator
    from delivered
    inner join areas on areas.area_level = delivered.area_level
    inner join catalogue on catalogue.metric_id = delivered.metric_id
    left join inputs
        on inputs.metric_id = delivered.metric_id
        and inputs.grain = delivered.grain
        and inputs.period_start = delivered.period_start
        and inputs.area_code = areas.area_code

),

force_totals as (

    select metric_id, grain, period_start, force.area_code, delivered_on,
           {{ exact_sum('numerator') }} as numerator,
           {{ exact_sum('denominator') }} as denominator
    from dense
    cross join (select area_code from {{ ref('int_areas') }} where area_type = 'force') as force
    where dense.area_code <> force.area_code
    group by all

)

select * from dense
union all
select * from force_totals
