-- How far the outcomes of each outcome metric (a metric_crime_types measure other than
-- 'crimes') are mature (grain metric_id): outcomes are counted at a fixed follow-up of
-- k = var outcome_follow_up_months months (int_crime_outcomes_latest's follow_up_ columns), so a crime
-- month's cohort is mature once the outcomes of month + k are loaded. outcomes_to is the
-- newest outcomes file loaded for the home force (the newest street month when none is:
-- street files carry their outcome as of publication); mature_to the newest mature cohort.
-- The dashboard compares only periods ending by mature_through (int_dashboard_figures).
with

outcome_metrics as (

    select distinct metric_id
    from {{ ref('metric_crime_types') }}
    where measure <> 'crimes'

),

reach as (

    select coalesce(
        (
            select max(outcome_month) from {{ ref('stg_police_uk__outcomes') }}
            where force_slug = '{{ var("home_force") }}'
        ),
        (select max(month_start) from {{ ref('int_street_crimes_located') }})
    ) as outcomes_to

)

select
    cast(outcome_metrics.metric_id as varchar) as metric_id,
    cast({{ var('outcome_follow_up_months') }} as integer) as follow_up_months,
    cast(reach.outcomes_to as date) as outcomes_to,
    cast(reach.outcomes_to - to_months({{ var('outcome_follow_up_months') }}) as date)
        as mature_to,
    cast(last_day(reach.outcomes_to - to_months({{ var('outcome_follow_up_months') }})) as date)
        as mature_through
from outcome_metrics
cross join reach
