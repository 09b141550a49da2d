-- The funnel plots' limit curves for charts (every comparison), with the metric's name.
select
    funnel.comparison,
    funnel.group_code,
    funnel.group_name,
    funnel.metric_id,
    metrics.metric_name,
    metrics.polarity,
    funnel.period_type,
    funnel.period_start,
    funnel.period_end,
    funnel.period_label,
    funnel.point_number,
    funnel.denominator,
    funnel.measure_kind,
    funnel.per,
    funnel.target_value,
    funnel.lower_95,
    funnel.upper_95,
    funnel.lower_99_8,
    funnel.upper_99_8,
    funnel.lower_95_adjusted,
    funnel.upper_95_adjusted,
    funnel.lower_99_8_adjusted,
    funnel.upper_99_8_adjusted,
    funnel.overdispersion_adjustment
from {{ ref('int_funnel_limits') }} as funnel
inner join {{ ref('int_metric_catalogue') }} as metrics on metrics.metric_id = funnel.metric_id
