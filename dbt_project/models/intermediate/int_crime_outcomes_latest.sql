-- One row per crime (force and Crime ID) of every force whose files are taken in, with its
-- latest known outcome and its outcome at var outcome_follow_up_months months' follow-up.
-- police.uk re-publishes a crime in later months with newer outcomes, so a Crime ID can appear
-- in several monthly street files: the crime is dated by the first month it appears in, and
-- its outcome is the newest one recorded in that force's outcomes files, or else the newest
-- street file's "Last outcome category". Its crime type and area are those of its first
-- month. Crime counts elsewhere stay as police.uk publishes them (rows). One rule for every
-- force, so a peer force's outcome metrics are counted as the home force's.
--
-- At follow-up (the follow_up_ columns, what the outcome metrics count): the newest outcome in
-- that force's outcomes files recorded in a month no later than crime_month + k. Outcomes
-- arrive over months, so a rate from "the newest outcome" compares an old, mature baseline
-- with young months whose investigations are still open; at a fixed follow-up every cohort
-- (crime month) is measured alike. A crime with no outcomes-file row at all keeps its street
-- file's outcome: police.uk dates outcomes only in the outcomes files, so without one the
-- outcome cannot be dated (a force whose outcomes files are not loaded is measured as
-- before). Outcomes recorded after the follow-up do not count: the crime is "no outcome yet"
-- at k months. Both outcomes are made here, from the same rows in one pass, so they never
-- stand on different deliveries.
--
-- Incremental by delivered file: a build makes again only the rows of crimes on a row of a
-- file new to the table, or of a force one of whose files left staging (macros in
-- incremental_by_file.sql; the table keeps the list of files it is built from beside it,
-- int_crime_outcomes_latest__files). Full builds rebuild it whole (--full-refresh:
-- scoped_build_args in orchestration/defs/warehouse/dbt_assets.py), so a changed rule never
-- meets old rows.
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ remove_crime_outcomes_to_rebuild() }}",
        post_hook="{{ list_crime_outcome_files() }}",
    )
}}

with

{% if is_incremental() %}
rebuild as (

    {{ crime_outcome_keys_to_rebuild() }}

),
{% endif %}

-- The rows of the crimes made in this build: every crime in a whole build, those of new or
-- changed files in an incremental one.
street as (

    select force_slug, crime_id, month_start, crime_type, last_outcome_category, source_line
    from {{ ref('stg_police_uk__street_crimes') }}
    {% if is_incremental() %} semi join rebuild using (force_slug, crime_id) {% endif %}
    where crime_id is not null

),

outcomes as (

    select force_slug, crime_id, outcome_month, outcome_type, source_line
    from {{ ref('stg_police_uk__outcomes') }}
    {% if is_incremental() %} semi join rebuild using (force_slug, crime_id) {% endif %}

),

-- Nearly every Crime ID is on one street row (police.uk publishes a crime in its month's
-- file): those pass straight through, and only a Crime ID on several rows is aggregated. At
-- national volume (17 M crimes) arg_min / arg_max over every crime ran DuckDB out of memory
-- (their text states do not spill to disk); passing rows through is also the faster way.
repeated as (

    select force_slug, crime_id
    from street
    group by all
    having count(*) > 1

),

-- The home force's rows carry their area member (int_street_crimes_located places the home
-- force's rows only); another force's have none.
home as (

    select crime_id, month_start, crime_type, area_code, last_outcome_category, source_line
    from {{ ref('int_street_crimes_located') }}
    {% if is_incremental() %} semi join rebuild using (force_slug, crime_id) {% endif %}
    where crime_id is not null

),

home_repeated as (

    select crime_id from repeated where force_slug = '{{ var("home_force") }}'

),

others as (

    select force_slug, crime_id, month_start, crime_type, last_outcome_category, source_line
    from street
    where force_slug <> '{{ var("home_force") }}'

),

