-- Monthly inputs of the metrics computed from police.uk, by area member (local authority,
-- no location, outside the force area). Which crime types make a metric, and what is counted
-- (crimes; positive-outcome rate; out-of-court resolutions), is the metric_crime_types seed,
-- the version in force for the month. Crime counts are rows as police.uk publishes them;
-- outcome metrics count each crime once, in the month it was first published, with its
-- outcome at var outcome_follow_up_months months' follow-up (int_crime_outcomes_at_follow_up)
-- as denominator "crimes recorded" and numerator "with that outcome", so every month is
-- measured at the same maturity. The counting itself is the macro police_uk_metric_inputs,
-- shared with int_metric_inputs__police_uk_by_force, so a peer force is counted exactly so.
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

{{ police_uk_metric_inputs('area_code') }}
