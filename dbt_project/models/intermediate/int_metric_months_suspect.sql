-- Is a month's figure suspect data rather than performance? One row per metric x month of the
-- home force's monthly figures (grain metric_id x month_start). THE one rule for a suspect
-- month: mart_board_readiness ('suspect: check the source', alerting the lead),
-- int_dashboard_rating (grey, reason suspect_data) and the SPC chart (int_metric_spc leaves a
-- suspect month out of its limits) all read it. Each month is judged against the var
-- spc_chart_months (36) months before it (at least var suspect_volume_min_months of them), so
-- a month's verdict depends only on earlier months, as they stand now:
--   beyond_limits  the value is further from the earlier months' mean than var
--                  suspect_limit_factor (3) times the distance of their XmR process limit
--                  (3 sigma, sigma = mean moving range / 1.128), and it got there in one
--                  step (as far from the month before): far beyond anything that process
--                  makes, at once. A drift (a trend, or outcome rates of recent months still
--                  maturing) is a signal for the SPC chart, not suspect data. Judged where
--                  the month's count or the earlier mean count reaches var
--                  suspect_steady_min_events;
--   near_zero      the count fell to at most var suspect_near_zero_fraction (0.1) of the
--                  earlier months' mean count, from a steady level of at least var
--                  suspect_steady_min_events (20) a month (a feed that dropped a category);
--   reach_dropped  fewer than var suspect_reach_fraction (0.5) of the usual number of area
--                  members counted anything this month (a feed missing part of the force;
--                  for a share, anything in its base: crimes recorded, not outcomes),
--                  judged where the earlier months averaged at least 3 members counting and
--                  the steady level above in what they count (small counts leave areas empty
--                  by chance).
with

force as (

    select area_code from {{ ref('int_areas') }} where area_type = 'force'

),

-- An outcome metric's months whose outcomes are not yet mature (int_outcome_maturity: fewer
-- than k months of follow-up loaded) are left out: not suspect, and not yet a figure to chart.
months as (

    select
        periods.metric_id,
        periods.area_code,
        periods.period_start as month_start,
        cast(periods.numerator as double) as numerator,
        periods.value,
        -- What the value is a share or rate of, in its own units (int_metric_periods: percent
        -- = numerator x 100 / denominator, rate = numerator x 1,000 / population): the
        -- denominators a Laney chart (int_metric_spc) weighs each month by.
        cast(case
            when periods.unit = 'percent' then periods.denominator
            when periods.unit = 'rate_per_1000'
                then coalesce(periods.denominator, periods.population) / 1000
        end as double) as exposure
    from {{ ref('int_metric_periods') }} as periods
    left join {{ ref('int_outcome_maturity') }} as maturity
        on maturity.metric_id = periods.metric_id
    where periods.period_type = 'month'
        and periods.area_code = (select area_code from force)
        and periods.data_status in ('complete', 'restricted')
        and periods.value is not null
        and (maturity.mature_to is null or periods.period_start <= maturity.mature_to)

),

-- Geographic reach of the source in the month: the members (local authorities, unknown) that
-- counted anything, and what they counted: for a share its base (crimes recorded, whose
-- outcomes may still be open), else the count. Force rows are sums of members, so a member
-- that vanishes from a feed shows here first.
reach as (

    select
        metric_id,
        period_start as month_start,
        count(*) filter (where coalesce(denominator, numerator) > 0) as members_counting,
        {{ exact_sum('coalesce(denominator, numerator)') }} as base_count
    from {{ ref('int_metric_series') }}
    where grain = 'month' and area_code <> (select area_code from force)
    group by all

),

with_ranges as (

    select
        months.*,
        reach.members_counting,
        cast(reach.base_count as double) as base_count,
        abs(months.value - lag(months.value) over (
            partition by months.metric_id order by months.month_start
        )) as moving_range,
        lag(months.month_start) over (
            partition by months.metric_id order by months.month_start
        ) = months.month_start - interval 1 month as follows_a_month
    from months
    left join reach
        on reach.metric_id = months.metric_id
        and reach.month_start = months.month_start

),

