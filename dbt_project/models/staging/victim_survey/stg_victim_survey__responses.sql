-- One row per survey response. Comments are not here: they never leave the restricted schema.
with

source as (

    select * from {{ source('raw_victim_survey', 'victim_survey_responses') }}

),

renamed as (

    select
        survey,
        response_id,
        response_date,
        partition_month as month_start,
        overall_satisfaction,
        crime_group,
        area_code,
        source_sha256,
        source_line
    from source

)

select * from renamed
