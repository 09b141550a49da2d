-- Is every headline metric ready for each delivery board, day by day? Point in time by
-- construction: grain board_date x metric_id x as_of, one row for every day from the first day
-- of the board's reporting quarter to the board date. Each row says what the warehouse would
-- have said that morning, from the manifest's received times (the day each file was delivered
-- into landing), never from what arrived later:
--   in          the figure for the period the board needs (int_board_required_periods) is
--               complete now and its last input had first been delivered by as_of
--               (fct_metric_period.first_available_on)
--   ready       it is in
--   restricted  it is in, but not for publication (not missing)
--   suspect     it is in, but a delivery of its source was refused in the var
--               refusal_window_days (45) days to as_of and no accepted delivery of the same
--               dataset had followed by as_of; or a month of the period is suspect data
--               (int_metric_months_suspect: far beyond the process limits of the months
--               before it, a count fallen to near zero from a steady level, or a source whose
--               reach dropped; the one rule the RAG's suspect_data reads too, judged on the
--               months at their current values: the warehouse keeps every file, not every
--               version's rows); or the figure itself is far outside its own recent range
--               (fct_metric_period.is_suspect)
--   late        not in, and the source had reached less far by as_of than its usual lag says
--               it should have (int_metric_reach as of as_of)
--   missing     not in, and nothing explains it (e.g. a partner return not yet supplied)
-- The status is one CASE (statused); reason, needed and status_since read the same columns.
with

requirements as (

    select * from {{ ref('int_board_required_periods') }}

),

force as (

    select area_code from {{ ref('dim_area') }} where area_type = 'force'

),

days as (

    select
        requirements.*,
        cast(unnest(generate_series(
            requirements.quarter_start, requirements.board_date, interval 1 day
        )) as date) as as_of
    from requirements

),

figures as (

    select * from {{ ref('fct_metric_period') }}
    where area_code = (select area_code from force)

),

reach as (

    select * from {{ ref('int_metric_reach') }}

),

manifest as (

    select * from {{ ref('stg_ops__file_manifest') }}

),

-- Every refused delivery, and the day an accepted delivery of the same dataset made it good.
refused as (

    select
        refusal.dataset,
        refusal.received_at as refused_at,
        refusal.received_on as refused_on,
        refusal.reason,
        (
            select min(accepted.received_on) from manifest as accepted
            where accepted.dataset = refusal.dataset
                and accepted.is_accepted
                and accepted.received_at > refusal.received_at
        ) as made_good_on
    from manifest as refusal
    where refusal.status = 'refused'

),

-- Refusals standing on each day: within the window and not yet made good. A partner return
-- names its own metrics: a refused one leaves them missing, so it makes no metric suspect.
refusals as (

    select
        days.board_date,
        days.metric_id,
        days.as_of,
        max(refused.refused_at) as refused_at,
        -- Files landed at the same instant (copied together) tie on refused_at: the reason
        -- breaks the tie, so every build reports the same one.
        arg_max(refused.refused_on, (refused.refused_at, refused.reason)) as refused_on,
        arg_max(refused.reason, (refused.refused_at, refused.reason)) as reason
    from days
    inner join refused
        on starts_with(refused.dataset, days.source)
        and refused.refused_on <= days.as_of
        and refused.refused_on > days.as_of - {{ var('refusal_window_days') }}
        and (refused.made_good_on is null or refused.made_good_on > days.as_of)
    where days.source <> 'partner_return'
    group by all

),

-- Suspect months of the needed period (int_metric_months_suspect: the one rule for suspect
-- data, which the RAG reads too), the latest first: the figure sums them, so one is enough.
suspect_months as (

    select
        days.board_date,
        days.metric_id,
        days.as_of,
        count(*) as suspect_months,
        arg_max(months.month_start, months.month_start) as suspect_month,
        arg_max(months.suspect_reason, months.month_start) as suspect_reason
    from days
    inner join figures as figure
        on figure.metric_id = days.metric_id
        and figure.period_type = days.required_type
        and figure.period_end = days.required_end
    inner join {{ ref('int_metric_months_suspect') }} as months
        on months.metric_id = days.metric_id
        and months.month_start between figure.period_start and figure.period_end
        and months.is_suspect
    group by all

),

evaluated as (

    select
        days.*,
        figure.data_status as figure_status,
        figure.first_available_on as figure_available_on,
        figure.months_in_period,
        coalesce(figure.is_suspect, false) as figure_suspect,
        figure.value as figure_value,
        figure.recent_min,
        figure.recent_max,
        figure.recent_periods,
        len(list_filter(figure.months_delivered_on, lambda day: day <= days.as_of)) as months_in,
        reach.reached_end,
        {{ expected_reach('days.as_of', 'days.lag_months') }} as expected_end_now,
        refusals.refused_at,
        refusals.refused_on,
        refusals.reason as refusal_reason,
        suspect_months.suspect_month,
        suspect_months.suspect_reason
    from days
    left join figures as figure
        on figure.metric_id = days.metric_id
        and figure.period_type = days.required_type
        and figure.period_end = days.required_end
    asof left join reach
        on reach.metric_id = days.metric_id
        and days.as_of >= reach.reached_on
    left join refusals
        on refusals.board_date = days.board_date
        and refusals.metric_id = days.metric_id
        and refusals.as_of = days.as_of
    left join suspect_months
        on suspect_months.board_date = days.board_date
        and suspect_months.metric_id = days.metric_id
        and suspect_months.as_of = days.as_of

),

labelled as (

    select
        *,
        coalesce(
            figure_status in ('complete', 'restricted') and figure_available_on <= as_of, false
        ) as is_in,
        -- A partner return's lead is the source: one not yet supplied is missing, not late.
        source <> 'partner_return'
            and reached_end is not null
            and reached_end < least(expected_end_now, required_end) as source_behind,
        suspect_month is not null as month_suspect
    from evaluated

),

statused as (

    select
        *,
        case
            when is_in and refused_at is not null then 'suspect'
            when is_in and figure_suspect then 'suspect'
            when is_in and month_suspect then 'suspect'
            when is_in and figure_status = 'restricted' then 'restricted'
            when is_in then 'ready'
            when source_behind then 'late'
            else 'missing'
        end as status
    from labelled

)

select
    cast(board_date as date) as board_date,
    cast(reporting_quarter as varchar) as reporting_quarter,
    cast(as_of as date) as as_of,
    cast(data_deadline as date) as data_deadline,
    cast(evaluation_opens as date) as evaluation_opens,
    cast(metric_id as varchar) as metric_id,
    cast(metric_name as varchar) as metric_name,
    cast(delivery_strategy as varchar) as delivery_strategy,
    cast(owner as varchar) as owner,
    cast(source as varchar) as source,
    cast(status as varchar) as status,
    -- The one place 'ready for the board' is decided: everything but missing, late, suspect.
    status in ('ready', 'restricted') as is_ready,
    cast(period_needed as varchar) as period_needed,
    cast(
        case status
            when 'ready' then period_needed || ' is in.'
            when 'restricted' then period_needed || ' is in; restricted: held for internal use, not published.'
            when 'suspect' then
                case when refused_at is not null
                    then period_needed || ' is in, but a ' || replace(source, '_', ' ')
                         || ' delivery was refused on ' || strftime(refused_on, '%Y-%m-%d')
                         || ': ' || refusal_reason
                    when figure_suspect
                    then period_needed || ' is in, but its value (' || {{ shown_figure('figure_value') }}
                         || ') is more than ' || {{ var('suspect_range_factor') }}
                         || ' times outside its range over the previous ' || recent_periods
                         || ' periods (' || {{ shown_figure('recent_min') }} || ' to '
                         || {{ shown_figure('recent_max') }} || ').'
                    else 'suspect: check the source. ' || period_needed || ' is in, but in '
                         || strftime(suspect_month, '%Y-%m') || ' the figure ' || suspect_reason || '.'
                end
            when 'late' then 'No figure for ' || period_needed || ': ' || replace(source, '_', ' ')
                 || ' has reached ' || strftime(reached_end, '%Y-%m') || ' but usually reaches '
                 || strftime(least(expected_end_now, required_end), '%Y-%m') || ' by now.'
            else 'No figure for ' || period_needed
                 || case when months_in > 0
                         then ' (only ' || months_in || ' of ' || months_in_period || ' months in).'
                         else '.' end
        end as varchar
    ) as reason,
    cast(
        case
            when status in ('ready', 'restricted') then null
            when status = 'suspect' then 'Check the ' || replace(source, '_', ' ')
                 || ' delivery and re-send a corrected file to ' || where_to_supply
                 || ' by ' || strftime(data_deadline, '%Y-%m-%d') || '.'
            when source = 'partner_return' then 'A partner return for metric ' || metric_id
                 || ', period ' || period_needed || ', dropped into ' || where_to_supply
                 || ' by ' || strftime(data_deadline, '%Y-%m-%d') || '.'
            else 'The ' || replace(source, '_', ' ') || ' data to ' || strftime(required_end, '%Y-%m')
                 || ' in ' || where_to_supply || ' by ' || strftime(data_deadline, '%Y-%m-%d') || '.'
        end as varchar
    ) as needed,
    cast(
        case
            when status in ('ready', 'restricted') then null
            when status = 'suspect' then coalesce(refused_on, required_end + 1)
            -- Due since the period could first be expected: its end plus the source's lag.
            else cast(required_end + to_months(lag_months) + interval 1 day as date)
        end as date
    ) as status_since,
    cast(required_end as date) as required_period_end,
    cast(reached_end as date) as source_reached,
    cast(case when is_in then figure_available_on end as date) as figure_available_on
from statused
