-- One row per crime (force and Crime ID, as int_crime_outcomes_latest) with its outcome as it
-- stood k months after the crime month (var outcome_follow_up_months): the newest outcome in
-- that force's outcomes files recorded in a month no later than crime_month + k. Outcomes
-- arrive over months, so a rate from "the newest outcome" compares an old, mature baseline
-- with young months whose investigations are still open; at a fixed follow-up every cohort
-- (crime month) is measured alike. A crime with no outcomes-file row at all keeps its street
-- file's outcome: police.uk dates outcomes only in the outcomes files, so without one the
-- outcome cannot be dated (a force whose outcomes files are not loaded is measured as
-- before). Outcomes recorded after the follow-up do not count: the crime is "no outcome yet"
-- at k months.
with

crimes as (

    select * from {{ ref('int_crime_outcomes_latest') }}

),

dated as (

    select
        outcomes.force_slug,
        outcomes.crime_id,
        max(outcomes.outcome_month) as outcome_month,
        arg_max(outcomes.outcome_type, (outcomes.outcome_month, outcomes.source_line))
            as outcome_type
    from {{ ref('stg_police_uk__outcomes') }} as outcomes
    inner join crimes
        on crimes.force_slug = outcomes.force_slug
        and crimes.crime_id = outcomes.crime_id
    where outcomes.outcome_month
        <= crimes.crime_month + to_months({{ var('outcome_follow_up_months') }})
    group by outcomes.force_slug, outcomes.crime_id

),

at_follow_up as (

    select
        crimes.force_slug,
        crimes.crime_id,
        crimes.crime_month,
        crimes.crime_type,
        crimes.area_code,
        case
            when crimes.outcome_source = 'street_file' then crimes.outcome_category
            else dated.outcome_type
        end as outcome_category,
        dated.outcome_month
    from crimes
    left join dated
        on dated.force_slug = crimes.force_slug
        and dated.crime_id = crimes.crime_id

)

select
    at_follow_up.force_slug,
    at_follow_up.crime_id,
    at_follow_up.crime_month,
    at_follow_up.crime_type,
    at_follow_up.area_code,
    at_follow_up.outcome_category,
    at_follow_up.outcome_month,
    coalesce(categories.is_positive, false) as is_positive,
    coalesce(categories.is_out_of_court_resolution, false) as is_out_of_court_resolution
from at_follow_up
left join {{ ref('outcome_categories') }} as categories
    on categories.outcome_category = at_follow_up.outcome_category
