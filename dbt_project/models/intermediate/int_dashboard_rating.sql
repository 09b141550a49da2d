-- The dashboard's RAG and its reason (grain reporting_quarter x metric_id): ONE rule, the CASE
-- in `coded`, gives each figure a reason code; the colour and the sentence are looked up from
-- seeds/rag_reasons.csv (the README's "How RAG is decided" is tested against that seed and
-- these thresholds). Thresholds are dbt vars (dbt_project.yml). The first matching line wins:
-- data that cannot be rated (missing, incomplete, suspect, suspect_data) first, then targets, then the
-- significance test with its small-numbers rules. A restricted metric is published grey
-- ('restricted'); rag_internal keeps the judgement from the data for the board.
with

figures as (

    select * from {{ ref('int_dashboard_figures') }}

),

assessment as (

    select * from {{ ref('int_dashboard_assessment') }}

),

reasons as (

    select * from {{ ref('rag_reasons') }}

),

-- The latest suspect month of each latest period (int_metric_months_suspect: the one rule for
-- suspect data, which readiness reads too): the period's figure sums it, so it is not rated.
suspect_months as (

    select
        figures.reporting_quarter,
        figures.metric_id,
        max(months.month_start) as latest_suspect_month,
        arg_max(months.suspect_reason, months.month_start) as latest_suspect_reason
    from figures
    inner join {{ ref('int_metric_months_suspect') }} as months
        on months.metric_id = figures.metric_id
        and months.is_suspect
        and months.month_start <= figures.latest_period_end
        and months.month_start > figures.latest_period_end - to_months(figures.latest_months)
    group by all

),

joined as (

    select
        figures.*,
        assessment.* exclude (reporting_quarter, metric_id),
        suspect_months.latest_suspect_month,
        suspect_months.latest_suspect_reason
    from figures
    inner join assessment
        on assessment.reporting_quarter = figures.reporting_quarter
        and assessment.metric_id = figures.metric_id
    left join suspect_months
        on suspect_months.reporting_quarter = figures.reporting_quarter
        and suspect_months.metric_id = figures.metric_id

),

coded as (

    select
        *,
        case
            when latest_status is null or latest_status = 'missing' then 'missing'
            when latest_status = 'incomplete' then 'incomplete'
            -- An outcome rate over crime months not yet followed up for k months would
            -- compare young, open investigations with a mature baseline: not rated.
            when not outcomes_mature then 'outcomes_immature'
            -- A figure far outside its own range is suspect data, not a change to rate
            -- (fct_metric_period.is_suspect: the one rule readiness also reads).
            when latest_is_suspect then 'suspect'
            -- A month of the period is suspect data (a collapse, a jump far beyond the process
            -- limits, a source whose reach dropped): grey, not a colour.
            when latest_suspect_month is not null then 'suspect_data'
            when test_used = 'target' and target_met is null then 'target_unjudged'
            when test_used = 'target' and target_met then 'target_met'
            when test_used = 'target' then 'target_missed'
            when baseline_value is null and baseline_yes_no is null then 'no_baseline'
            when comparison = 'none' or test_used is null then 'not_testable'
            -- Small numbers: grey only when BOTH periods are under the floor. One period with
            -- enough events is judged (by the exact test below exact_test_below_events).
            when test_used like 'poisson%'
                and greatest(baseline_count, latest_count) < {{ var('rag_min_events') }}
                then 'too_few_events'
            when test_used = 'two_proportion'
                and least(baseline_denominator, latest_denominator)
                    < {{ var('rag_min_respondents') }}
                then 'too_few_responses'
            when p is null then 'not_tested'
            when p < {{ var('significance_level') }} and change_is = 'better'
                then 'significant_improvement'
            when p < {{ var('significance_level') }} and change_is = 'worse'
                then 'significant_deterioration'
            else 'within_variation'
        end as rag_internal_reason_code
    from joined

),

published as (

    select
        *,
        case when restricted then 'restricted' else rag_internal_reason_code end
            as rag_reason_code
    from coded

),

{% set figures_in_words = {
    'period': "latest_period_label",
    'source': "replace(source, '_', ' ')",
    'months_loaded': "latest_months_loaded",
    'months': "latest_months",
    'latest_figure': shown_figure('latest_value'),
    'range_periods': "latest_recent_periods",
    'range_min': shown_figure('latest_recent_min'),
    'range_max': shown_figure('latest_recent_max'),
    'suspect_range_factor': "'" ~ var('suspect_range_factor') ~ "'",
    'suspect_month': "strftime(latest_suspect_month, '%Y-%m')",
    'suspect_reason': "latest_suspect_reason",
    'target': "target_text",
    'latest_shown': "coalesce(latest_yes_no, pcp_display_number(latest_value))",
    'baseline_fy': "'" ~ var('baseline_fy') ~ "'",
    'baseline_count': "format('{:,.0f}', baseline_count)",
    'latest_count': "format('{:,.0f}', latest_count)",
    'baseline_responses': "format('{:,.0f}', baseline_denominator)",
    'latest_responses': "format('{:,.0f}', latest_denominator)",
    'change': "pcp_display_number(baseline_value) || ' to ' || pcp_display_number(latest_value)
        || case when baseline_count is not null and latest_count is not null
                 and unit not in ('count', 'hours')
                then ' (' || format('{:,.0f}', baseline_count) || ' to '
                     || format('{:,.0f}', latest_count) || ')' else '' end",
    'p': "format('{:.2g}', p)",
    'follow_up': "outcome_follow_up_months",
    'outcomes_needed': "strftime(outcomes_needed_to, '%Y-%m')",
    'method': "case test_used
            when 'poisson_exact' then ', exact test (small numbers)'
            when 'poisson_normal' then ', over-dispersion phi ' || format('{:.1f}', phi)
            when 'interval' then ', from the published intervals'
            -- An administrative proportion's quasi-binomial phi (when it shows above 1.0),
            -- and what binomial variation alone would have said when phi changed the verdict.
            when 'two_proportion' then case when phi >= 1.05
                then ', over-dispersion phi ' || format('{:.1f}', phi)
                    || case when dispersion_changed_verdict
                        then ' (binomial variation alone: p = ' || format('{:.2g}', p_binomial)
                            || ')'
                        else '' end
                else '' end
            else '' end
        || case when outcome_follow_up_months is not null
            then '; ' || latest_period_label || ', outcomes at ' || outcome_follow_up_months
                || ' months'' follow-up'
                || case when latest_period_end >= outcomes_mature_through
                    then ' (later months not yet mature)' else '' end
            else '' end",
} %}

worded as (

    select
        published.reporting_quarter,
        published.metric_id,
        published.rag_reason_code,
        public_reason.rag,
        {{ fill_template('public_reason.sentence', figures_in_words) }} as rag_reason,
        published.rag_internal_reason_code,
        internal_reason.rag as rag_internal,
        {{ fill_template('internal_reason.sentence', figures_in_words) }} as rag_internal_reason
    from published
    left join reasons as public_reason
        on public_reason.reason_code = published.rag_reason_code
    left join reasons as internal_reason
        on internal_reason.reason_code = published.rag_internal_reason_code

)

select
    cast(reporting_quarter as varchar) as reporting_quarter,
    cast(metric_id as varchar) as metric_id,
    cast(rag_reason_code as varchar) as rag_reason_code,
    cast(rag as varchar) as rag,
    cast(rag_reason as varchar) as rag_reason,
    cast(rag_internal_reason_code as varchar) as rag_internal_reason_code,
    cast(rag_internal as varchar) as rag_internal,
    cast(rag_internal_reason as varchar) as rag_internal_reason
from worded
