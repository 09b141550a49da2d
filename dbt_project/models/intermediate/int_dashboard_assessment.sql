-- How each dashboard figure's change is tested (grain reporting_quarter x metric_id, as
-- int_dashboard_figures): the method, the test statistic z, the two-sided p-value, the rate
-- ratio and its interval, the change and its direction, and whether a target is met.
--   poisson          counts and rates: rate ratio on population x months, SE inflated by
--                    sqrt(phi); the exact conditional binomial test when either period has
--                    fewer than {{ var('exact_test_below_events') }} events (poisson_exact)
--   proportion       survey and outcome percentages: two-proportion z-test (two_proportion),
--                    the binomial variance times the survey's design effect, or for an
--                    administrative proportion its quasi-binomial phi (int_metric_dispersion);
--                    p_binomial is the same test at phi 1, to say when phi changed the verdict
--   survey_estimate  CSEW: SEs from the published 95% intervals (interval)
--   target           yes/no, threshold and "maintain" targets: met or missed
--   none             a management figure with nothing behind it to test: null
-- Every input of z and p is a column of int_dashboard_figures, so each can be re-derived. What
-- the result means for the RAG is int_dashboard_rating's one rule.
with

figures as (

    select * from {{ ref('int_dashboard_figures') }}

),

tested as (

    select
        *,
        case
            when comparison = 'poisson' and baseline_count is not null and latest_count is not null
                and baseline_exposure > 0 and latest_exposure > 0
                then {{ poisson_test_used('baseline_count', 'latest_count') }}
            when comparison = 'proportion' and baseline_denominator > 0 and latest_denominator > 0
                and baseline_count is not null and latest_count is not null
                then 'two_proportion'
            when comparison = 'survey_estimate' and baseline_ci_lower is not null
                and latest_ci_lower is not null
                then 'interval'
            when comparison = 'target' then 'target'
        end as test_used
    from figures

),

statistics as (

    select
        *,
        case when test_used like 'poisson%' and baseline_count > 0 and latest_count > 0
            then (latest_count / latest_exposure) / (baseline_count / baseline_exposure)
        end as rate_ratio,
        case
            when test_used like 'poisson%' and baseline_count > 0 and latest_count > 0
                then pcp_poisson_z(baseline_count, baseline_exposure, latest_count,
                                   latest_exposure, phi)
            when test_used = 'two_proportion'
                then pcp_two_proportion_z(baseline_count, baseline_denominator, latest_count,
                                          latest_denominator, design_effect * phi)
            when test_used = 'interval'
                then pcp_interval_z(baseline_value, baseline_ci_lower, baseline_ci_upper,
                                    latest_value, latest_ci_lower, latest_ci_upper)
        end as z,
        case when test_used = 'two_proportion'
            then pcp_two_proportion_z(baseline_count, baseline_denominator, latest_count,
                                      latest_denominator, design_effect)
        end as z_binomial
    from tested

),

tested_p as (

    select
        *,
        case
            when test_used = 'poisson_exact'
                then pcp_exact_rate_p(baseline_count, baseline_exposure, latest_count,
                                      latest_exposure)
            when z is not null then pcp_two_sided_p(z)
        end as p,
        case when z_binomial is not null then pcp_two_sided_p(z_binomial) end as p_binomial,
        case when rate_ratio is not null
            then pcp_poisson_ci(baseline_count, baseline_exposure, latest_count,
                                latest_exposure, phi, -1)
        end as rate_ratio_ci_lower,
        case when rate_ratio is not null
            then pcp_poisson_ci(baseline_count, baseline_exposure, latest_count,
                                latest_exposure, phi, 1)
        end as rate_ratio_ci_upper
    from statistics

),

judged as (

    select
        *,
        latest_value - baseline_value as abs_change,
        {{ percent_change('latest_value', 'baseline_value', 'baseline_count') }} as pct_change,
        case
            when latest_value is not null and baseline_value is not null then
                case when latest_value > baseline_value then '↑'
                     when latest_value < baseline_value then '↓' else '↔' end
            when latest_yes_no is not null and baseline_yes_no is not null then
                case when latest_yes_no = baseline_yes_no then '↔'
                     when latest_yes_no = 'Y' then '↑' else '↓' end
        end as direction,
        case
            when latest_value is null or baseline_value is null then null
            when latest_value = baseline_value then 'none'
            when (latest_value > baseline_value) = (polarity = 'higher_is_better') then 'better'
            else 'worse'
        end as change_is,
        case
            when target_type = 'yes_no' then latest_yes_no = target_value
            when target_type = 'threshold' and target_operator = '>'
                then latest_value > cast(target_value as double)
            when target_type = 'threshold' and target_operator = '>='
                then latest_value >= cast(target_value as double)
            when target_type = 'threshold' and target_operator = '<'
                then latest_value < cast(target_value as double)
            when target_type = 'threshold' and target_operator = '<='
                then latest_value <= cast(target_value as double)
            when target_type = 'maintain' and polarity = 'higher_is_better'
                then latest_value >= baseline_value
            when target_type = 'maintain' then latest_value <= baseline_value
        end as target_met
    from tested_p

)

select
    cast(reporting_quarter as varchar) as reporting_quarter,
    cast(metric_id as varchar) as metric_id,
    cast(test_used as varchar) as test_used,
    cast(rate_ratio as double) as rate_ratio,
    cast(rate_ratio_ci_lower as double) as rate_ratio_ci_lower,
    cast(rate_ratio_ci_upper as double) as rate_ratio_ci_upper,
    cast(z as double) as z,
    cast(p as double) as p,
    cast(p_binomial as double) as p_binomial,
    cast(
        coalesce(
            (p < {{ var('significance_level') }}) <> (p_binomial < {{ var('significance_level') }}),
            false
        ) as boolean
    ) as dispersion_changed_verdict,
    cast({{ significance_label('p') }} as varchar) as significance,
    cast(abs_change as double) as abs_change,
    cast(pct_change as double) as pct_change,
    cast(direction as varchar) as direction,
    cast(change_is as varchar) as change_is,
    cast(target_met as boolean) as target_met
from judged
