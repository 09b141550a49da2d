{#
    Which crime types make each police.uk metric, and what is counted, as in force for each
    month of the calling model's CTE `loaded_months` (month_start): the metric_crime_types
    seed's newest mapping version valid from that month. The one place that rule lives:
    police_uk_metric_inputs (the home force's areas, every force) and int_npa_metric_months
    (neighbourhood policing areas) select from it. Returns a select (no CTE name).
#}
{% macro metric_crime_types_in_force() %}
    select
        loaded_months.month_start,
        definitions.metric_id,
        definitions.crime_type,
        definitions.measure
    from loaded_months
    inner join {{ ref('metric_crime_types') }} as definitions
        on definitions.valid_from <= loaded_months.month_start
    qualify definitions.mapping_version = max(definitions.mapping_version) over (
        partition by loaded_months.month_start, definitions.metric_id
    )
{% endmacro %}
