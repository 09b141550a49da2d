{#
    A table's grain as a test: no two rows share a value of `columns` (a list of column names).
    For the tables whose key is checked by a test rather than a constraint (meta key_as_test:
    DuckDB's index cost more than the test) and for staging views. Grouped by the columns
    themselves rather than dbt's `unique` over one concatenated string: no string is built per
    row (on ten years of police.uk rows, 0.07 s against 0.13 s a test).
    As dbt's `unique`, a row with a null in its key is not compared, unless `null_is_a_value`
    (a key where null is a member, such as fct_metric_period's area_code): then nulls are equal.
#}
{% test unique_key(model, columns, null_is_a_value=false) %}
    select {{ columns | join(', ') }}, count(*) as rows_with_this_key
    from {{ model }}
    {% if not null_is_a_value %}
    where {% for column in columns %}{{ column }} is not null{% if not loop.last %} and {% endif %}{% endfor %}
    {% endif %}
    group by all
    having count(*) > 1
{% endtest %}
