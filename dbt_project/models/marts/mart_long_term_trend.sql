-- Total police recorded crime in the force area by financial year (seed 004, appendix A), from
-- police.uk: every crime type except anti-social behaviour, which is shown beside it. A year
-- not wholly loaded is marked incomplete and gets no change figures.
with

crimes as (

    select * from {{ ref('int_street_crimes_located') }}

),

calendar as (

    select month_start, fy_label, fy_start from {{ ref('dim_month') }}

),

by_year as (

    select
        calendar.fy_label,
        calendar.fy_start,
        count(*) filter (where crimes.crime_type <> 'Anti-social behaviour') as recorded_crime,
        count(*) filter (where crimes.crime_type = 'Anti-social behaviour') as anti_social_behaviour,
        count(distinct crimes.month_start) as months_loaded
    from crimes
    inner join calendar on calendar.month_start = crimes.month_start
    group by all

),

population as (

    select mid_year, population, is_provisional
    from {{ ref('int_population_by_area_year') }}
    where area_code = (select area_code from {{ ref('dim_area') }} where area_type = 'force')

),

compared as (

    select
        by_year.*,
        months_loaded = 12 as is_complete,
        lag(recorded_crime) over (order by fy_start) as previous_recorded_crime,
        lag(months_loaded) over (order by fy_start) = 12 as previous_is_complete,
        population.population,
        population.is_provisional as population_is_provisional
    from by_year
    left join population on population.mid_year = year(by_year.fy_start)

)

select
    cast(fy_label as varchar) as fy_label,
    cast(fy_start as date) as fy_start,
    cast(recorded_crime as bigint) as recorded_crime,
    cast(anti_social_behaviour as bigint) as anti_social_behaviour,
    cast(months_loaded as integer) as months_loaded,
    cast(is_complete as boolean) as is_complete,
    cast(population as bigint) as population,
    cast(recorded_crime / population * 1000 as double) as recorded_crime_per_1000,
    cast(population_is_provisional as boolean) as population_is_provisional,
    cast(case when is_complete and previous_is_complete
              then recorded_crime - previous_recorded_crime end as bigint) as change_count,
    cast(case when is_complete and previous_is_complete
              then 100.0 * (recorded_crime - previous_recorded_crime) / previous_recorded_crime
         end as double) as change_pct
from compared
