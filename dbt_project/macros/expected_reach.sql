{#- How far a source with a usual publication lag of `lag_months` (source_publication seed) can
    be expected to have reached by `day`: the end of the month lag_months before day's month.
    The one rule: the period a board can require by its data deadline
    (int_board_required_periods) and whether a source is late on a day (mart_board_readiness). -#}
{% macro expected_reach(day, lag_months) -%}
    last_day(date_trunc('month', {{ day }}) - to_months({{ lag_months }}))
{%- endmacro %}
