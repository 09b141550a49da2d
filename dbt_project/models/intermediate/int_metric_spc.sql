-- Statistical process control beside the RAG (NHS England "Making Data Count"): one row per
-- metric x month of the home force's last var spc_chart_months (36) monthly figures, for every
-- metric with at least var spc_min_points (20) of them that are not suspect
-- (int_metric_months_suspect: suspect data is drawn but neither sets the limits nor signals).
-- Grain metric_id x month_start.
--   Chart  a count (or any figure without a denominator) on an XmR chart: centre = mean,
--          sigma = mean moving range / 1.128; a percent on a Laney p' chart and a rate per
--          1,000 on a Laney u' chart (their denominators vary month to month): centre =
--          pooled rate, sigma_i = binomial (p) or Poisson (u) sigma at month i's denominator
--          times sigma_z, the mean moving range of the months' z-scores / 1.128 (Laney 2002),
--          so administrative data's extra variation widens the limits as it should.
--          Process limits at 3 sigma, "near a limit" beyond 2 sigma.
--   Rules  (each point may fire several; rule_fired names the first in this order)
--          beyond_limit  the point is outside the process limits;
--          two_of_three  the point is near a limit (beyond 2 sigma, inside 3) and in a run
--                        of three consecutive points on one side of the centre of which at
--                        least two are near a limit;
--          shift         the point is in a run of var spc_shift_run (7) or more consecutive
--                        points on one side of the centre (a point on the centre breaks it);
--          trend         the point is in a run of var spc_trend_run (6) or more consecutive
--                        points each higher (or each lower) than the one before.
--          The rules are NHSRplotthedots' (tests/unit/test_metric_spc.py checks them and
--          the XmR limits against the abspc package on the same series).
--   Verdicts
--          variation  special cause improvement / special cause concern by the metric's
--                     polarity and the signal's direction (above or below the centre; up or
--                     down for a trend), else common cause;
--          assurance  where the catalogue has a numeric target (threshold): consistently
--                     meets when every value the process makes is on the good side of the
--                     target (target outside the month's limits on the bad side),
--                     consistently fails when none is, else hit and miss.
with

catalogue as (

    select
        metric_id,
        unit,
        polarity,
        case when target_type = 'threshold' then try_cast(target_value as double) end as target
    from {{ ref('int_metric_catalogue') }}

),

months as (

    select
        months.*,
        row_number() over (partition by months.metric_id order by months.month_start desc)
            as months_back
    from {{ ref('int_metric_months_suspect') }} as months

),

charted as (

    select
        months.metric_id,
        months.area_code,
        months.month_start,
        months.value,
        months.numerator,
        months.exposure,
        months.is_suspect,
        catalogue.unit,
        catalogue.polarity,
        catalogue.target,
        case
            when catalogue.unit = 'percent' then 'laney_p'
            when catalogue.unit = 'rate_per_1000' then 'laney_u'
            else 'xmr'
        end as chart_type,
        -- The value's scale: a percent is 100 x a proportion; a rate per 1,000 is already
        -- events per exposure (thousands of residents).
        case when catalogue.unit = 'percent' then 100.0 else 1.0 end as scale
    from months
    inner join catalogue on catalogue.metric_id = months.metric_id
    where months.months_back <= {{ var('spc_chart_months') }}

),

-- The points that set the limits and are judged by the rules: every month but suspect ones,
-- numbered in order (a suspect month is a gap the runs step over).
points as (

    select
        *,
        row_number() over (partition by metric_id order by month_start) as point_number,
        count(*) over (partition by metric_id) as points
    from charted
    where not is_suspect
        -- A Laney chart needs the month's denominator.
        and (chart_type = 'xmr' or exposure > 0)

),

centres as (

    select
        metric_id,
        any_value(chart_type) as chart_type,
        any_value(scale) as scale,
        case when any_value(chart_type) = 'xmr'
            then cast({{ exact_sum('value') }} as double) / count(*)
            else any_value(scale) * cast({{ exact_sum('numerator') }} as double)
                / cast({{ exact_sum('exposure') }} as double)
        end as centre
    from points
    where points >= {{ var('spc_min_points') }}
    group by metric_id

),

-- Each point's own sigma before the Laney correction: 1 on an XmR chart (its spread is the
-- moving range of the values themselves), the binomial or Poisson sigma at its denominator.
scaled as (

    select
        points.*,
        centres.centre,
        case points.chart_type
            when 'xmr' then 1.0
            when 'laney_p' then points.scale * sqrt(
                (centres.centre / points.scale) * (1 - centres.centre / points.scale)
                / points.exposure
            )
            else sqrt(centres.centre / points.exposure)
        end as within_sigma
    from points
    inner join centres on centres.metric_id = points.metric_id

),

