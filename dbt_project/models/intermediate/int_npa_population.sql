-- Residents of each neighbourhood policing area (NPA) by mid-year (grain mapping_version x
-- npa_code x mid_year): the sum over local authorities of the NPA's share of each
-- (npa_population_shares) times the authority's ONS mid-year estimate (population seed). NPAs of
-- whole authorities are exact; the city NPAs carry a fixed share of Leicester (ONS mid-2020
-- MSOA estimates split by LSOAs), so their figures are approximate, as the shares say.
with

shares as (

    select * from {{ ref('npa_population_shares') }}

),

population as (

    select * from {{ ref('int_population_by_area_year') }}

)

select
    cast(shares.mapping_version as integer) as mapping_version,
    cast(shares.npa_code as varchar) as npa_code,
    cast(population.mid_year as integer) as mid_year,
    cast(round({{ exact_sum('shares.population_share * population.population') }}) as bigint)
        as population,
    cast(bool_or(population.is_provisional) as boolean) as is_provisional,
    cast(bool_or(shares.population_share < 1) as boolean) as is_share_of_authority
from shares
inner join population on population.area_code = shares.area_code
group by all
