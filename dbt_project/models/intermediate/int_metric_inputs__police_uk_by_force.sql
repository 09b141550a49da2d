-- Monthly inputs of the metrics computed from police.uk, per force: every force whose files
-- this warehouse takes in (PCP_FORCES), the home force among them, so forces can be compared
-- with each other. Counted by the same rule as the home force's area members
-- (int_metric_inputs__police_uk, macro police_uk_metric_inputs): a force's rows are its
-- street files' rows as police.uk publishes them, wherever in (or outside) its area they are
-- placed, so the home force's row here is the sum of its area members there.
-- Outcome metrics count each crime once, in its first month, with its outcome at the
-- follow-up (int_crime_outcomes_latest's follow_up_ columns, every force by the one rule); whether a force's
-- outcomes are mature enough to compare is its comparison's question
-- (int_comparison_inputs__peer_forces).
with

crimes as (

    select month_start, force_slug, crime_type from {{ ref('stg_police_uk__street_crimes') }}

),

outcomes as (

    select
        crime_month,
        force_slug,
        crime_type,
        follow_up_is_positive as is_positive,
        follow_up_is_out_of_court_resolution as is_out_of_court_resolution
    from {{ ref('int_crime_outcomes_latest') }}

),

{{ police_uk_metric_inputs('force_slug') }}