z_scored as (

    select
        *,
        (value - centre) / nullif(within_sigma, 0) as z
    from scaled

),

moving_ranges as (

    select
        *,
        abs(z - lag(z) over (partition by metric_id order by point_number)) as z_moving_range
    from z_scored

),

spread as (

    select
        metric_id,
        cast({{ exact_sum('z_moving_range') }} as double) / count(z_moving_range) / 1.128
            as sigma_z
    from moving_ranges
    group by metric_id

),

limited as (

    select
        moving_ranges.*,
        spread.sigma_z,
        moving_ranges.within_sigma * spread.sigma_z as sigma,
        moving_ranges.centre + 3 * moving_ranges.within_sigma * spread.sigma_z as upper_limit,
        moving_ranges.centre - 3 * moving_ranges.within_sigma * spread.sigma_z as lower_limit,
        moving_ranges.centre + 2 * moving_ranges.within_sigma * spread.sigma_z as upper_near,
        moving_ranges.centre - 2 * moving_ranges.within_sigma * spread.sigma_z as lower_near
    from moving_ranges
    inner join spread on spread.metric_id = moving_ranges.metric_id

),

sided as (

    select
        *,
        value > upper_limit or value < lower_limit as beyond_limit,
        not (value > upper_limit or value < lower_limit)
            and (value > upper_near or value < lower_near) as near_limit,
        sign(value - centre) as side,
        sign(value - lag(value) over (partition by metric_id order by point_number)) as step
    from limited

),

