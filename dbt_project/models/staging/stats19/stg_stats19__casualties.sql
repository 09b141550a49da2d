-- One row per STATS19 casualty of a configured force: renamed and typed. DfT codes a missing
-- adjusted probability as -1 (or leaves it out in older files): both become null.
with

source as (

    select * from {{ source('raw_stats19', 'stats19_casualty') }}

),

renamed as (

    select
        collision_index,
        vehicle_reference,
        casualty_reference,
        try_cast(casualty_severity as integer) as casualty_severity,
        case when try_cast(casualty_adjusted_severity_serious as double) >= 0
            then try_cast(casualty_adjusted_severity_serious as double) end as adjusted_serious,
        case when try_cast(casualty_adjusted_severity_slight as double) >= 0
            then try_cast(casualty_adjusted_severity_slight as double) end as adjusted_slight,
        try_cast(age_of_casualty as integer) as age_of_casualty,
        partition_month as month_start,
        is_provisional,
        source_sha256,
        source_line

    from source

)

select * from renamed
