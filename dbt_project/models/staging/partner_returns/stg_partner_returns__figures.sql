-- Every partner-returned figure, typed: numeric values as numbers, yes/no kept as text.
with

source as (

    select * from {{ source('raw_partner_returns', 'partner_returns') }}

),

renamed as (

    select
        metric_id,
        area_code,
        period,
        period_type,
        try_cast(value as double) as value_number,
        case when value in ('Y', 'N') then value end as value_yes_no,
        numerator,
        denominator,
        submitted_by,
        submitted_at,
        source_file,
        source_sha256,
        source_line,
        loaded_at
    from source

)

select * from renamed
