-- Monthly inputs of the metrics computed from police.uk, by area member (local authority,
-- no location, outside the force area). Which crime types make a metric, and what is counted
-- (crimes; positive-outcome rate; out-of-court resolutions), is the metric_crime_types seed,
-- the version in force for the month. Crime counts are rows as police.uk publishes them;
-- outcome metrics count each crime once, in the month it was first published, with its
-- outcome at var outcome_follow_up_months months' follow-up (int_crime_outcomes_latest's follow_up_ columns)
-- as denominator "crimes recorded" and numerator "with that outcome", so every month is
-- measured at the same maturity. The counting itself is the macro police_uk_metric_inputs,
-- shared with int_metric_inputs__police_uk_by_force, so a peer force is counted exactly so.
with

crimes as (

    select month_start, area_code, crime_type from {{ ref('int_street_crimes_located') }}

),

outcomes as (

    select
        crime_month,
        area_code,
        crime_type,
        follow_up_is_positive as is_positive,
        follow_up_is_out_of_court_resolution as is_out_of_court_resolution
    from {{ ref('int_crime_outcomes_latest') }}
    where force_slug = '{{ var("home_force") }}'

),

{{ police_uk_metric_inputs('area_code') }}
