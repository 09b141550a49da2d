{#
  Sums that give the same answer on every build. DuckDB aggregates in parallel, and the order
  in which it adds rows depends on how threads split the scan and the hash tables: a sum of
  DOUBLEs then differs in its last bits between two identical builds (1e16 + 1 - 1e16 is 0 or
  1 by order), enough to move a figure across a threshold, flip the direction arrow of a
  metric whose change is near zero, or change a p-value's last digits. Decimal addition is
  exact, so its order cannot matter.

  The rule, in one place:
  - counts stay integers (count(*), bigint: exact whatever the order);
  - a fractional input (adjusted KSI probabilities, survey estimates, chi-square terms) is
    summed as exact_decimal_type(): each value becomes a decimal with 18 places (a double's
    own digits for values under 100, 0.1 stays 0.1) and the decimals are added exactly, up to
    10^20 in all;
  - a rate, mean or share is computed from exact sums and divided once (exact_mean).
  No sum(), avg(), stddev_*() or var_*() of a DOUBLE feeds a published figure;
  tests/unit/test_exact_sums.py holds the models to it.
#}

{% macro exact_decimal_type() -%}
    decimal(38, 18)
{%- endmacro %}

{#- Sum of a fractional expression, exact: a DECIMAL(38, 18) (cast to double where needed). -#}
{% macro exact_sum(expression) -%}
    sum(cast({{ expression }} as {{ exact_decimal_type() }}))
{%- endmacro %}

{#- Mean as exact sum / count of the non-null values, divided once: a DOUBLE (null on none).
    `where`: an optional filter, applied to the sum and the count alike. -#}
{% macro exact_mean(expression, where=none) -%}
    {%- set filter = " filter (where " ~ where ~ ")" if where else "" -%}
    (cast({{ exact_sum(expression) }}{{ filter }} as double)
        / nullif(count({{ expression }}){{ filter }}, 0))
{%- endmacro %}
