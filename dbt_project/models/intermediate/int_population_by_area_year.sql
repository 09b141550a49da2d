-- Mid-year population per area and year, with the force as the sum of its local authorities.
-- A force figure is provisional when any of its parts is. The seed's police force area rows
-- (every PFA, for comparing forces: int_comparison_inputs__peer_forces) are left out here, so
-- the home force stays the sum of its own authorities and is never counted twice.
with

population as (

    select * from {{ ref('population') }}
    where area_code not in (select pfa_code from {{ ref('forces') }})

),

force as (

    select area_code from {{ ref('int_areas') }} where area_type = 'force'

)

select area_code, mid_year, population, estimate_vintage, is_provisional
from population

union all

select
    force.area_code,
    population.mid_year,
    sum(population.population),
    string_agg(distinct population.estimate_vintage, '; ' order by population.estimate_vintage),
    bool_or(population.is_provisional)
from population
cross join force
group by all
