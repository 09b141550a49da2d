-- Funnel plots (Spiegelhalter 2005, "Funnel plots for comparing institutional performance",
-- Stat Med 24:1185-1202): each unit of a comparison group against the group's target, with
-- 95% and 99.8% limits at the unit's denominator, before and after adjusting for
-- over-dispersion, a verdict and a rank with an honest interval.
--
-- Limits: the normal approximation on the value's own scale, without continuity correction
-- (the paper's Table I: target +/- z x sqrt(V(target) / denominator), with V = target x per
-- for a Poisson rate and target x (per - target) for a binomial proportion). Why not exact
-- limits: the over-dispersion adjustments of the paper (sections 6.3-6.4) are defined on this
-- normal z-score scale, so the unadjusted and adjusted limits and the z-scores stay one
-- consistent family; and the units compared here are populations of tens of thousands to
-- millions, where the exact Poisson limits and these agree. Where the expected count is small
-- (a rare offence in a small CSP: expected_count says so) the lower limit is floored at 0.
--
-- Target: the group's pooled value (sum of numerators / sum of denominators), the paper's
-- choice when no external standard is given.
--
-- Over-dispersion (paper sections 6.3-6.4): phi = the mean of the squared z-scores after
-- Winsorising them at var funnel_winsor_fraction (10%) in each tail (each z below the 10th
-- percentile, by linear interpolation, set to it; above the 90th likewise). The group is
-- over-dispersed when units x phi exceeds units - 1, the expectation of its chi-square under
-- no over-dispersion (and at least var funnel_min_units units: too few to estimate phi
-- otherwise). Then, by var funnel_overdispersion_method: 'multiplicative' widens each limit by
-- sqrt(phi); 'additive' (the default: populations are large, so even small real differences
-- between units dwarf Poisson noise, and a multiplicative factor would leave the big units'
-- funnel far too narrow; the paper prefers random effects there) adds the between-unit
-- variance tau^2 = (units x phi - (units - 1)) / (sum w - sum w^2 / sum w), w = 1 / V(target)
-- x denominator (DerSimonian-Laird), so the limits are target +/- z x sqrt(V / n + tau^2).
-- Each group records which was used. The verdict reads the adjusted limits.
with

inputs as (

    select * from {{ ref('int_comparison_inputs') }}
    where denominator > 0

),

groups as (

    select
        comparison, group_code, metric_id, period_type, period_start,
        count(*) as units,
        sum(numerator) as group_numerator,
        cast({{ exact_sum('denominator') }} as double) as group_denominator,
        -- For tau^2: sum w - sum w^2 / sum w = (S1 - S2 / S1) / V(target), S1 = sum of the
        -- denominators and S2 of their squares (exact, and small enough for the decimal).
        cast({{ exact_sum('denominator * denominator') }} as double) as sum_denominator_squared
    from inputs
    group by all

),

targeted as (

    select
        inputs.*,
        groups.units,
        groups.group_numerator,
        groups.group_denominator,
        groups.sum_denominator_squared,
        inputs.numerator / inputs.denominator * inputs.per as value,
        groups.group_numerator / groups.group_denominator * inputs.per as target_value
    from inputs
    inner join groups using (comparison, group_code, metric_id, period_type, period_start)

),

scored as (

    select
        *,
        -- V(target) on the value's scale: the variance of one unit's value is this / n.
        case measure_kind
            when 'rate' then target_value * per
            else target_value * (per - target_value)
        end as unit_variance_at_target,
        (value - target_value)
            / nullif(sqrt(
                case measure_kind
                    when 'rate' then target_value * per
                    else target_value * (per - target_value)
                end / denominator
            ), 0) as z_unadjusted
    from targeted

),

winsor_bounds as (

    select
        comparison, group_code, metric_id, period_type, period_start,
        quantile_cont(z_unadjusted, {{ var('funnel_winsor_fraction') }}) as z_low,
        quantile_cont(z_unadjusted, 1 - {{ var('funnel_winsor_fraction') }}) as z_high
    from scored
    group by all

),

