-- The home force's police.uk rows counted by neighbourhood policing area (NPA), month and crime
-- type (grain month_start x npa_code x crime_type). Each month is placed with the version of
-- the LSOA -> NPA mapping in force for it (npa_mapping_versions: valid_from inclusive,
-- valid_to exclusive). The LSOA code is looked up whatever its vintage (the mapping holds 2011
-- and 2021 codes). Rows with no location, outside the force area, or in the force area under
-- an LSOA the mapping does not hold keep explicit members (int_npa_members): nothing dropped.
with

crimes as (

    select month_start, lsoa_code, location_status, crime_type, count(*) as crimes
    from {{ ref('int_street_crimes_located') }}
    where force_slug = '{{ var("home_force") }}'
    group by all

),

versions as (

    select * from {{ ref('npa_mapping_versions') }}

),

lsoas as (

    select * from {{ ref('npa_lsoas') }}

),

placed as (

    select
        crimes.month_start,
        versions.mapping_version,
        case crimes.location_status
            when 'no_location' then 'ZZ-NOLOC'
            when 'outside_force_area' then 'ZZ-OUTSIDE'
            else coalesce(lsoas.npa_code, 'ZZ-UNMAPPED')
        end as npa_code,
        crimes.crime_type,
        crimes.crimes
    from crimes
    inner join versions
        on crimes.month_start >= versions.valid_from
        and (versions.valid_to is null or crimes.month_start < versions.valid_to)
    left join lsoas
        on lsoas.mapping_version = versions.mapping_version
        and lsoas.lsoa_code = crimes.lsoa_code

)

select
    cast(month_start as date) as month_start,
    cast(mapping_version as integer) as mapping_version,
    cast(npa_code as varchar) as npa_code,
    cast(crime_type as varchar) as crime_type,
    cast(sum(crimes) as bigint) as crimes
from placed
group by all
