{#- A unit's (or a grid point's) standard deviation after its group's over-dispersion
    adjustment, from the row's sd_unadjusted, overdispersion_adjustment, phi and tau_squared:
    multiplicative scales it by sqrt(phi) (phi below 1 taken as 1), additive adds tau^2 to its
    variance. One rule for the units (int_funnel_assessment) and the curves
    (mart_funnel_limits). -#}
{% macro funnel_sd_adjusted() -%}
    case overdispersion_adjustment
        when 'multiplicative' then sd_unadjusted * sqrt(greatest(phi, 1.0))
        when 'additive' then sqrt(sd_unadjusted * sd_unadjusted + tau_squared)
        else sd_unadjusted
    end
{%- endmacro %}

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
