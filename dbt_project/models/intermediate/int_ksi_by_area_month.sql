-- Killed or seriously injured casualties of the home force by area and month.
-- Adjusted KSI = fatal casualties + the sum of adjusted-serious probabilities over non-fatal
-- casualties (DfT's severity adjustment: a decimal). Unadjusted KSI = fatal + recorded serious.
-- The probabilities are summed exactly (exact_sum, macros/exact_sums.sql), so ksi_adjusted is a
-- DECIMAL(38, 18) and the same on every build, whatever order DuckDB's threads add them in.
-- A casualty whose own file has no adjusted probability (files before the 2024 rename) takes
-- it from DfT's adjustment lookup; the casualty file's own value wins when it has one.
with

home_force as (

    select stats19_police_force
    from {{ ref('forces') }}
    where force_slug = '{{ var("home_force") }}'

),

collisions as (

    select collisions.*
    from {{ ref('stg_stats19__collisions') }} as collisions
    inner join home_force on home_force.stats19_police_force = collisions.police_force

),

adjustments as (

    select * from {{ ref('stg_stats19__casualty_adjustments') }}

),

casualties as (

    select
        casualties.* exclude (adjusted_serious),
        coalesce(casualties.adjusted_serious, adjustments.adjusted_serious) as adjusted_serious
    from {{ ref('stg_stats19__casualties') }} as casualties
    left join adjustments
        on adjustments.collision_index = casualties.collision_index
        and adjustments.casualty_reference = casualties.casualty_reference

),

local_authorities as (

    select area_code from {{ ref('areas') }} where area_type = 'local_authority'

),

placed as (

    select
        collisions.month_start,
        case
            when collisions.local_authority_ons_district is null then 'ZZ-NOLOC'
            when local_authorities.area_code is not null then local_authorities.area_code
            else 'ZZ-OUTSIDE'
        end as area_code,
        collisions.is_provisional or casualties.is_provisional as is_provisional,
        casualties.casualty_severity,
        casualties.adjusted_serious
    from casualties
    inner join collisions on collisions.collision_index = casualties.collision_index
    left join local_authorities
        on local_authorities.area_code = collisions.local_authority_ons_district

)

select
    month_start,
    area_code,
    count(*) as casualties,
    count(*) filter (where casualty_severity = 1) as fatal,
    count(*) filter (where casualty_severity = 2) as serious,
    count(*) filter (where casualty_severity = 3) as slight,
    count(*) filter (where casualty_severity in (1, 2)) as ksi_unadjusted,
    count(*) filter (where casualty_severity = 1)
        + coalesce({{ exact_sum('adjusted_serious') }} filter (where casualty_severity <> 1), 0)
        as ksi_adjusted,
    count(*) filter (where casualty_severity <> 1 and adjusted_serious is null)
        as casualties_without_adjustment,
    bool_or(is_provisional) as is_provisional
from placed
group by month_start, area_code
