-- One row per STATS19 collision of a configured force: renamed and typed.
with

source as (

    select * from {{ source('raw_stats19', 'stats19_collision') }}

),

renamed as (

    select
        collision_index,
        try_cast(collision_year as integer) as collision_year,
        try_cast(police_force as integer) as police_force,
        try_cast(collision_severity as integer) as collision_severity,
        cast(strptime(date, '%d/%m/%Y') as date) as collision_date,
        partition_month as month_start,
        nullif(nullif(local_authority_ons_district, ''), '-1') as local_authority_ons_district,
        nullif(nullif(lsoa_of_collision_location, ''), '-1') as lsoa_code,
        try_cast(longitude as double) as longitude,
        try_cast(latitude as double) as latitude,
        is_provisional,
        source_sha256,
        source_line

    from source

)

select * from renamed
