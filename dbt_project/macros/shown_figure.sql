{#- A figure as a sentence shows it: whole with thousands separators from 100, two decimals
    from 1, two significant digits below (a rate per 1,000 of 0.00088 is not "0.00"). -#}
{% macro shown_figure(expression) -%}
    case
        when abs({{ expression }}) >= 100 then format('{:,.0f}', {{ expression }})
        when abs({{ expression }}) >= 1 then format('{:.2f}', {{ expression }})
        else format('{:.2g}', {{ expression }})
    end
{%- endmacro %}
