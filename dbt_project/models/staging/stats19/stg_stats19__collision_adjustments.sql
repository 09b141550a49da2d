-- DfT's severity adjustment per collision of a configured force (the lookup files), typed.
with

source as (

    select * from {{ source('raw_stats19', 'stats19_collision_adjustment') }}

),

renamed as (

    select
        collision_index,
        partition_year as collision_year,
        cast(trim(collision_adjusted_severity_serious) as double) as adjusted_serious,
        cast(trim(collision_adjusted_severity_slight) as double) as adjusted_slight,
        try_cast(collision_injury_based as integer) as injury_based,
        source_sha256,
        source_line

    from source

)

select * from renamed
