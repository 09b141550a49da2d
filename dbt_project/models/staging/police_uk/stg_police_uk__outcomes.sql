-- One row per line of a police.uk outcomes file: renamed and typed, nothing derived.
with

source as (

    select * from {{ source('raw', 'police_uk_outcomes') }}

),

renamed as (

    select
        crime_id,
        partition_month as outcome_month,
        force_slug,
        nullif(lsoa_code, '') as lsoa_code,
        nullif(lsoa_name, '') as lsoa_name,
        outcome_type,
        source_sha256,
        source_line

    from source

)

select * from renamed
