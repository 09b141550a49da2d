-- Home Office recorded crime by CSP, quarter and offence code: typed, the CSP given its code.
with

source as (

    select * from {{ source('raw_home_office', 'home_office_csp_crime') }}

),

csps as (

    -- Every CSP of England and Wales (the ONS lookup), so the national table keeps them all.
    select csp_code, csp_name from {{ ref('csps') }}

),

renamed as (

    select
        source.financial_year as fy_label,
        cast(source.financial_quarter as integer) as fiscal_quarter,
        source.partition_quarter as quarter_start,
        source.force_name,
        source.csp_name,
        csps.csp_code,
        source.offence_code,
        source.offence_description,
        source.offence_group,
        source.offence_subgroup,
        cast(source.number_of_offences as bigint) as offences,
        source.source_sha256,
        source.source_line
    from source
    left join csps on lower(csps.csp_name) = lower(source.csp_name)

)

select * from renamed
