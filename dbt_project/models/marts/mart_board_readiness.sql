-- Is every headline metric ready for each delivery board? Evaluated as of var readiness_as_of
-- (default today). Grain: board_date x metric_id.
--   required period: the reporting quarter, or for a source whose usual publication lag
--     (source_publication seed) means the quarter cannot be out by the data deadline, the
--     latest quarter end it can have reached; annual metrics need the latest financial year.
--   ready       the required figure is in
--   restricted  it is in, but not for publication (not missing)
--   suspect     it is in, but a delivery of its source was refused lately or its last monthly
--               count is far outside its trailing range
--   late        not in, and the source is behind where its usual lag says it should be
--   missing     not in, and nothing explains it (e.g. a partner return not yet supplied)
{% set as_of = var('readiness_as_of') %}
with

parameters as (

    select coalesce(try_cast('{{ as_of }}' as date), current_date) as as_of

),

boards as (

    select
        boards.board_date,
        boards.reporting_quarter,
        quarters.quarter_end,
        cast(boards.board_date - interval {{ var('readiness_window_days') }} day as date)
            as evaluation_opens
    from {{ ref('delivery_boards') }} as boards
    inner join (
        select distinct fq_label, quarter_end from {{ ref('dim_month') }}
    ) as quarters on quarters.fq_label = boards.reporting_quarter

),

deadlines as (

    select
        boards.*,
        (
            select min(day) from (
                select cast(day as date) as day
                from range(boards.board_date - interval 60 day, boards.board_date, interval 1 day)
                    as days(day)
                where isodow(day) <= 5
                order by day desc
                limit {{ var('data_deadline_working_days') }}
            )
        ) as data_deadline
    from boards

),

metrics as (

    select metrics.*, publication.lag_months, publication.where_to_supply
    from {{ ref('dim_metric') }} as metrics
    inner join {{ ref('source_publication') }} as publication
        on publication.source = metrics.source
    where metrics.tier = 'Headline'

),

facts as (

    select * from {{ ref('fct_metric_period') }}
    where area_code = (select area_code from {{ ref('dim_area') }} where area_type = 'force')

),

quarter_ends as (

    select distinct quarter_end, fy_end, fq_label, fy_label from {{ ref('dim_month') }}

),

required as (

    select
        deadlines.board_date,
        deadlines.reporting_quarter,
        deadlines.quarter_end,
        deadlines.data_deadline,
        deadlines.evaluation_opens,
        metrics.metric_id,
        metrics.metric_name,
        metrics.delivery_strategy,
        metrics.owner,
        metrics.source,
        metrics.frequency,
        metrics.restricted,
        metrics.lag_months,
        metrics.where_to_supply,
        case when metrics.frequency = 'annual' then 'FY' else metrics.period_type end
            as required_type,
        -- The newest quarter end the source can have reached by the data deadline.
        least(
            deadlines.quarter_end,
            (
                select max(quarter_end) from quarter_ends
                where quarter_end <= last_day(
                    date_trunc('month', deadlines.data_deadline) - to_months(metrics.lag_months)
                )
            )
        ) as reachable_end
    from deadlines
    cross join metrics

),

required_periods as (

    select
        required.*,
        case
            when required_type = 'FY'
                then (select max(fy_end) from quarter_ends
                      where fy_end <= required.reachable_end)
            else reachable_end
        end as required_end
    from required

),

-- How far each metric's source has delivered (additive sources and CSEW).
reach as (

    select metric_id,
           max(case grain when 'month' then last_day(period_start)
                          else last_day(period_start + to_months(2)) end) as reached_end
    from {{ ref('int_metric_series') }}
    group by metric_id
    union all
    select measures.metric_id, max(last_day(estimates.period_end))
    from {{ ref('stg_csew__force_estimates') }} as estimates
    inner join {{ ref('metric_survey_measures') }} as measures
        on measures.source = 'csew' and measures.measure = estimates.measure
    where estimates.force_slug = '{{ var("home_force") }}'
    group by all

),

-- Refused deliveries of each dataset in the last 45 days that no later accepted delivery of
-- the same dataset has made good. A partner return names its own metrics: a refused one
-- leaves them missing, so it does not make the other partner metrics suspect.
refused_datasets as (

    select
        manifest.source as dataset,
        max(manifest.received_at) as refused_at,
        arg_max(manifest.reason, manifest.received_at) as reason
    from {{ source('ops', 'file_manifest') }} as manifest
    where manifest.status = 'refused'
        and cast(manifest.received_at as date) <= (select as_of from parameters)
        and cast(manifest.received_at as date) > (select as_of from parameters) - interval 45 day
        and manifest.received_at > coalesce((
            select max(accepted.received_at) from {{ source('ops', 'file_manifest') }} as accepted
            where accepted.source = manifest.source and accepted.status <> 'refused'
        ), '-infinity'::timestamptz)
    group by all

),

