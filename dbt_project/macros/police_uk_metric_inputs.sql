{#
    The one rule for the metrics computed from police.uk (which crime types make a metric, and
    what is counted: crimes, the positive-outcome rate, out-of-court resolutions), for any unit
    the counts are grouped by: the home force's area members (int_metric_inputs__police_uk) or
    whole forces (int_metric_inputs__police_uk_by_force). The calling model defines two CTEs,
    each with the column named by `unit`:
      crimes   (month_start, unit, crime_type): one row per street row, as published;
      outcomes (crime_month, unit, crime_type, is_positive, is_out_of_court_resolution): each
               crime once, in its first month, with its outcome at the follow-up.
    This macro adds the CTEs loaded_months, crime_counts, outcome_counts, mapping,
    crime_metrics and outcome_metrics and the final select: metric_id, month_start, unit,
    numerator, denominator. Call it after a trailing comma.
#}
{% macro police_uk_metric_inputs(unit) %}

loaded_months as (

    select distinct month_start from crimes

),

crime_counts as (

    select month_start, {{ unit }}, crime_type, count(*) as crimes
    from crimes
    group by all

),

outcome_counts as (

    select
        crime_month as month_start,
        {{ unit }},
        crime_type,
        count(*) as crimes,
        count(*) filter (where is_positive) as positive,
        count(*) filter (where is_out_of_court_resolution) as out_of_court
    from outcomes
    group by all

),

mapping as (

    {{ metric_crime_types_in_force() }}

),

crime_metrics as (

    select mapping.metric_id, mapping.month_start, crime_counts.{{ unit }},
           sum(crime_counts.crimes) as numerator, null::bigint as denominator
    from mapping
    inner join crime_counts
        on crime_counts.month_start = mapping.month_start
        and crime_counts.crime_type = mapping.crime_type
    where mapping.measure = 'crimes'
    group by all

),

outcome_metrics as (

    select
        mapping.metric_id,
        mapping.month_start,
        outcome_counts.{{ unit }},
        sum(
            case mapping.measure
                when 'positive_outcome_rate' then outcome_counts.positive
                else outcome_counts.out_of_court
            end
        ) as numerator,
        sum(outcome_counts.crimes) filter (where mapping.measure = 'positive_outcome_rate')
            as denominator
    from mapping
    inner join outcome_counts
        on outcome_counts.month_start = mapping.month_start
        and outcome_counts.crime_type = mapping.crime_type
    where mapping.measure in ('positive_outcome_rate', 'out_of_court_resolutions')
    group by all

)

select * from crime_metrics
union all
select * from outcome_metrics

{% endmacro %}
