-- Every additive metric input on one grain: metric x area x month (or quarter, for the Home
-- Office table), dense over the periods its source has delivered, so a month with no
-- firearms offences is a 0, not a gap, and a month never delivered is absent (which later
-- marks periods incomplete). Force rows are the sum of all members, including crimes with no
-- location or outside the force area, so force totals hold every row delivered.
with

inputs as (

    select metric_id, 'month' as grain, month_start as period_start, area_code,
           cast(numerator as double) as numerator, cast(denominator as double) as denominator
    from {{ ref('int_metric_inputs__police_uk') }}
    union all
    select metric_id, 'month', month_start, area_code, numerator, denominator
    from {{ ref('int_metric_inputs__stats19') }}
    union all
    select metric_id, 'month', month_start, area_code, numerator, denominator
    from {{ ref('int_metric_inputs__victim_survey') }}
    union all
    select metric_id, 'quarter', quarter_start, area_code, numerator, denominator
    from {{ ref('int_metric_inputs__home_office') }}

),

catalogue as (

    select metric_id, source, unit from {{ ref('dim_metric') }}

),

-- What each source has delivered: the periods a metric can be counted in.
delivered as (

    select distinct catalogue.metric_id, 'month' as grain, located.month_start as period_start,
           'members' as area_level
    from {{ ref('int_street_crimes_located') }} as located
    cross join catalogue
    where catalogue.source = 'police_uk'

    union all

    select distinct catalogue.metric_id, 'month', ksi.month_start, 'members'
    from {{ ref('int_ksi_by_area_month') }} as ksi
    cross join catalogue
    where catalogue.source = 'stats19'

    union all

    select distinct measures.metric_id, 'month', responses.month_start, 'force'
    from {{ ref('stg_victim_survey__responses') }} as responses
    inner join {{ ref('metric_survey_measures') }} as measures
        on measures.survey = responses.survey and measures.source = 'victim_survey'

    union all

    select distinct codes.metric_id, 'quarter', offences.quarter_start, 'members'
    from {{ ref('stg_home_office__csp_crime') }} as offences
    cross join (select distinct metric_id from {{ ref('metric_offence_codes') }}) as codes

),

areas as (

    select area_code, case when area_type = 'force' then 'force' else 'members' end as area_level
    from {{ ref('dim_area') }}

),

dense as (

    select
        delivered.metric_id,
        delivered.grain,
        delivered.period_start,
        areas.area_code,
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

    select metric_id, grain, period_start, force.area_code,
           sum(numerator) as numerator, sum(denominator) as denominator
    from dense
    cross join (select area_code from {{ ref('dim_area') }} where area_type = 'force') as force
    where dense.area_code <> force.area_code
    group by all

)

select * from dense
union all
select * from force_totals
