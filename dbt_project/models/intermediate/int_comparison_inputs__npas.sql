-- The neighbourhood policing areas' (NPA) input to the funnel comparison (the shared contract
-- of int_comparison_inputs; comparison 'npas', each NPA of the home force within the force):
-- per catalogue metric counted as crimes, per financial quarter and per 12 months ending with
-- it, the NPA's crimes over its residents (a rate per 1,000 residents). Left out, each for a
-- reason: periods not complete (a month not delivered); 'all_crime' (not a catalogue metric);
-- members with no residents (no location, outside the force area, unmapped LSOA); and NPAs
-- whose resident population is not an honest denominator (npas.rate_comparable false, with
-- npas.rate_note saying why: the City Centre). Residents: int_npa_population for the mid-year
-- of the period's last quarter (int_period_windows.population_mid_year, as the dashboard).
with

monthly as (

    select monthly.*
    from {{ ref('int_npa_metric_months') }} as monthly
    inner join {{ ref('int_metric_catalogue') }} as metrics
        on cast(metrics.metric_id as varchar) = monthly.metric_id

),

windows as (

    select * from {{ ref('int_period_windows') }}
    where period_type in ('quarter', 'R12')

),

members as (

    select * from {{ ref('int_npa_members') }}
    where member_type = 'npa' and rate_comparable

),

force as (

    select area_code, area_name from {{ ref('int_areas') }} where area_type = 'force'

),

periods as (

    select
        case windows.period_type when 'quarter' then 'quarter' else '12_months' end
            as period_type,
        windows.period_start,
        windows.period_end,
        case windows.period_type
            when 'quarter' then replace(windows.period_fq_label, '-', ' ')
            else '12 months to ' || replace(windows.period_fq_label, '-', ' ')
        end as period_label,
        windows.population_mid_year,
        monthly.metric_id,
        monthly.npa_code,
        max(monthly.mapping_version) as mapping_version,
        sum(monthly.crimes) as numerator,
        count(*) as months_loaded,
        any_value(windows.months_in_period) as months_in_period
    from monthly
    inner join windows on windows.month_start = monthly.month_start
    group by all

)

select
    cast('npas' as varchar) as comparison,
    cast(force.area_code as varchar) as group_code,
    cast(force.area_name as varchar) as group_name,
    cast(periods.metric_id as varchar) as metric_id,
    cast(periods.period_type as varchar) as period_type,
    cast(periods.period_start as date) as period_start,
    cast(periods.period_end as date) as period_end,
    cast(periods.period_label as varchar) as period_label,
    cast('npa' as varchar) as unit_type,
    cast(periods.npa_code as varchar) as unit_code,
    cast(members.npa_name as varchar) as unit_name,
    cast(true as boolean) as is_home,
    cast(periods.numerator as bigint) as numerator,
    cast(population.population as double) as denominator,
    cast('rate' as varchar) as measure_kind,
    cast(1000 as integer) as per
from periods
inner join members
    on members.mapping_version = periods.mapping_version
    and members.npa_code = periods.npa_code
inner join {{ ref('int_npa_population') }} as population
    on population.mapping_version = periods.mapping_version
    and population.npa_code = periods.npa_code
    and population.mid_year = periods.population_mid_year
cross join force
where periods.months_loaded = periods.months_in_period
