-- The delivery board's dashboard: per reporting quarter, one row per headline metric with its
-- FY {{ var('baseline_fy') }} baseline and latest figure (each with its count and period basis),
-- the change, an honest significance test and a RAG with its reason (BRIEF.md):
--   poisson     counts and rates: rate ratio on population x months, SE inflated by sqrt(phi);
--               the exact conditional binomial test below {{ var('exact_test_below_events') }} events
--   proportion  survey and outcome percentages: two-proportion z-test
--   survey_estimate  CSEW: SEs from the published 95% intervals, plus the peer group
--   target      yes/no, threshold and "maintain" targets: met or missed
--   none        a management figure with nothing behind it to test: not rated
-- Every input of z, p and the RAG is a column of the row, so each can be re-derived.
with

metrics as (

    select * from {{ ref('dim_metric') }} where tier = 'Headline'

),

force as (

    select area_code from {{ ref('dim_area') }} where area_type = 'force'

),

facts as (

    select * from {{ ref('fct_metric_period') }}
    where area_code = (select area_code from force)

),

baseline_year as (

    select any_value(fy_start) as fy_start, any_value(fy_end) as fy_end,
           any_value(fy_start_year) as fy_start_year
    from {{ ref('dim_month') }}
    where fy_label = '{{ var("baseline_fy") }}'

),

quarters as (

    select distinct
        fq_label as reporting_quarter, quarter_start, quarter_end, fy_start_year
    from {{ ref('dim_month') }}
    where quarter_end >= (select fy_start from baseline_year)
        and quarter_end <= (
            select max(period_end) from facts
            where data_status in ('complete', 'restricted') and period_type in ('quarter', 'R12')
        )

),

frame as (

    select
        quarters.reporting_quarter,
        quarters.quarter_end,
        metrics.*,
        case when metrics.frequency = 'annual' then 'FY' else metrics.period_type end
            as latest_period_type,
        -- Baseline: the baseline FY, or for quarter and year-to-date figures the same point of
        -- the baseline year (like with like).
        case
            when metrics.frequency = 'annual' or metrics.period_type in ('FY', 'R12') then 'FY'
            else metrics.period_type
        end as baseline_period_type,
        case
            when metrics.frequency = 'annual' or metrics.period_type in ('FY', 'R12')
                then (select fy_end from baseline_year)
            else cast(last_day(
                quarters.quarter_end
                - to_years(quarters.fy_start_year - (select fy_start_year from baseline_year))
            ) as date)
        end as baseline_period_end
    from quarters
    cross join metrics

),

-- An annual figure's latest is the newest financial year ended by the quarter.
latest_annual as (

    select frame.reporting_quarter, frame.metric_id, max(facts.period_end) as period_end
    from frame
    inner join facts
        on facts.metric_id = frame.metric_id
        and facts.period_type = 'FY'
        and facts.period_end <= frame.quarter_end
        and facts.data_status <> 'missing'
    where frame.latest_period_type = 'FY'
    group by all

),

-- Otherwise the latest is the newest complete figure of the metric's type that a source with
-- its usual publication lag (source_publication seed) can have reached by the quarter end: a
-- lagging source shows its latest period, labelled, rather than a gap.
latest_available as (

    select frame.reporting_quarter, frame.metric_id, max(facts.period_end) as period_end
    from frame
    inner join {{ ref('source_publication') }} as publication
        on publication.source = frame.source
    inner join facts
        on facts.metric_id = frame.metric_id
        and facts.period_type = frame.latest_period_type
        and facts.period_end <= frame.quarter_end
        and facts.period_end > frame.quarter_end - to_months(publication.lag_months + 3)
        and facts.data_status in ('complete', 'restricted')
    where frame.latest_period_type <> 'FY'
    group by all

),

picked as (

    select
        frame.*,
        coalesce(latest_annual.period_end, latest_available.period_end, frame.quarter_end)
            as latest_period_end
    from frame
    left join latest_annual
        on latest_annual.reporting_quarter = frame.reporting_quarter
        and latest_annual.metric_id = frame.metric_id
    left join latest_available
        on latest_available.reporting_quarter = frame.reporting_quarter
        and latest_available.metric_id = frame.metric_id

),

