{#- A sentence from a template (seeds/rag_reasons.csv): each {name} in the template is replaced
    by the SQL expression fields[name], as text (an empty string when it is null). The words
    live in the seed; the SQL only supplies the figures. -#}
{% macro fill_template(template, fields) -%}
    {%- set ns = namespace(sql=template) -%}
    {%- for name, expression in fields.items() -%}
        {%- set ns.sql = "replace(" ~ ns.sql ~ ", '{" ~ name ~ "}', coalesce(cast(("
            ~ expression ~ ") as varchar), ''))" -%}
    {%- endfor -%}
    {{ ns.sql }}
{%- endmacro %}
