-- Over-dispersion (phi) of each neighbourhood policing area's monthly crime counts, per metric
-- and quarter end (grain metric_id x npa_code x period_end): the same estimate as the
-- dashboard's (macros/seasonal_dispersion.sql, described in int_metric_dispersion): Poisson
-- Pearson chi-square around a year x month-of-year expectation over the trailing
-- {{ var('dispersion_window_months') }} months, floored at 1; 1 and not estimated under two
-- complete years.
with

dispersion as (

    with

    series as (

        select
            metric_id,
            npa_code as area_code,
            'month' as grain,
            'poisson' as dispersion_model,
            month_start as period_start,
            cast(crimes as {{ exact_decimal_type() }}) as numerator,
            cast(null as {{ exact_decimal_type() }}) as denominator
        from {{ ref('int_npa_metric_months') }}

    ),

    {{ seasonal_dispersion('series') }}

)

select
    cast(metric_id as varchar) as metric_id,
    cast(area_code as varchar) as npa_code,
    cast(period_end as date) as period_end,
    cast(dispersion_years as bigint) as dispersion_years,
    cast(pearson_chi_square as double) as pearson_chi_square,
    cast(dispersion_df as bigint) as dispersion_df,
    cast(phi as double) as phi,
    cast(phi_estimated as boolean) as phi_estimated
from dispersion
