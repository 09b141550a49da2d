-- The Home Office table's offence-code metrics for every CSP of England and Wales, per 1,000
-- residents, in the shape every comparison feeds the funnel plots (int_comparison_inputs):
-- each CSP against all CSPs ('all_csps', group 'E+W') and each home CSP's family of similar
-- CSPs ('csp_family', group = the home CSP; seeds/csp_families.csv, effective-dated). Periods:
-- the financial quarter and the 12 months ending with it, each only when the CSP was
-- delivered for every quarter of it. Denominator: the CSP's mid-year population of the
-- period's financial year (seeds/csp_population.csv: ONS estimates summed over the CSP's local
-- authorities; later years carried forward and flagged provisional there).
with

offences as (

    select * from {{ ref('int_csp_offence_metrics') }}

),

quarters as (

    select quarter_start, quarter_end, fy_label, fiscal_quarter, population_mid_year
    from {{ ref('int_calendar_months') }}
    where month_start = quarter_start

),

periods as (

    -- Each quarter end, with the quarters of its two periods.
    select
        'quarter' as period_type,
        ends.quarter_start as period_start,
        ends.quarter_end as period_end,
        ends.fy_label || ' Q' || ends.fiscal_quarter as period_label,
        ends.population_mid_year,
        1 as quarters_in_period,
        ends.quarter_start as member_quarter_start
    from quarters as ends

    union all

    select
        '12_months',
        cast(ends.quarter_start - interval 9 month as date),
        ends.quarter_end,
        '12 months to ' || ends.fy_label || ' Q' || ends.fiscal_quarter,
        ends.population_mid_year,
        4,
        members.quarter_start
    from quarters as ends
    inner join quarters as members
        on members.quarter_start between ends.quarter_start - interval 9 month
        and ends.quarter_start

),

by_period as (

    select
        periods.period_type,
        periods.period_start,
        periods.period_end,
        periods.period_label,
        periods.population_mid_year,
        offences.metric_id,
        offences.csp_code,
        sum(offences.offences) as numerator
    from periods
    inner join offences on offences.quarter_start = periods.member_quarter_start
    group by all
    -- Complete periods only: every quarter of the period delivered for the CSP.
    having count(*) = any_value(periods.quarters_in_period)

),

csps as (

    select csps.csp_code, csps.csp_name, csps.pfa_code, csps.pfa_code = home.pfa_code as is_home
    from {{ ref('csps') }} as csps
    cross join (
        select pfa_code from {{ ref('forces') }} where force_slug = '{{ var("home_force") }}'
    ) as home

),

units as (

    select
        by_period.*,
        csps.csp_name,
        csps.is_home,
        population.population
    from by_period
    inner join csps on csps.csp_code = by_period.csp_code
    inner join {{ ref('csp_population') }} as population
        on population.csp_code = by_period.csp_code
        and population.mid_year = by_period.population_mid_year

),

groups as (

    select 'all_csps' as comparison, 'E+W' as group_code,
           'All CSPs of England and Wales' as group_name, units.*
    from units

    union all

    select 'csp_family', families.csp_code, 'Family of ' || home.csp_name, units.*
    from units
    inner join {{ ref('csp_families') }} as families
        on families.family_csp_code = units.csp_code
        and families.effective_from <= units.period_start
        and (families.effective_to is null or families.effective_to > units.period_end)
    inner join csps as home on home.csp_code = families.csp_code

)

select
    cast(comparison as varchar) as comparison,
    cast(group_code as varchar) as group_code,
    cast(group_name as varchar) as group_name,
    cast(metric_id as varchar) as metric_id,
    cast(period_type as varchar) as period_type,
    cast(period_start as date) as period_start,
    cast(period_end as date) as period_end,
    cast(period_label as varchar) as period_label,
    cast('csp' as varchar) as unit_type,
    cast(csp_code as varchar) as unit_code,
    cast(csp_name as varchar) as unit_name,
    cast(is_home as boolean) as is_home,
    cast(numerator as bigint) as numerator,
    cast(population as double) as denominator,
    cast('rate' as varchar) as measure_kind,
    cast(1000 as integer) as per
from groups
