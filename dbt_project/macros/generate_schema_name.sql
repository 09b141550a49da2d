{#- Schemas are named exactly as configured (staging, marts, ...), not prefixed with the
    target's schema, so analysts query `marts.mart_csp_crime`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
