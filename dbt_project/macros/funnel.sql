{#- A funnel's upper limit: a proportion cannot exceed its scale (100%), a rate can. `row` is the
    relation carrying measure_kind and per. -#}
{% macro funnel_upper(expression, row) -%}
    case when {{ row }}.measure_kind = 'proportion'
        then least({{ expression }}, {{ row }}.per) else {{ expression }} end
{%- endmacro %}
