-- Monthly inputs of the metrics computed from police.uk, per force: every force whose files
-- this warehouse takes in (PCP_FORCES), the home force among them, so forces can be compared
-- with each other. Counted by the same rule as the home force's area members
-- (int_metric_inputs__police_uk, macro police_uk_metric_inputs): a force's rows are its
-- street files' rows as police.uk publishes them, wherever in (or outside) its area they are
-- placed, so the home force's row here is the sum of its area members there.
-- Crime metrics only: outcome metrics need each crime's outcome at the follow-up, which
-- int_crime_outcomes_at_follow_up builds for the home force alone.
with

street as (

    select month_start, force_slug, crime_type from {{ ref('stg_police_uk__street_crimes') }}

),

loaded_months as (

    select distinct month_start from street

),

crime_counts as (

    select month_start, force_slug, crime_type, count(*) as crimes
    from street
    group by all

),

outcome_counts as (

    select
        null::date as month_start,
        null::varchar as force_slug,
        null::varchar as crime_type,
        0::bigint as crimes,
        0::bigint as positive,
        0::bigint as out_of_court
    where false

),

{{ police_uk_metric_inputs('force_slug') }}
