{#
  How a change of counts is tested and what its p-value is called, written once for every model
  that tests one (the dashboard, int_dashboard_assessment; neighbourhood policing areas,
  mart_npa_crime). The formulas are the DuckDB macros of statistics.sql (pcp_poisson_z,
  pcp_exact_rate_p, pcp_two_sided_p); the thresholds are dbt vars.
#}

{#- The Poisson test for counts c1 (earlier) and c2 (later): the exact conditional binomial test
    when either has fewer than var exact_test_below_events events, else the normal test on
    ln(rate ratio). -#}
{% macro poisson_test_used(c1, c2) -%}
    case
        when least({{ c1 }}, {{ c2 }}) < {{ var('exact_test_below_events') }}
            then 'poisson_exact'
        else 'poisson_normal'
    end
{%- endmacro %}

{#- What a p-value says (null: the change was not tested). -#}
{% macro significance_label(p) -%}
    case
        when {{ p }} is null then 'not tested'
        when {{ p }} < {{ var('significance_level') }} then 'significant change'
        else 'within expected variation'
    end
{%- endmacro %}
