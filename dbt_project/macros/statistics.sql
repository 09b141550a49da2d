{#
  The statistics the dashboard rests on, as DuckDB macros created at the start of every dbt
  run, so each formula is written once and every model (and the Python tests that check them
  against scipy) calls the same code. DuckDB has no normal CDF: the upper tail uses Hart's
  double-precision algorithm (G. West, "Better approximations to cumulative normal
  functions", 2005), accurate to about 1e-14 and computed directly in the tail, so small
  p-values keep their precision.
#}

{% macro statistics_macro_definitions() %}
  {% set definitions = [
    "create or replace macro pcp_normal_upper_tail(x) as (
        case
            when abs(x) > 37 then 0.0
            when abs(x) < 7.07106781186547 then
                exp(-abs(x) * abs(x) / 2)
                * ((((((3.52624965998911e-02 * abs(x) + 0.700383064443688) * abs(x)
                    + 6.37396220353165) * abs(x) + 33.912866078383) * abs(x)
                    + 112.079291497871) * abs(x) + 221.213596169931) * abs(x)
                    + 220.206867912376)
                / (((((((8.83883476483184e-02 * abs(x) + 1.75566716318264) * abs(x)
                    + 16.064177579207) * abs(x) + 86.7807322029461) * abs(x)
                    + 296.564248779674) * abs(x) + 637.333633378831) * abs(x)
                    + 793.826512519948) * abs(x) + 440.413735824752)
            else
                exp(-abs(x) * abs(x) / 2)
                / (abs(x) + 1 / (abs(x) + 2 / (abs(x) + 3 / (abs(x) + 4 / (abs(x) + 0.65)))))
                / 2.506628274631
        end
    )",
    "create or replace macro pcp_two_sided_p(z) as least(1.0, 2 * pcp_normal_upper_tail(z))",
    "create or replace macro pcp_normal_cdf(x) as
        case when x >= 0 then 1 - pcp_normal_upper_tail(x) else pcp_normal_upper_tail(x) end",
    "create or replace macro pcp_binomial_pmf(k, n, p) as exp(
        lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1) + k * ln(p) + (n - k) * ln(1 - p)
    )",
    "create or replace macro pcp_binomial_two_sided_p(k, n, p) as least(1.0, list_sum(list_filter(
        list_transform(range(0, cast(n as bigint) + 1), lambda i: pcp_binomial_pmf(i, n, p)),
        lambda q: q <= pcp_binomial_pmf(k, n, p) * (1 + 1e-7)
    )))",
    "create or replace macro pcp_poisson_z(c1, e1, c2, e2, phi) as
        ln((c2 / e2) / (c1 / e1)) / (sqrt(1.0 / c1 + 1.0 / c2) * sqrt(greatest(phi, 1.0)))",
    "create or replace macro pcp_poisson_ci(c1, e1, c2, e2, phi, direction) as exp(
        ln((c2 / e2) / (c1 / e1))
        + direction * 1.959963984540054 * sqrt(1.0 / c1 + 1.0 / c2) * sqrt(greatest(phi, 1.0))
    )",
    "create or replace macro pcp_exact_rate_p(c1, e1, c2, e2) as
        pcp_binomial_two_sided_p(round(c2), round(c1) + round(c2), e2 / (e1 + e2))",
    "create or replace macro pcp_two_proportion_z(x1, n1, x2, n2, deff) as
        (x2 / n2 - x1 / n1)
        / sqrt((x1 / n1) * (1 - x1 / n1) * deff / n1 + (x2 / n2) * (1 - x2 / n2) * deff / n2)",
    "create or replace macro pcp_interval_z(est1, lower1, upper1, est2, lower2, upper2) as
        (est2 - est1) / sqrt(power((upper1 - lower1) / 3.92, 2) + power((upper2 - lower2) / 3.92, 2))",
    "create or replace macro pcp_wilson_bound(x, n, direction) as 100.0 * (
        (x / n + 1.959963984540054 ^ 2 / (2 * n))
        + direction * 1.959963984540054
            * sqrt(x / n * (1 - x / n) / n + 1.959963984540054 ^ 2 / (4 * n * n))
    ) / (1 + 1.959963984540054 ^ 2 / n)"
,
    "create or replace macro pcp_display_number(v) as case
        when v = round(v) then format('{:,.0f}', v)
        when abs(v) >= 1 then format('{:,.2f}', v)
        else format('{:.2g}', v)
    end"
  ] %}
  {{ return(definitions) }}
{% endmacro %}

{% macro create_statistics_macros() %}
  {% if execute %}
    {% for definition in statistics_macro_definitions() %}
      {% do run_query(definition) %}
    {% endfor %}
  {% endif %}
{% endmacro %}