street_latest as (

    select
        '{{ var("home_force") }}' as force_slug,
        crime_id,
        month_start as crime_month,
        crime_type,
        area_code,
        last_outcome_category as street_outcome,
        1::bigint as street_rows
    from home
    anti join home_repeated using (crime_id)
    union all
    select
        force_slug,
        crime_id,
        month_start,
        crime_type,
        null::varchar,
        last_outcome_category,
        1::bigint
    from others
    anti join repeated using (force_slug, crime_id)
    union all
    -- A repeated Crime ID is dated by its first month and takes its type and area from its
    -- first row there (police.uk does repeat some within a month: with the line as
    -- tie-break, every build picks the same row), its street outcome from its last row.
    select
        '{{ var("home_force") }}',
        crime_id,
        min(month_start),
        arg_min(crime_type, (month_start, source_line)),
        arg_min(area_code, (month_start, source_line)),
        arg_max(last_outcome_category, (month_start, source_line)),
        count(*)
    from home
    semi join home_repeated using (crime_id)
    group by crime_id
    union all
    select
        force_slug,
        crime_id,
        min(month_start),
        arg_min(crime_type, (month_start, source_line)),
        null::varchar,
        arg_max(last_outcome_category, (month_start, source_line)),
        count(*)
    from others
    semi join repeated using (force_slug, crime_id)
    group by force_slug, crime_id

),

-- Each crime's newest outcome, and its newest recorded by the follow-up (crime month + k),
-- in one pass over its outcomes (a crime of no street row here is not in the table).
outcomes_latest as (

    select
        outcomes.force_slug,
        outcomes.crime_id,
        max(outcomes.outcome_month) as outcome_month,
        arg_max(outcomes.outcome_type, (outcomes.outcome_month, outcomes.source_line))
            as outcome_type,
        max(outcomes.outcome_month)
            filter (where outcomes.outcome_month <= street_latest.follow_up_by)
            as follow_up_outcome_month,
        arg_max(outcomes.outcome_type, (outcomes.outcome_month, outcomes.source_line))
            filter (where outcomes.outcome_month <= street_latest.follow_up_by)
            as follow_up_outcome_type
    from outcomes
    inner join (
        select
            force_slug,
            crime_id,
            crime_month + to_months({{ var('outcome_follow_up_months') }}) as follow_up_by
        from street_latest
    ) as street_latest
        on street_latest.force_slug = outcomes.force_slug
        and street_latest.crime_id = outcomes.crime_id
    group by outcomes.force_slug, outcomes.crime_id

),

categories as (

    select * from {{ ref('outcome_categories') }}

),

joined as (

    select
        street_latest.force_slug,
        street_latest.crime_id,
        street_latest.crime_month,
        street_latest.crime_type,
        street_latest.area_code,
        street_latest.street_rows,
        coalesce(outcomes_latest.outcome_type, street_latest.street_outcome) as outcome_category,
        outcomes_latest.outcome_month,
        case when outcomes_latest.crime_id is not null then 'outcomes_file' else 'street_file' end
            as outcome_source,
        -- A crime with no outcomes-file row keeps its (undated) street-file outcome.
        case
            when outcomes_latest.crime_id is null then street_latest.street_outcome
            else outcomes_latest.follow_up_outcome_type
        end as follow_up_outcome_category,
        outcomes_latest.follow_up_outcome_month
    from street_latest
    left join outcomes_latest
        on outcomes_latest.force_slug = street_latest.force_slug
        and outcomes_latest.crime_id = street_latest.crime_id

)

select
    joined.force_slug,
    joined.crime_id,
    joined.crime_month,
    joined.crime_type,
    joined.area_code,
    joined.street_rows,
    joined.outcome_category,
    joined.outcome_month,
    joined.outcome_source,
    coalesce(categories.outcome_group, 'unmapped') as outcome_group,
    coalesce(categories.is_positive, false) as is_positive,
    coalesce(categories.is_out_of_court_resolution, false) as is_out_of_court_resolution,
    joined.follow_up_outcome_category,
    joined.follow_up_outcome_month,
    coalesce(at_follow_up.is_positive, false) as follow_up_is_positive,
    coalesce(at_follow_up.is_out_of_court_resolution, false)
        as follow_up_is_out_of_court_resolution
from joined
left join categories on categories.outcome_category = joined.outcome_category
left join categories as at_follow_up
    on at_follow_up.outcome_category = joined.follow_up_outcome_category
