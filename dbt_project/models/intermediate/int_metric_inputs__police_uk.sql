-- Monthly inputs of the metrics computed from police.uk, by area member (local authority,
-- no location, outside the force area). Which crime types make a metric, and what is counted
-- (crimes; positive-outcome rate; out-of-court resolutions), is the metric_crime_types seed,
-- the version in force for the month. Crime counts are rows as police.uk publishes them;
-- outcome metrics count each crime once, in the month it was first published, with its
-- outcome at var outcome_follow_up_months months' follow-up (int_crime_outcomes_at_follow_up)
-- as denominator "crimes recorded" and numerator "with that outcome", so every month is
-- measured at the same maturity.
with

located as (

    select * from {{ ref('int_street_crimes_located') }}

),

outcomes as (

    select * from {{ ref('int_crime_outcomes_at_follow_up') }}

),

loaded_months as (

    select distinct month_start from located

),

mapping as (

    select
        loaded_months.month_start,
        definitions.metric_id,
        definitions.crime_type,
        definitions.measure
    from loaded_months
    inner join {{ ref('metric_crime_types') }} as definitions
        on definitions.valid_from <= loaded_months.month_start
    qualify definitions.mapping_version = max(definitions.mapping_version) over (
        partition by loaded_months.month_start, definitions.metric_id
    )

),

crime_counts as (

    select month_start, area_code, crime_type, count(*) as crimes
    from located
    group by all

),

outcome_counts as (

    select
        crime_month as month_start,
        area_code,
        crime_type,
        count(*) as crimes,
        count(*) filter (where is_positive) as positive,
        count(*) filter (where is_out_of_court_resolution) as out_of_court
    from outcomes
    group by all

),

crime_metrics as (

    select mapping.metric_id, mapping.month_start, crime_counts.area_code,
           sum(crime_counts.crimes) as numerator, null::bigint as denominator
    from mapping
    inner join crime_counts
        on crime_counts.month_start = mapping.month_start
        and crime_counts.crime_type = mapping.crime_type
    where mapping.measure = 'crimes'
    group by all

),

outcome_metrics as (

    select
        mapping.metric_id,
        mapping.month_start,
        outcome_counts.area_code,
        sum(
            case mapping.measure
                when 'positive_outcome_rate' then outcome_counts.positive
                else outcome_counts.out_of_court
            end
        ) as numerator,
        sum(outcome_counts.crimes) filter (where mapping.measure = 'positive_outcome_rate')
            as denominator
    from mapping
    inner join outcome_counts
        on outcome_counts.month_start = mapping.month_start
        and outcome_counts.crime_type = mapping.crime_type
    where mapping.measure in ('positive_outcome_rate', 'out_of_court_resolutions')
    group by all

)

select * from crime_metrics
union all
select * from outcome_metrics