-- The earlier months: exact sums divided once (macros/exact_sums.sql), so a month near a
-- threshold gets the same verdict on every build.
earlier as (

    select
        *,
        count(value) over before as earlier_months,
        cast({{ exact_sum('value') }} over before as double) / count(value) over before
            as earlier_mean,
        cast({{ exact_sum('moving_range') }} over before as double)
            / count(moving_range) over before as earlier_mean_moving_range,
        cast({{ exact_sum('numerator') }} over before as double) / count(numerator) over before
            as earlier_mean_count,
        cast(sum(members_counting) over before as double) / count(members_counting) over before
            as earlier_members_counting,
        cast({{ exact_sum('base_count') }} over before as double) / count(base_count) over before
            as earlier_mean_base
    from with_ranges
    window before as (
        partition by metric_id order by month_start
        range between interval {{ var('spc_chart_months') }} months preceding
            and interval 1 month preceding
    )

),

judged as (

    select
        *,
        coalesce(earlier_months >= {{ var('suspect_volume_min_months') }}, false) as judged,
        earlier_mean_moving_range * 3 / 1.128 as earlier_limit_distance
    from earlier

),

flagged as (

    select
        *,
        coalesce(
            judged and earlier_limit_distance > 0
                and abs(value - earlier_mean)
                    > {{ var('suspect_limit_factor') }} * earlier_limit_distance
                and follows_a_month
                and moving_range > {{ var('suspect_limit_factor') }} * earlier_limit_distance
                -- Small counts swing by chance: a share of a handful of responses is no process.
                and greatest(numerator, earlier_mean_count) >= {{ var('suspect_steady_min_events') }},
            false
        ) as beyond_limits,
        coalesce(
            judged and earlier_mean_count >= {{ var('suspect_steady_min_events') }}
                and numerator <= {{ var('suspect_near_zero_fraction') }} * earlier_mean_count,
            false
        ) as near_zero,
        coalesce(
            judged and earlier_members_counting >= 3
                and earlier_mean_base >= {{ var('suspect_steady_min_events') }}
                and members_counting < {{ var('suspect_reach_fraction') }} * earlier_members_counting,
            false
        ) as reach_dropped
    from judged

)

select
    cast(metric_id as varchar) as metric_id,
    cast(area_code as varchar) as area_code,
    cast(month_start as date) as month_start,
    cast(value as double) as value,
    cast(numerator as double) as numerator,
    cast(exposure as double) as exposure,
    cast(earlier_months as integer) as earlier_months,
    cast(earlier_mean as double) as earlier_mean,
    cast(earlier_mean + earlier_limit_distance as double) as earlier_upper_limit,
    cast(earlier_mean - earlier_limit_distance as double) as earlier_lower_limit,
    cast(earlier_mean_count as double) as earlier_mean_count,
    cast(members_counting as integer) as members_counting,
    cast(earlier_members_counting as double) as earlier_members_counting,
    beyond_limits,
    near_zero,
    reach_dropped,
    beyond_limits or near_zero or reach_dropped as is_suspect,
    -- The first that applies, in words a lead can act on (readiness and the RAG print it).
    cast(
        case
            when near_zero then 'fell to ' || {{ shown_figure('numerator') }}
                || ' from a steady ' || {{ shown_figure('earlier_mean_count') }} || ' a month'
            when reach_dropped then 'had only ' || members_counting || ' areas counting anything (usually '
                || format('{:.0f}', earlier_members_counting) || ')'
            when beyond_limits then {{ shown_figure('value') }} || ' is more than '
                || {{ var('suspect_limit_factor') }} || ' times beyond the process limits of the previous '
                || earlier_months || ' months (' || {{ shown_figure('earlier_mean - earlier_limit_distance') }}
                || ' to ' || {{ shown_figure('earlier_mean + earlier_limit_distance') }} || ')'
        end as varchar
    ) as suspect_reason
from flagged