refusals as (

    select
        metrics.metric_id,
        max(refused_datasets.refused_at) as refused_at,
        arg_max(refused_datasets.reason, refused_datasets.refused_at) as reason
    from metrics
    inner join refused_datasets on starts_with(refused_datasets.dataset, metrics.source)
    where metrics.source <> 'partner_return'
    group by all

),

-- The last month of each monthly series against its trailing 24 months.
volumes as (

    select metric_id, period_start, numerator,
           avg(numerator) over previous_months as trailing_mean,
           stddev_samp(numerator) over previous_months as trailing_sd,
           count(*) over previous_months as trailing_months
    from {{ ref('int_metric_series') }}
    where grain = 'month'
        and area_code = (select area_code from {{ ref('dim_area') }} where area_type = 'force')
    window previous_months as (
        partition by metric_id order by period_start
        rows between 24 preceding and 1 preceding
    )

),

evaluated as (

    select
        required_periods.*,
        (select as_of from parameters) as as_of,
        figure.period_label as required_period,
        figure.data_status as figure_status,
        figure.months_loaded,
        figure.months_in_period,
        reach.reached_end,
        last_day(
            date_trunc('month', (select as_of from parameters))
            - to_months(required_periods.lag_months)
        ) as expected_end_now,
        refusals.refused_at,
        refusals.reason as refusal_reason,
        volumes.numerator as last_month_count,
        volumes.trailing_mean,
        volumes.trailing_sd,
        volumes.trailing_months
    from required_periods
    left join facts as figure
        on figure.metric_id = required_periods.metric_id
        and figure.period_type = required_periods.required_type
        and figure.period_end = required_periods.required_end
    left join reach on reach.metric_id = required_periods.metric_id
    left join refusals on refusals.metric_id = required_periods.metric_id
    left join volumes
        on volumes.metric_id = required_periods.metric_id
        and last_day(volumes.period_start) = required_periods.required_end

),

labelled as (

    select
        *,
        coalesce(
            required_period,
            case required_type
                when 'FY' then (select any_value(fy_label) from quarter_ends where fy_end = required_end)
                when 'quarter' then (select any_value(fq_label) from quarter_ends where quarter_end = required_end)
                when 'FYTD' then 'FYTD ' || (select any_value(fq_label) from quarter_ends where quarter_end = required_end)
                else required_type || ' to ' || strftime(required_end, '%Y-%m')
            end
        ) as period_needed,
        figure_status in ('complete', 'restricted') as is_in,
        reached_end is not null and reached_end < least(expected_end_now, required_end)
            as source_behind,
        trailing_months >= 12 and trailing_sd > 0
            and abs(last_month_count - trailing_mean) > {{ var('suspect_volume_sd') }} * trailing_sd
            as volume_outlier
    from evaluated

),

statused as (

    select
        *,
        case
            when is_in and refused_at is not null then 'suspect'
            when is_in and volume_outlier then 'suspect'
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
    cast(period_needed as varchar) as period_needed,
    cast(
        case status
            when 'ready' then period_needed || ' is in.'
            when 'restricted' then period_needed || ' is in; restricted: held for internal use, not published.'
            when 'suspect' then
                case when refused_at is not null
                    then period_needed || ' is in, but a ' || replace(source, '_', ' ')
                         || ' delivery was refused on ' || strftime(refused_at, '%Y-%m-%d')
                         || ': ' || refusal_reason
                    else period_needed || ' is in, but its last month (' || format('{:,.0f}', last_month_count)
                         || ') is far outside the previous ' || trailing_months || ' months (mean '
                         || format('{:,.0f}', trailing_mean) || ').'
                end
            when 'late' then 'No figure for ' || period_needed || ': ' || replace(source, '_', ' ')
                 || ' has reached ' || strftime(reached_end, '%Y-%m') || ' but usually reaches '
                 || strftime(least(expected_end_now, required_end), '%Y-%m') || ' by now.'
            else 'No figure for ' || period_needed
                 || case when months_loaded is not null
                         then ' (only ' || months_loaded || ' of ' || months_in_period || ' months in).'
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
            when status = 'suspect' then coalesce(cast(refused_at as date), required_end + 1)
            -- Due since the period could first be expected: its end plus the source's lag.
            else cast(required_end + to_months(lag_months) + interval 1 day as date)
        end as date
    ) as status_since,
    cast(required_end as date) as required_period_end,
    cast(reached_end as date) as source_reached
from statused
