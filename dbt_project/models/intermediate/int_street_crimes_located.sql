-- Each police.uk row of the home force placed in exactly one area member: a local authority
-- (= its Community Safety Partnership), "no location", or "outside the force area".
-- The local authority is read from the LSOA name ("Charnwood 009G" -> Charnwood), which works
-- for 2011 and 2021 LSOA codes alike.
--
-- Incremental by delivered file. A row's placement depends only on the row itself and the
-- areas seed, so a build keeps the rows of every file still in staging, deletes those of files
-- that left it (a month replaced by a corrected file, a file rolled back) and adds the rows of
-- files new to it: the same rows as building it whole, without rewriting ten years of them for
-- one new month. A build after any change to the models or seeds (a new code fingerprint), or
-- after a build that did not publish, is a full build, and full builds rebuild it whole
-- (--full-refresh: scoped_build_args in orchestration/defs/warehouse/dbt_assets.py; which
-- build is which: publication/build_scope.py), so a changed rule never meets old rows.
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ remove_home_force_rows_of_files_gone('stg_police_uk__street_crimes') }}",
    )
}}

with

crimes as (

    select * from {{ ref('stg_police_uk__street_crimes') }}
    where force_slug = '{{ var("home_force") }}'
    {% if is_incremental() %}
        and source_sha256 not in (select distinct source_sha256 from {{ this }})
    {% endif %}

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
