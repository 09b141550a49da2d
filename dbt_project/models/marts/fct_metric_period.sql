-- Every metric's figures, as analysts and the marts read them: one row per metric x area x
-- period_type x period_end. Built in int_metric_periods (so intermediate models can read the
-- figures without an edge back from a mart); this model only publishes them, under a contract.
select
    metric_id,
    area_code,
    period_type,
    period_start,
    period_end,
    period_label,
    numerator,
    denominator,
    value,
    value_yes_no,
    unit,
    ci_lower,
    ci_upper,
    population,
    population_mid_year,
    population_vintage,
    population_is_provisional,
    months_loaded,
    months_in_period,
    first_available_on,
    months_delivered_on,
    data_status,
    restricted,
    source,
    source_vintage,
    recent_min,
    recent_max,
    recent_periods,
    is_suspect
from {{ ref('int_metric_periods') }}
