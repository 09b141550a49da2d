-- One row per line of a police.uk street-level file: renamed and typed, nothing derived.
with

source as (

    select * from {{ source('raw', 'police_uk_street') }}

),

renamed as (

    select
        nullif(crime_id, '') as crime_id,
        partition_month as month_start,
        force_slug,
        reported_by,
        falls_within,
        try_cast(longitude as double) as longitude,
        try_cast(latitude as double) as latitude,
        nullif(location, '') as location,
        nullif(lsoa_code, '') as lsoa_code,
        nullif(lsoa_name, '') as lsoa_name,
        crime_type,
        nullif(last_outcome_category, '') as last_outcome_category,
        nullif(context, '') as context,
        source_sha256,
        source_line

    from source

)

select * from renamed