with_figures as (

    select
        picked.*,
        latest.period_label as latest_period_label,
        latest.value as latest_value,
        latest.value_yes_no as latest_yes_no,
        latest.numerator as latest_count,
        latest.denominator as latest_denominator,
        latest.population as latest_population,
        latest.months_in_period as latest_months,
        latest.ci_lower as latest_ci_lower,
        latest.ci_upper as latest_ci_upper,
        latest.months_loaded as latest_months_loaded,
        latest.data_status as latest_status,
        latest.is_suspect as latest_is_suspect,
        latest.recent_min as latest_recent_min,
        latest.recent_max as latest_recent_max,
        latest.recent_periods as latest_recent_periods,
        latest.population_is_provisional as latest_population_provisional,
        latest.source_vintage,
        baseline.period_label as baseline_period_label,
        baseline.value as baseline_value,
        baseline.value_yes_no as baseline_yes_no,
        baseline.numerator as baseline_count,
        baseline.denominator as baseline_denominator,
        baseline.population as baseline_population,
        baseline.months_in_period as baseline_months,
        baseline.ci_lower as baseline_ci_lower,
        baseline.ci_upper as baseline_ci_upper,
        baseline.data_status as baseline_status
    from picked
    left join facts as latest
        on latest.metric_id = picked.metric_id
        and latest.period_type = picked.latest_period_type
        and latest.period_end = picked.latest_period_end
    -- A financial year is also the rolling 12 months to March: either row is the baseline.
    left join facts as baseline
        on baseline.metric_id = picked.metric_id
        and baseline.period_end = picked.baseline_period_end
        and (
            baseline.period_type = picked.baseline_period_type
            or (picked.baseline_period_type = 'FY' and baseline.period_type = 'R12')
        )
        and baseline.data_status in ('complete', 'restricted')
    qualify row_number() over (
        partition by picked.reporting_quarter, picked.metric_id
        order by (baseline.period_type = picked.baseline_period_type) desc nulls last
    ) = 1

),

with_dispersion as (

    select
        with_figures.*,
        coalesce(dispersion.phi, 1.0) as phi,
        coalesce(dispersion.phi_estimated, false) as phi_estimated,
        -- Poisson exposure: population x months (BRIEF.md).
        with_figures.baseline_population * with_figures.baseline_months as baseline_exposure,
        with_figures.latest_population * with_figures.latest_months as latest_exposure,
        {{ var('survey_design_effect') }} as design_effect
    from with_figures
    left join {{ ref('int_metric_dispersion') }} as dispersion
        on dispersion.metric_id = with_figures.metric_id
        and dispersion.area_code = (select area_code from force)
        and dispersion.period_end = with_figures.latest_period_end

),

with_peers as (

    select
        with_dispersion.*,
        peers.peer_mean,
        peers.peer_forces,
        peers.force_rank,
        peers.group_size
    from with_dispersion
    left join (
        select
            metric_id,
            period_end,
            {{ exact_mean('estimate', where='not is_home_force') }} as peer_mean,
            count(*) filter (where not is_home_force) as peer_forces,
            any_value(peer_rank) filter (where is_home_force) as force_rank,
            any_value(group_size) as group_size
        from {{ ref('mart_csew_peers') }}
        group by all
    ) as peers
        on peers.metric_id = with_dispersion.metric_id
        and peers.period_end = with_dispersion.latest_period_end

),

tested as (

    select
        *,
        case
            when comparison = 'poisson' and baseline_count is not null and latest_count is not null
                and baseline_exposure > 0 and latest_exposure > 0
                then case
                    when least(baseline_count, latest_count) < {{ var('exact_test_below_events') }}
                        then 'poisson_exact'
                    else 'poisson_normal'
                end
            when comparison = 'proportion' and baseline_denominator > 0 and latest_denominator > 0
                and baseline_count is not null and latest_count is not null
                then 'two_proportion'
            when comparison = 'survey_estimate' and baseline_ci_lower is not null
                and latest_ci_lower is not null
                then 'interval'
            when comparison = 'target' then 'target'
        end as test_used
    from with_peers

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
                                          latest_denominator, design_effect)
            when test_used = 'interval'
                then pcp_interval_z(baseline_value, baseline_ci_lower, baseline_ci_upper,
                                    latest_value, latest_ci_lower, latest_ci_upper)
        end as z
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
        case
            when baseline_count >= {{ var('min_count_for_percent_change') }}
                and baseline_value <> 0
                then 100.0 * (latest_value - baseline_value) / baseline_value
        end as pct_change,
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

),

