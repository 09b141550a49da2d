{#
  Percent change from `before` to `now`, written once for every model that prints one. Small
  numbers make big percentages: no percent change when the earlier period's count
  (`count_before`) is under var min_count_for_percent_change, or when `before` is zero.
#}
{% macro percent_change(now, before, count_before) -%}
    case
        when {{ count_before }} >= {{ var('min_count_for_percent_change') }}
            and {{ before }} <> 0
            then 100.0 * ({{ now }} - {{ before }}) / {{ before }}
    end
{%- endmacro %}
