-- DfT's severity adjustment per casualty of a configured force (the lookup files), typed. Intake
-- refused any row whose probabilities are not numbers from 0 to 1 adding up to 1.
with

source as (

    select * from {{ source('raw_stats19', 'stats19_casualty_adjustment') }}

),

renamed as (

    select
        collision_index,
        casualty_reference,
        partition_year as collision_year,
        cast(trim(casualty_adjusted_severity_serious) as double) as adjusted_serious,
        cast(trim(casualty_adjusted_severity_slight) as double) as adjusted_slight,
        try_cast(casualty_injury_based as integer) as injury_based,
        source_sha256,
        source_line

    from source

)

select * from renamed