dispersion as (

    select
        scored.comparison, scored.group_code, scored.metric_id, scored.period_type,
        scored.period_start,
        {{ exact_mean(
            'power(least(greatest(scored.z_unadjusted, winsor_bounds.z_low), winsor_bounds.z_high), 2)'
        ) }} as phi
    from scored
    inner join winsor_bounds using (comparison, group_code, metric_id, period_type, period_start)
    group by all

),

adjusted as (

    select
        scored.*,
        dispersion.phi,
        greatest(0.0,
            (scored.units * dispersion.phi - (scored.units - 1))
            * scored.unit_variance_at_target
            / nullif(scored.group_denominator
                - scored.sum_denominator_squared / scored.group_denominator, 0)
        ) as tau_squared,
        scored.units >= {{ var('funnel_min_units') }}
            and scored.units * dispersion.phi > scored.units - 1 as is_overdispersed
    from scored
    inner join dispersion using (comparison, group_code, metric_id, period_type, period_start)

),

limits as (

    select
        *,
        case
            when not coalesce(is_overdispersed, false) then 'none'
            else '{{ var("funnel_overdispersion_method") }}'
        end as overdispersion_adjustment,
        sqrt(unit_variance_at_target / denominator) as sd_unadjusted
    from adjusted

),

with_sd as (

    select
        *,
        {{ funnel_sd_adjusted() }} as sd_adjusted,
        -- The unit's own 95% interval, for the rank interval: Poisson on the square-root scale
        -- (variance-stabilised, so 0 events still has a width), Wilson for a proportion.
        case measure_kind
            when 'rate' then power(greatest(sqrt(numerator) - 1.959963984540054 / 2, 0), 2)
                / denominator * per
            else pcp_wilson_bound(numerator, denominator, -1) / 100 * per
        end as interval_lower,
        case measure_kind
            when 'rate' then power(sqrt(numerator) + 1.959963984540054 / 2, 2)
                / denominator * per
            else pcp_wilson_bound(numerator, denominator, 1) / 100 * per
        end as interval_upper
    from limits

),

ranked as (

    select
        *,
        row_number() over (
            partition by comparison, group_code, metric_id, period_type, period_start
            order by value desc, unit_code
        ) as rank_in_group
    from with_sd

),

interval_ends as (

    -- Each unit's 95% interval as its two ends, to count the units certainly above and below
    -- each one by sorting (n log n) rather than comparing every pair (n^2: 314 CSPs are
    -- 98,596 pairs a group).
    select
        comparison, group_code, metric_id, period_type, period_start, unit_code,
        interval_lower as bound, 'lower' as end_kind
    from with_sd
    union all
    select
        comparison, group_code, metric_id, period_type, period_start, unit_code,
        interval_upper, 'upper'
    from with_sd

),

counted_ends as (

    select
        *,
        -- At a unit's upper end: the lower ends strictly above it, i.e. the units whose whole
        -- interval lies above this one's (at a tie the upper end sorts first: not counted).
        count(*) filter (where end_kind = 'lower') over (
            partition by comparison, group_code, metric_id, period_type, period_start
            order by bound desc, end_kind desc
            rows between unbounded preceding and current row
        ) as lower_ends_above,
        -- At a unit's lower end: the upper ends strictly below it (at a tie the lower end
        -- sorts first).
        count(*) filter (where end_kind = 'upper') over (
            partition by comparison, group_code, metric_id, period_type, period_start
            order by bound asc, end_kind asc
            rows between unbounded preceding and current row
        ) as upper_ends_below
    from interval_ends

),

rank_bounds as (

    -- A unit is certainly below another when its whole 95% interval is below the other's.
    select
        comparison, group_code, metric_id, period_type, period_start, unit_code,
        max(lower_ends_above) filter (where end_kind = 'upper') as certainly_above,
        max(upper_ends_below) filter (where end_kind = 'lower') as certainly_below
    from counted_ends
    group by all

)

