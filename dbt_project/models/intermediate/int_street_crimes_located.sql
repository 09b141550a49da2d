-- Each police.uk row of the home force placed in exactly one area member: a local authority
-- (= its Community Safety Partnership), "no location", or "outside the force area".
-- The local authority is read from the LSOA name ("Charnwood 009G" -> Charnwood), which works
-- for 2011 and 2021 LSOA codes alike.
with

crimes as (

    select * from {{ ref('stg_police_uk__street_crimes') }}
    where force_slug = '{{ var("home_force") }}'

),

local_authorities as (

    select area_code, lsoa_name_prefix
    from {{ ref('areas') }}
    where area_type = 'local_authority'

),

named as (

    select
        *,
        nullif(regexp_extract(lsoa_name, '^(.*) [0-9]{3}[A-Z]$', 1), '') as lsoa_area_name
    from crimes

),

located as (

    select
        named.*,
        case
            when named.lsoa_code is null and named.lsoa_name is null then 'no_location'
            when local_authorities.area_code is not null then 'in_force_area'
            else 'outside_force_area'
        end as location_status,
        case
            when named.lsoa_code is null and named.lsoa_name is null then 'ZZ-NOLOC'
            when local_authorities.area_code is not null then local_authorities.area_code
            else 'ZZ-OUTSIDE'
        end as area_code
    from named
    left join local_authorities
        on named.lsoa_area_name = local_authorities.lsoa_name_prefix

)

select * from located