-- Runs as islands: a new run starts wherever the side (or the step's sign) changes.
runs_marked as (

    select
        *,
        sum(case when side is distinct from prev_side then 1 else 0 end) over (
            partition by metric_id order by point_number
        ) as side_run,
        sum(case when step is distinct from prev_step then 1 else 0 end) over (
            partition by metric_id order by point_number
        ) as step_run
    from (
        select
            *,
            lag(side) over (partition by metric_id order by point_number) as prev_side,
            lag(step) over (partition by metric_id order by point_number) as prev_step
        from sided
    )

),

run_lengths as (

    select
        *,
        count(*) over (partition by metric_id, side_run) as side_run_length,
        -- A run of n steps of one sign joins n + 1 points.
        count(*) over (partition by metric_id, step_run) as step_run_steps,
        -- The run of steps the next point starts (it ends at this point's successor).
        lead(step_run) over (partition by metric_id order by point_number) as next_step_run,
        lead(step) over (partition by metric_id order by point_number) as next_step
    from runs_marked

),

trend_lengths as (

    select
        run_lengths.*,
        next_run.steps as next_step_run_steps
    from run_lengths
    left join (
        select metric_id, step_run, count(*) as steps
        from run_lengths group by all
    ) as next_run
        on next_run.metric_id = run_lengths.metric_id
        and next_run.step_run = run_lengths.next_step_run

),

-- Two of three: windows of three consecutive points, each numbered by its first point.
windows as (

    select
        *,
        count(*) filter (where near_limit) over three_ahead as window_near,
        sum(side) over three_ahead as window_side,
        count(*) over three_ahead as window_points
    from trend_lengths
    window three_ahead as (
        partition by metric_id order by point_number rows between current row and 2 following
    )

),

ruled as (

    select
        *,
        side <> 0 and side_run_length >= {{ var('spc_shift_run') }} as shift,
        -- In a long enough run of steps as its last point, or as the point before its first.
        coalesce(step <> 0 and step_run_steps + 1 >= {{ var('spc_trend_run') }}, false)
            or coalesce(next_step <> 0 and next_step_run_steps + 1 >= {{ var('spc_trend_run') }}, false)
            as trend,
        near_limit and (
            bool_or(window_points = 3 and window_near >= 2 and abs(window_side) = 3) over (
                partition by metric_id order by point_number
                rows between 2 preceding and current row
            )
        ) as two_of_three,
        case
            when coalesce(step <> 0 and step_run_steps + 1 >= {{ var('spc_trend_run') }}, false)
                then step
            else next_step
        end as trend_direction
    from windows

),

signalled as (

    select
        *,
        case
            when beyond_limit then 'beyond_limit'
            when two_of_three then 'two_of_three'
            when shift then 'shift'
            when trend then 'trend'
        end as rule_fired
    from ruled

),

verdicts as (

    select
        *,
        -- The signal's direction: a trend's way, otherwise the point's side of the centre.
        case when rule_fired = 'trend' then trend_direction else side end as signal_direction
    from signalled

),

judged as (

    select
        charted.metric_id,
        charted.area_code,
        charted.month_start,
        charted.chart_type,
        charted.unit,
        charted.polarity,
        charted.target,
        charted.value,
        charted.numerator,
        charted.exposure,
        charted.is_suspect,
        max(verdicts.points) over (partition by charted.metric_id) as points,
        -- A suspect month is no point of the chart: it has no limits of its own (a Laney
        -- chart's depend on the month's denominator) and fires no rule.
        centres.centre,
        verdicts.sigma,
        verdicts.upper_limit,
        verdicts.lower_limit,
        verdicts.upper_near,
        verdicts.lower_near,
        coalesce(verdicts.beyond_limit, false) as beyond_limit,
        coalesce(verdicts.two_of_three, false) as two_of_three,
        coalesce(verdicts.shift, false) as shift,
        coalesce(verdicts.trend, false) as trend,
        verdicts.rule_fired,
        case
            when charted.is_suspect then 'suspect data'
            when verdicts.rule_fired is null then 'common cause'
            when (verdicts.signal_direction > 0) = (charted.polarity = 'higher_is_better')
                then 'special cause improvement'
            else 'special cause concern'
        end as variation,
        row_number() over (partition by charted.metric_id order by charted.month_start desc) = 1
            as is_latest
    from charted
    inner join centres on centres.metric_id = charted.metric_id
    left join verdicts
        on verdicts.metric_id = charted.metric_id
        and verdicts.month_start = charted.month_start

)

select
    cast(metric_id as varchar) as metric_id,
    cast(area_code as varchar) as area_code,
    cast(month_start as date) as month_start,
    cast(chart_type as varchar) as chart_type,
    cast(value as double) as value,
    cast(numerator as double) as numerator,
    cast(exposure as double) as exposure,
    cast(points as integer) as points,
    cast(centre as double) as centre,
    cast(sigma as double) as sigma,
    cast(upper_limit as double) as upper_limit,
    cast(lower_limit as double) as lower_limit,
    cast(upper_near as double) as upper_near,
    cast(lower_near as double) as lower_near,
    beyond_limit,
    two_of_three,
    shift,
    trend,
    cast(rule_fired as varchar) as rule_fired,
    cast(is_suspect as boolean) as is_suspect,
    cast(variation as varchar) as variation,
    cast(target as double) as target,
    cast(
        case
            when target is null or upper_limit is null then null
            when polarity = 'higher_is_better' and target <= lower_limit then 'consistently meets'
            when polarity = 'higher_is_better' and target >= upper_limit then 'consistently fails'
            when polarity = 'lower_is_better' and target >= upper_limit then 'consistently meets'
            when polarity = 'lower_is_better' and target <= lower_limit then 'consistently fails'
            else 'hit and miss'
        end as varchar
    ) as assurance,
    cast(is_latest as boolean) as is_latest
from judged