select
    cast(ranked.comparison as varchar) as comparison,
    cast(ranked.group_code as varchar) as group_code,
    cast(ranked.group_name as varchar) as group_name,
    cast(ranked.metric_id as varchar) as metric_id,
    cast(ranked.period_type as varchar) as period_type,
    cast(ranked.period_start as date) as period_start,
    cast(ranked.period_end as date) as period_end,
    cast(ranked.period_label as varchar) as period_label,
    cast(ranked.unit_type as varchar) as unit_type,
    cast(ranked.unit_code as varchar) as unit_code,
    cast(ranked.unit_name as varchar) as unit_name,
    cast(ranked.is_home as boolean) as is_home,
    cast(ranked.numerator as bigint) as numerator,
    cast(ranked.denominator as double) as denominator,
    cast(ranked.measure_kind as varchar) as measure_kind,
    cast(ranked.per as integer) as per,
    cast(ranked.value as double) as value,
    cast(ranked.target_value as double) as target_value,
    cast(ranked.target_value / ranked.per * ranked.denominator as double) as expected_count,
    cast(ranked.units as integer) as units_in_group,
    cast(greatest(ranked.target_value - 1.959963984540054 * ranked.sd_unadjusted, 0) as double)
        as lower_95,
    cast({{ funnel_upper('ranked.target_value + 1.959963984540054 * ranked.sd_unadjusted', 'ranked') }} as double)
        as upper_95,
    cast(greatest(ranked.target_value - 3.090232306167813 * ranked.sd_unadjusted, 0) as double)
        as lower_99_8,
    cast({{ funnel_upper('ranked.target_value + 3.090232306167813 * ranked.sd_unadjusted', 'ranked') }} as double)
        as upper_99_8,
    cast(greatest(ranked.target_value - 1.959963984540054 * ranked.sd_adjusted, 0) as double)
        as lower_95_adjusted,
    cast({{ funnel_upper('ranked.target_value + 1.959963984540054 * ranked.sd_adjusted', 'ranked') }} as double)
        as upper_95_adjusted,
    cast(greatest(ranked.target_value - 3.090232306167813 * ranked.sd_adjusted, 0) as double)
        as lower_99_8_adjusted,
    cast({{ funnel_upper('ranked.target_value + 3.090232306167813 * ranked.sd_adjusted', 'ranked') }} as double)
        as upper_99_8_adjusted,
    cast(ranked.phi as double) as phi,
    cast(ranked.tau_squared as double) as tau_squared,
    cast(coalesce(ranked.is_overdispersed, false) as boolean) as is_overdispersed,
    cast(ranked.overdispersion_adjustment as varchar) as overdispersion_adjustment,
    cast(case ranked.overdispersion_adjustment
        when 'multiplicative' then greatest(ranked.phi, 1.0)
        when 'additive' then ranked.tau_squared
    end as double) as adjustment_factor,
    cast(ranked.z_unadjusted as double) as z_unadjusted,
    cast((ranked.value - ranked.target_value) / nullif(ranked.sd_adjusted, 0) as double)
        as z_adjusted,
    cast(case
        when ranked.value > ranked.target_value + 3.090232306167813 * ranked.sd_adjusted
            then 'above_99_8'
        when ranked.value > ranked.target_value + 1.959963984540054 * ranked.sd_adjusted
            then 'above_95'
        when ranked.value < ranked.target_value - 3.090232306167813 * ranked.sd_adjusted
            then 'below_99_8'
        when ranked.value < ranked.target_value - 1.959963984540054 * ranked.sd_adjusted
            then 'below_95'
        else 'within'
    end as varchar) as verdict,
    cast(ranked.interval_lower as double) as interval_lower_95,
    cast(ranked.interval_upper as double) as interval_upper_95,
    cast(ranked.rank_in_group as integer) as rank_in_group,
    cast(1 + rank_bounds.certainly_above as integer) as rank_best,
    cast(ranked.units - rank_bounds.certainly_below as integer) as rank_worst
from ranked
inner join rank_bounds
    using (comparison, group_code, metric_id, period_type, period_start, unit_code)
