-- The police.uk metrics of the home force and its peer forces, per financial quarter and per
-- 12 months ending with each quarter: the peer-forces arm of the funnel comparisons
-- (int_comparison_inputs). Crimes and out-of-court resolutions are rates per 1,000 residents
-- (Poisson); a positive-outcome rate is the share of the crimes recorded (binomial, percent).
-- The group is the home force and the forces the peer_forces seed has in effect at the
-- period's end (the same rule as mart_csew_peers); a force is in a period only when every
-- month of it was delivered (a missing month would make its rate look low), and only with its
-- police force area's population (the population seed's PFA rows: the estimate for the
-- financial year the period ends in, or the latest before it, as int_metric_periods takes the
-- dashboard's). Outcome metrics compare like with like: a force is in an outcome metric's
-- period only when its outcomes files are in for every month from the period's first to k
-- (var outcome_follow_up_months) months after its last, so every crime of the period, in
-- every force, is measured at its full follow-up (a young period, or a force without
-- outcomes files, would otherwise look like fewer outcomes).
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

-- Whether a metric counts outcomes (one measure per metric in every mapping version), and how
-- it is compared: the catalogue's statistical comparison, a proportion as one (binomial),
-- a count as a rate per 1,000 residents (Poisson).
metrics as (

    select distinct
        catalogue.metric_id,
        definitions.measure <> 'crimes' as is_outcome,
        case catalogue.comparison when 'proportion' then 'proportion' else 'rate' end
            as measure_kind
    from {{ ref('metric_crime_types') }} as definitions
    inner join {{ ref('int_metric_catalogue') }} as catalogue
        on catalogue.metric_id = definitions.metric_id

),

outcome_months as (

    select distinct force_slug, outcome_month from {{ ref('stg_police_uk__outcomes') }}

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

-- Members whose outcomes files cover the period and its follow-up, month by month.
outcomes_mature as (

    select members.force_slug, members.period_type, members.period_end
    from members
    inner join periods
        on periods.period_type = members.period_type
        and periods.period_end = members.period_end
    inner join outcome_months
        on outcome_months.force_slug = members.force_slug
        and outcome_months.outcome_month >= periods.period_start
        and outcome_months.outcome_month
            <= periods.period_end + to_months({{ var('outcome_follow_up_months') }})
    group by all
    having count(*)
        = any_value(periods.months_in_period) + {{ var('outcome_follow_up_months') }}

),

counted as (

    select
        members.force_slug,
        members.period_type,
        members.period_end,
        metrics.metric_id,
        any_value(metrics.measure_kind) as measure_kind,
        coalesce(sum(inputs.numerator), 0) as numerator,
        coalesce(sum(inputs.denominator), 0) as cases
    from members
    cross join metrics
    inner join windows
        on windows.period_type = members.period_type
        and windows.period_end = members.period_end
    left join inputs
        on inputs.force_slug = members.force_slug
        and inputs.metric_id = metrics.metric_id
        and inputs.month_start = windows.month_start
    where not metrics.is_outcome
        or exists (
            select 1 from outcomes_mature
            where outcomes_mature.force_slug = members.force_slug
                and outcomes_mature.period_type = members.period_type
                and outcomes_mature.period_end = members.period_end
        )
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
    cast(
        case with_population.measure_kind
            when 'proportion' then with_population.cases
            else with_population.population
        end as double
    ) as denominator,
    with_population.measure_kind,
    case with_population.measure_kind when 'proportion' then 100 else 1000 end as per
from with_population
inner join forces on forces.force_slug = with_population.force_slug
cross join home
-- A proportion of no cases has no value (and no place on a funnel plot).
where with_population.measure_kind = 'rate' or with_population.cases > 0