rated as (

    select
        *,
        case
            when latest_status is null or latest_status = 'missing' then 'grey'
            when latest_status = 'incomplete' then 'grey'
            -- A figure far outside its own range is suspect data, not a change to rate
            -- (fct_metric_period.is_suspect: the one rule readiness also reads).
            when latest_is_suspect then 'grey'
            when test_used = 'target' and target_met is null then 'grey'
            when test_used = 'target' and target_met then 'green'
            when test_used = 'target' then 'red'
            when baseline_value is null and baseline_yes_no is null then 'grey'
            when comparison = 'none' or test_used is null then 'grey'
            when test_used like 'poisson%'
                and baseline_count + latest_count < {{ var('rag_min_events') }} then 'grey'
            when test_used = 'two_proportion'
                and least(baseline_denominator, latest_denominator)
                    < {{ var('rag_min_respondents') }} then 'grey'
            when p is null then 'grey'
            when p < {{ var('significance_level') }} and change_is = 'better' then 'green'
            when p < {{ var('significance_level') }} and change_is = 'worse' then 'red'
            else 'amber'
        end as rag_internal,
        case
            when latest_status is null or latest_status = 'missing'
                then 'No figure for ' || coalesce(latest_period_label, latest_period_type
                     || ' to ' || strftime(latest_period_end, '%Y-%m'))
                     || ' yet (' || replace(source, '_', ' ') || '), so it cannot be rated.'
            when latest_status = 'incomplete'
                then 'Only ' || latest_months_loaded || ' of ' || latest_months
                     || ' months of ' || latest_period_label
                     || ' are loaded, so it cannot be rated yet.'
            when latest_is_suspect
                then 'Suspect data, not rated: ' || {{ shown_figure('latest_value') }}
                     || ' in ' || latest_period_label || ' is more than '
                     || {{ var('suspect_range_factor') }} || ' times outside its range over the '
                     || 'previous ' || latest_recent_periods || ' periods ('
                     || {{ shown_figure('latest_recent_min') }} || ' to '
                     || {{ shown_figure('latest_recent_max') }} || '): check the source.'
            when test_used = 'target' and target_met is null
                then 'The target cannot be judged without a baseline.'
            when test_used = 'target' and target_met
                then 'Target met: ' || target_text || ' (' || coalesce(latest_yes_no,
                     pcp_display_number(latest_value)) || ' in ' || latest_period_label || ').'
            when test_used = 'target'
                then 'Target missed: ' || target_text || ' (' || coalesce(latest_yes_no,
                     pcp_display_number(latest_value)) || ' in ' || latest_period_label || ').'
            when baseline_value is null and baseline_yes_no is null
                then 'No {{ var("baseline_fy") }} baseline figure, so the change cannot be judged.'
            when comparison = 'none' or test_used is null
                then 'Not rated: no count or sample behind this figure to test the change '
                     || 'against; the arrow shows the direction only.'
            when test_used like 'poisson%'
                and baseline_count + latest_count < {{ var('rag_min_events') }}
                then 'Too few events to judge (' || format('{:,.0f}', baseline_count) || ' then '
                     || format('{:,.0f}', latest_count) || ').'
            when test_used = 'two_proportion'
                and least(baseline_denominator, latest_denominator)
                    < {{ var('rag_min_respondents') }}
                then 'Too few responses to judge (' || format('{:,.0f}', baseline_denominator)
                     || ' then ' || format('{:,.0f}', latest_denominator) || ').'
            when p is null
                then 'Not rated: the change cannot be tested (no variation in either period, or '
                     || 'a zero count).'
            else
                case
                    when p < {{ var('significance_level') }} and change_is = 'better'
                        then 'Significant improvement'
                    when p < {{ var('significance_level') }} and change_is = 'worse'
                        then 'Significant deterioration'
                    else 'Within expected variation'
                end
                || ': ' || pcp_display_number(baseline_value) || ' to '
                || pcp_display_number(latest_value)
                || case when baseline_count is not null and latest_count is not null
                        and unit not in ('count', 'hours')
                        then ' (' || format('{:,.0f}', baseline_count) || ' to '
                             || format('{:,.0f}', latest_count) || ')' else '' end
                || ', p = ' || format('{:.2g}', p)
                || case
                       when test_used = 'poisson_exact' then ', exact test (small numbers)'
                       when test_used = 'poisson_normal'
                           then ', over-dispersion phi ' || format('{:.1f}', phi)
                       when test_used = 'interval' then ', from the published intervals'
                       else ''
                   end
                || '.'
        end as rag_internal_reason
    from judged

)

