-- The delivery board's dashboard: per reporting quarter, one row per headline metric with its
-- FY {{ var('baseline_fy') }} baseline and latest figure (each with its count and period basis),
-- the change, an honest significance test and a RAG with its reason (BRIEF.md). It computes
-- nothing: it joins the chain that does, each step in its own model,
--   int_dashboard_figures     the figures and the inputs of the test
--   int_dashboard_assessment  the test: method, z, p, rate ratio, change, target met
--   int_dashboard_rating      the RAG and its reason: one rule, words from seeds/rag_reasons.csv
-- and the CSEW peer group (mart_csew_peers). Every input of z, p and the RAG is a column of the
-- row, so each can be re-derived.
with

figures as (

    select * from {{ ref('int_dashboard_figures') }}

),

assessment as (

    select * from {{ ref('int_dashboard_assessment') }}

),

rating as (

    select * from {{ ref('int_dashboard_rating') }}

),

peers as (

    select
        metric_id,
        period_end,
        {{ exact_mean('estimate', where='not is_home_force') }} as peer_mean,
        count(*) filter (where not is_home_force) as peer_forces,
        any_value(peer_rank) filter (where is_home_force) as force_rank,
        any_value(group_size) as group_size
    from {{ ref('mart_csew_peers') }}
    group by all

)

select
    cast(figures.reporting_quarter as varchar) as reporting_quarter,
    cast(figures.reporting_quarter_end as date) as reporting_quarter_end,
    cast(figures.metric_id as varchar) as metric_id,
    cast(figures.ref_number as varchar) as ref_number,
    cast(figures.display_order as integer) as display_order,
    cast(figures.delivery_strategy as varchar) as delivery_strategy,
    cast(figures.metric_name as varchar) as metric_name,
    cast(figures.tier as varchar) as tier,
    cast(figures.owner as varchar) as owner,
    cast(figures.target_text as varchar) as target_expectation,
    cast(figures.target_type as varchar) as target_type,
    cast(figures.polarity as varchar) as polarity,
    cast(figures.unit as varchar) as unit,
    cast(figures.comparison as varchar) as comparison,
    cast(figures.baseline_period_type as varchar) as baseline_period_type,
    cast(figures.baseline_period_label as varchar) as baseline_period,
    cast(figures.baseline_value as double) as baseline_value,
    cast(figures.baseline_yes_no as varchar) as baseline_yes_no,
    cast(figures.baseline_count as double) as baseline_count,
    cast(figures.baseline_denominator as double) as baseline_denominator,
    cast(figures.baseline_population as bigint) as baseline_population,
    cast(figures.baseline_months as integer) as baseline_months,
    cast(figures.baseline_exposure as double) as baseline_exposure,
    cast(figures.baseline_ci_lower as double) as baseline_ci_lower,
    cast(figures.baseline_ci_upper as double) as baseline_ci_upper,
    cast(figures.latest_period_type as varchar) as latest_period_type,
    cast(figures.latest_period_label as varchar) as latest_period,
    cast(figures.latest_period_end as date) as latest_period_end,
    cast(figures.latest_value as double) as latest_value,
    cast(figures.latest_yes_no as varchar) as latest_yes_no,
    cast(figures.latest_count as double) as latest_count,
    cast(figures.latest_denominator as double) as latest_denominator,
    cast(figures.latest_population as bigint) as latest_population,
    cast(figures.latest_months as integer) as latest_months,
    cast(figures.latest_exposure as double) as latest_exposure,
    cast(figures.latest_ci_lower as double) as latest_ci_lower,
    cast(figures.latest_ci_upper as double) as latest_ci_upper,
    cast(figures.latest_population_provisional as boolean) as latest_population_provisional,
    cast(assessment.abs_change as double) as abs_change,
    cast(assessment.pct_change as double) as pct_change,
    cast(assessment.direction as varchar) as direction,
    cast(assessment.test_used as varchar) as test_used,
    cast(assessment.rate_ratio as double) as rate_ratio,
    cast(assessment.rate_ratio_ci_lower as double) as rate_ratio_ci_lower,
    cast(assessment.rate_ratio_ci_upper as double) as rate_ratio_ci_upper,
    -- Shown only where the test used it (an administrative proportion's is estimated; a
    -- survey's sampling error is its design effect instead).
    cast(case when assessment.test_used like 'poisson%'
                   or (assessment.test_used = 'two_proportion' and figures.phi_estimated)
              then figures.phi end as double) as phi,
    cast(case when assessment.test_used like 'poisson%'
                   or (assessment.test_used = 'two_proportion' and figures.phi_estimated)
              then figures.phi_estimated end as boolean)
        as phi_estimated,
    cast(case when assessment.test_used = 'two_proportion' then figures.design_effect end
        as double) as design_effect,
    cast(assessment.z as double) as z,
    cast(assessment.p as double) as p,
    cast(assessment.significance as varchar) as significance,
    cast(assessment.target_met as boolean) as target_met,
    cast(rating.rag as varchar) as rag,
    cast(rating.rag_reason as varchar) as rag_reason,
    cast(rating.rag_internal as varchar) as rag_internal,
    cast(rating.rag_internal_reason as varchar) as rag_internal_reason,
    cast(
        case
            when figures.latest_status is null then 'missing'
            when figures.latest_status = 'complete' and figures.latest_is_suspect then 'suspect'
            -- A month of the period is suspect data (int_metric_months_suspect).
            when figures.latest_status = 'complete'
                and rating.rag_internal_reason_code = 'suspect_data' then 'suspect'
            else figures.latest_status
        end as varchar
    ) as data_status,
    cast(figures.restricted as boolean) as restricted,
    cast(figures.source as varchar) as source,
    cast(figures.source_vintage as varchar) as source_vintage,
    cast(peers.peer_mean as double) as peer_mean,
    cast(peers.peer_forces as integer) as peer_forces,
    cast(case when peers.force_rank is not null
              then peers.force_rank || ' of ' || peers.group_size end as varchar)
        as force_position,
    cast(rating.rag_reason_code as varchar) as rag_reason_code,
    cast(rating.rag_internal_reason_code as varchar) as rag_internal_reason_code,
    cast(assessment.p_binomial as double) as p_binomial,
    cast(figures.outcome_follow_up_months as integer) as outcome_follow_up_months,
    cast(figures.outcomes_mature_through as date) as outcomes_mature_through
from figures
inner join assessment
    on assessment.reporting_quarter = figures.reporting_quarter
    and assessment.metric_id = figures.metric_id
inner join rating
    on rating.reporting_quarter = figures.reporting_quarter
    and rating.metric_id = figures.metric_id
left join peers
    on peers.metric_id = figures.metric_id
    and peers.period_end = figures.latest_period_end
