-- Over-dispersion (phi) of each count metric's series, and of each administrative proportion's
-- (outcome rates), at every quarter end: monthly figures (or quarterly, for the Home Office
-- table) over the trailing {{ var('dispersion_window_months') }} months, laid out as complete
-- years x position in the year, each cell's expectation from its year and its position (the
-- seasonal pattern):
--   poisson         counts: expected = year total x position total / grand total;
--                   term = (observed - expected)^2 / expected
--   quasi_binomial  proportions x of n: expected share = year share x position share / overall
--                   share (shares = successes / trials of the margin); term = (x - n p)^2 /
--                   (n p (1 - p)): the binomial variance, so phi = 1 is binomial variation
-- phi = Pearson chi-square / ((years - 1) x (positions - 1)), floored at 1. Under two complete
-- years of history phi cannot be estimated: it is 1 and phi_estimated is false. Survey
-- proportions are not here: their sampling error is the design effect (int_dashboard_figures).
-- Margins and the chi-square are exact sums (macros/exact_sums.sql): phi is the same on every
-- build, so a significance test near its threshold cannot flip between identical builds.
with

series as (

    select
        series.*,
        case metrics.comparison when 'poisson' then 'poisson' else 'quasi_binomial' end
            as dispersion_model
    from {{ ref('int_metric_series') }} as series
    inner join {{ ref('int_metric_catalogue') }} as metrics on metrics.metric_id = series.metric_id
    -- The force area's series only: the dashboard's tests and the projection, the two readers,
    -- compare the force. Every local authority's phi at every quarter end was 11 of 12 rows
    -- no one read, and most of what a month's refresh spent here on ten years of history.
    inner join {{ ref('int_areas') }} as areas
        on areas.area_code = series.area_code and areas.area_type = 'force'
    where metrics.comparison = 'poisson'
        or (metrics.comparison = 'proportion' and metrics.source <> 'victim_survey')

),

{{ seasonal_dispersion('series') }}