select
    cast(reporting_quarter as varchar) as reporting_quarter,
    cast(quarter_end as date) as reporting_quarter_end,
    cast(metric_id as varchar) as metric_id,
    cast(ref_number as varchar) as ref_number,
    cast(display_order as integer) as display_order,
    cast(delivery_strategy as varchar) as delivery_strategy,
    cast(metric_name as varchar) as metric_name,
    cast(tier as varchar) as tier,
    cast(owner as varchar) as owner,
    cast(target_text as varchar) as target_expectation,
    cast(target_type as varchar) as target_type,
    cast(polarity as varchar) as polarity,
    cast(unit as varchar) as unit,
    cast(comparison as varchar) as comparison,
    cast(baseline_period_type as varchar) as baseline_period_type,
    cast(baseline_period_label as varchar) as baseline_period,
    cast(baseline_value as double) as baseline_value,
    cast(baseline_yes_no as varchar) as baseline_yes_no,
    cast(baseline_count as double) as baseline_count,
    cast(baseline_denominator as double) as baseline_denominator,
    cast(baseline_population as bigint) as baseline_population,
    cast(baseline_months as integer) as baseline_months,
    cast(baseline_exposure as double) as baseline_exposure,
    cast(baseline_ci_lower as double) as baseline_ci_lower,
    cast(baseline_ci_upper as double) as baseline_ci_upper,
    cast(latest_period_type as varchar) as latest_period_type,
    cast(coalesce(latest_period_label, latest_period_type || ' to '
         || strftime(latest_period_end, '%Y-%m')) as varchar) as latest_period,
    cast(latest_period_end as date) as latest_period_end,
    cast(latest_value as double) as latest_value,
    cast(latest_yes_no as varchar) as latest_yes_no,
    cast(latest_count as double) as latest_count,
    cast(latest_denominator as double) as latest_denominator,
    cast(latest_population as bigint) as latest_population,
    cast(latest_months as integer) as latest_months,
    cast(latest_exposure as double) as latest_exposure,
    cast(latest_ci_lower as double) as latest_ci_lower,
    cast(latest_ci_upper as double) as latest_ci_upper,
    cast(coalesce(latest_population_provisional, false) as boolean)
        as latest_population_provisional,
    cast(abs_change as double) as abs_change,
    cast(pct_change as double) as pct_change,
    cast(direction as varchar) as direction,
    cast(test_used as varchar) as test_used,
    cast(rate_ratio as double) as rate_ratio,
    cast(rate_ratio_ci_lower as double) as rate_ratio_ci_lower,
    cast(rate_ratio_ci_upper as double) as rate_ratio_ci_upper,
    cast(case when test_used like 'poisson%' then phi end as double) as phi,
    cast(case when test_used like 'poisson%' then phi_estimated end as boolean) as phi_estimated,
    cast(case when test_used = 'two_proportion' then design_effect end as double) as design_effect,
    cast(z as double) as z,
    cast(p as double) as p,
    cast(
        case
            when p is null then 'not tested'
            when p < {{ var('significance_level') }} then 'significant change'
            else 'within expected variation'
        end as varchar
    ) as significance,
    cast(target_met as boolean) as target_met,
    cast(case when restricted then 'grey' else rag_internal end as varchar) as rag,
    cast(
        case when restricted
            then 'Restricted: held for internal use and not published.'
            else rag_internal_reason
        end as varchar
    ) as rag_reason,
    cast(rag_internal as varchar) as rag_internal,
    cast(rag_internal_reason as varchar) as rag_internal_reason,
    cast(
        case
            when latest_status is null then 'missing'
            when latest_status = 'complete' and latest_is_suspect then 'suspect'
            else latest_status
        end as varchar
    ) as data_status,
    cast(restricted as boolean) as restricted,
    cast(source as varchar) as source,
    cast(source_vintage as varchar) as source_vintage,
    cast(peer_mean as double) as peer_mean,
    cast(peer_forces as integer) as peer_forces,
    cast(case when force_rank is not null
              then force_rank || ' of ' || group_size end as varchar) as force_position
from rated
