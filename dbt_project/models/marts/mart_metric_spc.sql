-- SPC beside the RAG, published for analysts and the board pack (grain metric_id x
-- month_start). Built in int_metric_spc, where the limits, rules and verdicts are decided.
select
    metric_id,
    area_code,
    month_start,
    chart_type,
    value,
    numerator,
    exposure,
    points,
    centre,
    sigma,
    upper_limit,
    lower_limit,
    upper_near,
    lower_near,
    beyond_limit,
    two_of_three,
    shift,
    trend,
    rule_fired,
    is_suspect,
    variation,
    target,
    assurance,
    is_latest
from {{ ref('int_metric_spc') }}
