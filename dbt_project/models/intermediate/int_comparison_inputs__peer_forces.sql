-- The police.uk crime metrics of the home force and its peer forces, per financial quarter and
-- per 12 months ending with each quarter, as rates per 1,000 residents: the peer-forces arm of
-- the funnel comparisons (int_comparison_inputs). The group is the home force and the forces
-- the peer_forces seed has in effect at the period's end (the same rule as mart_csew_peers);
-- a force is in a period only when every month of it was delivered (a missing month would
-- make its rate look low), and only with its police force area's population (the population
-- seed's PFA rows: the estimate for the financial year the period ends in, or the latest
-- before it, as int_metric_periods takes the dashboard's).
with

inputs as (

    select * from {{ ref('int_metric_inputs__police_uk_by_force') }}

),

forces as (

    select * from {{ ref('forces') }}

),

home as (

    select * from forces where force_slug = '{{ var("home_force") }}'

),

-- A month is delivered for a force when its street file put any row in (every delivered
-- file has thousands of crimes of the metrics' types).
delivered as (

    select distinct force_slug, month_start from inputs

),

metrics as (

    select distinct catalogue.metric_id
    from {{ ref('metric_crime_types') }} as definitions
    inner join {{ ref('int_metric_catalogue') }} as catalogue
        on catalogue.metric_id = definitions.metric_id
    where definitions.measure = 'crimes'

),

windows as (

    select * from {{ ref('int_period_windows') }} where period_type in ('quarter', 'R12')

),

periods as (

    select distinct
        period_type, period_start, period_end, months_in_period, period_fq_label,
        population_mid_year
    from windows

),

complete as (

    select delivered.force_slug, windows.period_type, windows.period_end
    from delivered
    inner join windows on windows.month_start = delivered.month_start
    group by all
    having count(*) = any_value(windows.months_in_period)

),

members as (

    select complete.force_slug, complete.period_type, complete.period_end
    from complete
    where {{ in_peer_group('complete.force_slug', 'complete.period_end') }}

),

counted as (

    select
        members.force_slug,
        members.period_type,
        members.period_end,
        metrics.metric_id,
        coalesce(sum(inputs.numerator), 0) as numerator
    from members
    cross join metrics
    inner join windows
        on windows.period_type = members.period_type
        and windows.period_end = members.period_end
    left join inputs
        on inputs.force_slug = members.force_slug
        and inputs.metric_id = metrics.metric_id
        and inputs.month_start = windows.month_start
    group by all

),

with_population as (

    select
        counted.*,
        periods.period_start,
        periods.period_fq_label,
        population.population
    from counted
    inner join periods
        on periods.period_type = counted.period_type
        and periods.period_end = counted.period_end
    inner join forces on forces.force_slug = counted.force_slug
    inner join {{ ref('population') }} as population
        on population.area_code = forces.pfa_code
        and population.mid_year <= periods.population_mid_year
    qualify row_number() over (
        partition by counted.force_slug, counted.period_type, counted.period_end, counted.metric_id
        order by population.mid_year desc
    ) = 1

)

select
    'peer_forces' as comparison,
    home.pfa_code as group_code,
    home.pfa_name || ' and its peer forces' as group_name,
    with_population.metric_id,
    case with_population.period_type when 'quarter' then 'quarter' else '12_months' end
        as period_type,
    with_population.period_start,
    with_population.period_end,
    case with_population.period_type
        when 'quarter' then replace(with_population.period_fq_label, '-', ' ')
        else '12 months to ' || replace(with_population.period_fq_label, '-', ' ')
    end as period_label,
    'force' as unit_type,
    forces.pfa_code as unit_code,
    forces.pfa_name as unit_name,
    with_population.force_slug = home.force_slug as is_home,
    cast(with_population.numerator as bigint) as numerator,
    cast(with_population.population as double) as denominator,
    'rate' as measure_kind,
    1000 as per
from with_population
inner join forces on forces.force_slug = with_population.force_slug
cross join home
