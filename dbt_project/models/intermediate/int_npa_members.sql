-- The members every police.uk row of the home force is placed in, per version of the
-- neighbourhood policing area (NPA) mapping: the NPAs of the version (North West
-- Leicestershire included though seed 003's list leaves it out) and explicit members for rows
-- with no location, located outside the force area, or in an LSOA of the force area the
-- mapping does not hold, so NPA totals add up to every row delivered.
with

npas as (

    select * from {{ ref('npas') }}

),

versions as (

    select * from {{ ref('npa_mapping_versions') }}

),

unplaced as (

    select * from (
        values
            ('ZZ-NOLOC', 'No location recorded', 'no_location', 101),
            ('ZZ-OUTSIDE', 'Outside the force area', 'outside_area', 102),
            ('ZZ-UNMAPPED', 'In the force area, LSOA not in the NPA mapping', 'unmapped', 103)
    ) as members (npa_code, npa_name, member_type, sort_order)

)

select
    cast(versions.mapping_version as integer) as mapping_version,
    cast(npas.npa_code as varchar) as npa_code,
    cast(npas.npa_name as varchar) as npa_name,
    cast('npa' as varchar) as member_type,
    cast(npas.in_seed_003_list as boolean) as in_seed_003_list,
    cast(npas.sort_order as integer) as sort_order,
    cast(npas.rate_comparable as boolean) as rate_comparable,
    cast(npas.rate_note as varchar) as rate_note,
    cast(versions.is_approximation as boolean) as is_approximation
from npas
inner join versions on versions.mapping_version = npas.mapping_version

union all

select
    versions.mapping_version,
    unplaced.npa_code,
    unplaced.npa_name,
    unplaced.member_type,
    false,
    unplaced.sort_order,
    false,
    'No resident population: counted, never rated',
    versions.is_approximation
from versions
cross join unplaced
