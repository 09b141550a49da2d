-- The funnel plots' limit curves for charts, for every comparison, with the metric's name:
-- each comparison group's 95% and 99.8% limits, before and after its over-dispersion
-- adjustment, over a grid of denominators spaced evenly on a log scale from a little below the
-- group's smallest unit to a little above its largest. The limits are int_funnel_assessment's,
-- at each grid denominator: the same target, V(target), phi and tau^2 (read from there, so the
-- rule is written once: see its comment). Made here in one step, not through an intermediate
-- copy: at ten years of history these are 0.2 M rows, the largest mart.
with

assessed as (

    select * from {{ ref('int_funnel_assessment') }}

),

groups as (

    select
        comparison, group_code, metric_id, period_type, period_start,
        any_value(group_name) as group_name,
        any_value(period_end) as period_end,
        any_value(period_label) as period_label,
        any_value(measure_kind) as measure_kind,
        any_value(per) as per,
        any_value(target_value) as target_value,
        any_value(phi) as phi,
        any_value(tau_squared) as tau_squared,
        any_value(overdispersion_adjustment) as overdispersion_adjustment,
        min(denominator) * 0.8 as smallest,
        max(denominator) * 1.2 as largest
    from assessed
    group by all

),

grid as (

    select
        groups.*,
        point.point_number,
        exp(ln(groups.smallest) + (ln(groups.largest) - ln(groups.smallest))
            * point.point_number / ({{ var('funnel_limit_points') }} - 1)) as denominator
    from groups
    cross join (
        select range as point_number from range({{ var('funnel_limit_points') }})
    ) as point

),

spread as (

    select
        *,
        sqrt(case measure_kind
            when 'rate' then target_value * per
            else target_value * (per - target_value)
        end / denominator) as sd_unadjusted
    from grid

),

metrics as (

    select metric_id, metric_name, polarity from {{ ref('int_metric_catalogue') }}

),

adjusted as (

    select
        *,
        {{ funnel_sd_adjusted() }} as sd_adjusted
    from spread

)

select
    cast(comparison as varchar) as comparison,
    cast(group_code as varchar) as group_code,
    cast(group_name as varchar) as group_name,
    cast(metric_id as varchar) as metric_id,
    metric_name,
    polarity,
    cast(period_type as varchar) as period_type,
    cast(period_start as date) as period_start,
    cast(period_end as date) as period_end,
    cast(period_label as varchar) as period_label,
    cast(point_number as integer) as point_number,
    cast(denominator as double) as denominator,
    cast(measure_kind as varchar) as measure_kind,
    cast(per as integer) as per,
    cast(target_value as double) as target_value,
    cast(greatest(target_value - 1.959963984540054 * sd_unadjusted, 0) as double) as lower_95,
    cast({{ funnel_upper('adjusted.target_value + 1.959963984540054 * adjusted.sd_unadjusted', 'adjusted') }} as double) as upper_95,
    cast(greatest(target_value - 3.090232306167813 * sd_unadjusted, 0) as double) as lower_99_8,
    cast({{ funnel_upper('adjusted.target_value + 3.090232306167813 * adjusted.sd_unadjusted', 'adjusted') }} as double) as upper_99_8,
    cast(greatest(target_value - 1.959963984540054 * sd_adjusted, 0) as double) as lower_95_adjusted,
    cast({{ funnel_upper('adjusted.target_value + 1.959963984540054 * adjusted.sd_adjusted', 'adjusted') }} as double) as upper_95_adjusted,
    cast(greatest(target_value - 3.090232306167813 * sd_adjusted, 0) as double) as lower_99_8_adjusted,
    cast({{ funnel_upper('adjusted.target_value + 3.090232306167813 * adjusted.sd_adjusted', 'adjusted') }} as double) as upper_99_8_adjusted,
    cast(overdispersion_adjustment as varchar) as overdispersion_adjustment
from adjusted
inner join metrics using (metric_id)
