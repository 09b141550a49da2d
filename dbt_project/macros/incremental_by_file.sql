{#
    For a model built incrementally by delivered file (int_street_crimes_located): its rows are
    a function of each staging row alone, so the rows of a file are either all current or all
    gone. Run before the new files' rows are added (a pre-hook, in the model's transaction):
    delete the rows of every file no longer in `staging_model` for the home force (a month
    replaced by a corrected file, a refused file rolled back, another home force). Nothing on a
    model's first or full build, which builds it whole.
#}
{% macro remove_home_force_rows_of_files_gone(staging_model) %}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where source_sha256 not in (
            select distinct source_sha256
            from {{ ref(staging_model) }}
            where force_slug = '{{ var("home_force") }}' and source_sha256 is not null
        )
    {%- endif -%}
{% endmacro %}
