-- The year-end projection for analysts and the board pack: int_metric_projection's figures
-- with the metric's names, the verdict in words, the figures and sentence the pack prints
-- (each written with its unit's decimals, var display_decimals, as marts.dashboard rounds
-- them), and for finished years whether the final figure fell inside each interval (the
-- back-test, summed up in mart_projection_backtest).
with

projection as (

    select * from {{ ref('int_metric_projection') }}

),

metrics as (

    select * from {{ ref('int_metric_catalogue') }}

),

shown as (

    select
        projection.*,
        metrics.display_order,
        metrics.delivery_strategy,
        metrics.metric_name,
        metrics.unit,
        metrics.polarity,
        metrics.restricted,
        case metrics.unit when 'rate_per_1000' then ' per 1,000' when 'percent' then '%' else '' end
            as unit_suffix
    from projection
    inner join metrics on metrics.metric_id = projection.metric_id

),

-- Each figure as the pack and the sentences write it: its unit's decimals, thousands separated.
written as (

    select
        *,
        {% for column in ['ytd_value', 'projected_value', 'lower_80', 'upper_80', 'lower_95', 'upper_95', 'comparator_value'] %}
        case unit
            {% for unit, decimals in var('display_decimals').items() %}
            when '{{ unit }}' then format('{:,.{{ decimals }}f}', {{ column }})
            {% endfor %}
            else format('{:,.2f}', {{ column }})
        end as {{ column }}_number,
        {% endfor %}
        -- "100%" would read as certain: until the year is over, 1% to 99%.
        cast(case
            when periods_remaining = 0 then round(100 * probability_of_success)
            else least(99, greatest(1, round(100 * probability_of_success)))
        end as integer) as probability_percent
    from shown

),

texts as (

    select
        *,
        {% for column in ['ytd_value', 'projected_value', 'lower_80', 'upper_80', 'lower_95', 'upper_95', 'comparator_value'] %}
        {{ column }}_number || unit_suffix as {{ column }}_text,
        {% endfor %}
        -- an interval names its unit once ("9.03 to 9.54 per 1,000"), a percent's both ends
        case when unit = 'percent' then lower_80_number || '%' else lower_80_number end
            || ' to ' || upper_80_number || unit_suffix as interval_80_text,
        case when unit = 'percent' then lower_95_number || '%' else lower_95_number end
            || ' to ' || upper_95_number || unit_suffix as interval_95_text
    from written

)

select
    metric_id,
    display_order,
    delivery_strategy,
    metric_name,
    unit,
    polarity,
    restricted,
    fy_label,
    as_of_period_end,
    strftime(as_of_period_end, '%Y-%m') as as_of_month,
    grain,
    as_of_position,
    periods_remaining,
    history_years,
    dispersion,
    ytd_numerator,
    ytd_denominator,
    ytd_value,
    projected_value,
    projected_sd,
    lower_80,
    upper_80,
    lower_95,
    upper_95,
    comparator,
    comparator_value,
    probability_of_success,
    probability_percent,
    verdict_code,
    case verdict_code
        when 'on_course' then 'on course'
        when 'at_risk' then 'at risk'
        when 'unlikely' then 'unlikely'
        when 'achieved' then 'achieved'
        when 'missed' then 'missed'
        else 'not judged'
    end as verdict,
    ytd_value_text as ytd_text,
    projected_value_text as projected_text,
    interval_80_text,
    interval_95_text,
    comparator_value_text as comparator_text,
    case
        when comparator is null
            then 'Projected ' || projected_value_text || '; nothing to judge it against.'
        when periods_remaining = 0 then
            'The year ended at ' || projected_value_text || ' against the '
            || case comparator when 'target' then 'target of ' else '{{ var("baseline_fy") }} baseline of ' end
            || comparator_value_text || '.'
        else
            'Year to date ' || ytd_value_text || ' after ' || as_of_position || ' of '
            || as_of_position + periods_remaining || case grain when 'month' then ' months' else ' quarters' end
            || '; projected ' || projected_value_text || ' (80%: ' || interval_80_text
            || '); a ' || probability_percent || '% chance of '
            || case
                when comparator = 'target' then 'meeting the target of '
                when polarity = 'lower_is_better' then 'ending below the {{ var("baseline_fy") }} baseline of '
                else 'ending above the {{ var("baseline_fy") }} baseline of '
            end
            || comparator_value_text || '.'
    end as verdict_reason,
    is_final,
    final_value,
    -- The back-test: only a projection made before the year ended can miss.
    case when final_value is not null and periods_remaining > 0
        then final_value between lower_80 and upper_80 end as final_within_80,
    case when final_value is not null and periods_remaining > 0
        then final_value between lower_95 and upper_95 end as final_within_95
from texts
