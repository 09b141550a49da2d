{#- A funnel's upper limit: a proportion cannot exceed its scale (100%), a rate can. `row` is the
    relation carrying measure_kind and per. -#}
{% macro funnel_upper(expression, row) -%}
    case when {{ row }}.measure_kind = 'proportion'
        then least({{ expression }}, {{ row }}.per) else {{ expression }} end
{%- endmacro %}


{#- The columns of a funnel-plot mart (mart_peer_comparison, mart_area_comparison): the rows of
    int_funnel_assessment whose comparison meets `comparisons` (a condition on
    funnel.comparison), with the metric's name and polarity for readers and the pack. One
    column list, so the two marts cannot drift apart. -#}
{% macro funnel_comparison_rows(comparisons) %}
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
    funnel.unit_type,
    funnel.unit_code,
    funnel.unit_name,
    funnel.is_home,
    funnel.numerator,
    funnel.denominator,
    funnel.measure_kind,
    funnel.per,
    funnel.value,
    funnel.target_value,
    funnel.expected_count,
    funnel.units_in_group,
    funnel.lower_95,
    funnel.upper_95,
    funnel.lower_99_8,
    funnel.upper_99_8,
    funnel.lower_95_adjusted,
    funnel.upper_95_adjusted,
    funnel.lower_99_8_adjusted,
    funnel.upper_99_8_adjusted,
    funnel.phi,
    funnel.tau_squared,
    funnel.is_overdispersed,
    funnel.overdispersion_adjustment,
    funnel.adjustment_factor,
    funnel.z_unadjusted,
    funnel.z_adjusted,
    funnel.verdict,
    funnel.interval_lower_95,
    funnel.interval_upper_95,
    funnel.rank_in_group,
    funnel.rank_best,
    funnel.rank_worst
from {{ ref('int_funnel_assessment') }} as funnel
inner join {{ ref('int_metric_catalogue') }} as metrics on metrics.metric_id = funnel.metric_id
where {{ comparisons }}
{% endmacro %}
