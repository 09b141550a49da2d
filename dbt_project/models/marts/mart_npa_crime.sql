-- police.uk crime by neighbourhood policing area (NPA) x metric x month and financial quarter,
-- beside the same period a year earlier, with the change and whether it is more than chance:
-- seed 003 (iii)'s table ("reported crime for January 2024 compared to January 2023"), with
-- counts beside every percentage. The test is the dashboard's (macros/change_tests.sql,
-- statistics.sql): rate ratio on exposure = residents x months, its SE inflated by sqrt(phi),
-- phi the over-dispersion of the NPA's own monthly counts (int_npa_dispersion, at the last
-- quarter end up to the period's end); the exact conditional binomial test under
-- var exact_test_below_events events. Members with no residents (no location, outside the
-- force area, unmapped LSOA) are compared on months alone. Only complete periods (every month
-- delivered) in both years are tested. The LSOA -> NPA mapping is an approximation until the
-- force's list replaces it (is_approximation).
with

monthly as (

    select * from {{ ref('int_npa_metric_months') }}

),

windows as (

    select * from {{ ref('int_period_windows') }}
    where period_type in ('month', 'quarter')

),

members as (

    select * from {{ ref('int_npa_members') }}

),

periods as (

    select
        windows.period_type,
        windows.period_start,
        windows.period_end,
        windows.period_label,
        windows.population_mid_year,
        monthly.metric_id,
        monthly.npa_code,
        max(monthly.mapping_version) as mapping_version,
        sum(monthly.crimes) as crime_count,
        count(*) as months_loaded,
        any_value(windows.months_in_period) as months_in_period
    from monthly
    inner join windows on windows.month_start = monthly.month_start
    group by all

),

populated as (

    select
        periods.*,
        periods.months_loaded = periods.months_in_period as is_complete_period,
        population.population,
        population.is_provisional as population_is_provisional,
        -- Poisson exposure (BRIEF.md): residents x months; months alone without residents.
        coalesce(population.population, 1) * periods.months_in_period as exposure
    from periods
    left join {{ ref('int_npa_population') }} as population
        on population.mapping_version = periods.mapping_version
        and population.npa_code = periods.npa_code
        and population.mid_year = periods.population_mid_year

),

compared as (

    select
        populated.*,
        year_ago.period_label as year_ago_period_label,
        year_ago.crime_count as year_ago_crime_count,
        year_ago.population as year_ago_population,
        year_ago.exposure as year_ago_exposure,
        year_ago.is_complete_period as year_ago_is_complete
    from populated
    left join populated as year_ago
        on year_ago.period_type = populated.period_type
        and year_ago.period_start = populated.period_start - interval 1 year
        and year_ago.metric_id = populated.metric_id
        and year_ago.npa_code = populated.npa_code

),

with_phi as (

    select
        compared.*,
        coalesce(dispersion.phi, 1.0) as phi,
        coalesce(dispersion.phi_estimated, false) as phi_estimated
    from compared
    asof left join {{ ref('int_npa_dispersion') }} as dispersion
        on dispersion.metric_id = compared.metric_id
        and dispersion.npa_code = compared.npa_code
        and dispersion.period_end <= compared.period_end

),

tested as (

    select
        *,
        case when is_complete_period and year_ago_is_complete
            then {{ poisson_test_used('year_ago_crime_count', 'crime_count') }}
        end as test_used
    from with_phi

),

statistics as (

    select
        *,
        case when test_used is not null and year_ago_crime_count > 0 and crime_count > 0
            then (crime_count / exposure) / (year_ago_crime_count / year_ago_exposure)
        end as rate_ratio,
        case when test_used is not null and year_ago_crime_count > 0 and crime_count > 0
            then pcp_poisson_z(year_ago_crime_count, year_ago_exposure, crime_count, exposure, phi)
        end as z
    from tested

),

tested_p as (

    select
        *,
        case
            when test_used = 'poisson_exact'
                then pcp_exact_rate_p(year_ago_crime_count, year_ago_exposure, crime_count,
                                      exposure)
            when z is not null then pcp_two_sided_p(z)
        end as p
    from statistics

),

metric_names as (

    select cast(metric_id as varchar) as metric_id, metric_name
    from {{ ref('int_metric_catalogue') }}

    union all

    select 'all_crime', 'All crime (police.uk, every crime type but anti-social behaviour)'

)

select
    cast(tested_p.period_type as varchar) as period_type,
    cast(tested_p.period_start as date) as period_start,
    cast(tested_p.period_end as date) as period_end,
    cast(tested_p.period_label as varchar) as period_label,
    cast(tested_p.mapping_version as integer) as mapping_version,
    cast(members.is_approximation as boolean) as mapping_is_approximation,
    cast(tested_p.npa_code as varchar) as npa_code,
    cast(members.npa_name as varchar) as npa_name,
    cast(members.member_type as varchar) as member_type,
    cast(members.in_seed_003_list as boolean) as in_seed_003_list,
    cast(members.sort_order as integer) as sort_order,
    cast(members.rate_comparable as boolean) as rate_comparable,
    cast(members.rate_note as varchar) as rate_note,
    cast(tested_p.metric_id as varchar) as metric_id,
    cast(metric_names.metric_name as varchar) as metric_name,
    cast(tested_p.crime_count as bigint) as crime_count,
    cast(tested_p.months_loaded as integer) as months_loaded,
    cast(tested_p.is_complete_period as boolean) as is_complete_period,
    cast(tested_p.population as bigint) as population,
    cast(tested_p.population_is_provisional as boolean) as population_is_provisional,
    cast(tested_p.year_ago_period_label as varchar) as year_ago_period_label,
    cast(tested_p.year_ago_crime_count as bigint) as year_ago_crime_count,
    cast(tested_p.year_ago_population as bigint) as year_ago_population,
    cast(tested_p.crime_count - tested_p.year_ago_crime_count as bigint) as change_count,
    cast(
        {{ percent_change('tested_p.crime_count', 'tested_p.year_ago_crime_count',
                          'tested_p.year_ago_crime_count') }} as double
    ) as pct_change,
    cast(
        case
            when tested_p.year_ago_crime_count is null then null
            when tested_p.crime_count > tested_p.year_ago_crime_count then '↑'
            when tested_p.crime_count < tested_p.year_ago_crime_count then '↓'
            else '↔'
        end as varchar
    ) as direction,
    cast(tested_p.test_used as varchar) as test_used,
    cast(tested_p.phi as double) as phi,
    cast(tested_p.phi_estimated as boolean) as phi_estimated,
    cast(tested_p.rate_ratio as double) as rate_ratio,
    cast(tested_p.z as double) as z,
    cast(tested_p.p as double) as p,
    cast({{ significance_label('tested_p.p') }} as varchar) as significance
from tested_p
inner join members
    on members.mapping_version = tested_p.mapping_version
    and members.npa_code = tested_p.npa_code
inner join metric_names on metric_names.metric_id = tested_p.metric_id
