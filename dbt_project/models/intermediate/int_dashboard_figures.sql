-- The dashboard's figures (grain reporting_quarter x metric_id): for every quarter from the
-- FY {{ var('baseline_fy') }} baseline year to the latest quarter the sources reach, each headline
-- metric's baseline and latest figure, each with its count, denominator, population, months,
-- exposure (population x months: the Poisson exposure) and interval, the figure's status, and the
-- over-dispersion phi of its series. Figures only: the test is int_dashboard_assessment, the
-- RAG int_dashboard_rating.
-- Outcome metrics (int_outcome_maturity) count outcomes at a fixed follow-up of
-- var outcome_follow_up_months months, so their latest period is the newest one whose crime
-- months are all mature: a lag of k months behind the crime counts, said in the reason.
with

metrics as (

    select * from {{ ref('int_metric_catalogue') }} where tier = 'Headline'

),

force as (

    select area_code from {{ ref('int_areas') }} where area_type = 'force'

),

facts as (

    select * from {{ ref('int_metric_periods') }}
    where area_code = (select area_code from force)

),

baseline_year as (

    select any_value(fy_start) as fy_start, any_value(fy_end) as fy_end,
           any_value(fy_start_year) as fy_start_year
    from {{ ref('int_calendar_months') }}
    where fy_label = '{{ var("baseline_fy") }}'

),

quarters as (

    select distinct
        fq_label as reporting_quarter, quarter_start, quarter_end, fy_start_year
    from {{ ref('int_calendar_months') }}
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
-- its usual publication lag (source_publication seed) can have reached by the quarter end, or
-- up to var latest_period_grace_months (a quarter) older: a lagging source shows its latest
-- period, labelled, rather than a gap.
latest_available as (

    select frame.reporting_quarter, frame.metric_id, max(facts.period_end) as period_end
    from frame
    inner join {{ ref('source_publication') }} as publication
        on publication.source = frame.source
    inner join facts
        on facts.metric_id = frame.metric_id
        and facts.period_type = frame.latest_period_type
        and facts.period_end <= frame.quarter_end
        and facts.period_end > frame.quarter_end
            - to_months(publication.lag_months + {{ var('latest_period_grace_months') }})
        and facts.data_status in ('complete', 'restricted')
    -- An outcome metric's latest period ends no later than its newest mature crime month.
    left join {{ ref('int_outcome_maturity') }} as maturity
        on maturity.metric_id = frame.metric_id
    where frame.latest_period_type <> 'FY'
        and (maturity.mature_through is null or facts.period_end <= maturity.mature_through)
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
        -- The survey's design effect applies to survey percentages only; an administrative
        -- proportion's extra variation is its phi (int_metric_dispersion, quasi-binomial).
        case when with_figures.source = 'victim_survey'
            then {{ var('survey_design_effect') }} else 1.0 end as design_effect,
        maturity.follow_up_months as outcome_follow_up_months,
        maturity.mature_through as outcomes_mature_through,
        -- Both periods' crime months followed up for k months (or not an outcome metric).
        maturity.mature_through is null
            or greatest(with_figures.latest_period_end, with_figures.baseline_period_end)
                <= maturity.mature_through as outcomes_mature,
        -- The outcomes month whose delivery makes the latest period mature.
        case when maturity.metric_id is not null
            then cast(date_trunc('month', with_figures.latest_period_end)
                + to_months(maturity.follow_up_months) as date)
        end as outcomes_needed_to
    from with_figures
    left join {{ ref('int_metric_dispersion') }} as dispersion
        on dispersion.metric_id = with_figures.metric_id
        and dispersion.area_code = (select area_code from force)
        and dispersion.period_end = with_figures.latest_period_end
    left join {{ ref('int_outcome_maturity') }} as maturity
        on maturity.metric_id = with_figures.metric_id

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
    cast(target_text as varchar) as target_text,
    cast(target_type as varchar) as target_type,
    cast(target_operator as varchar) as target_operator,
    cast(target_value as varchar) as target_value,
    cast(polarity as varchar) as polarity,
    cast(unit as varchar) as unit,
    cast(comparison as varchar) as comparison,
    cast(restricted as boolean) as restricted,
    cast(source as varchar) as source,
    cast(baseline_period_type as varchar) as baseline_period_type,
    cast(baseline_period_end as date) as baseline_period_end,
    cast(baseline_period_label as varchar) as baseline_period_label,
    cast(baseline_value as double) as baseline_value,
    cast(baseline_yes_no as varchar) as baseline_yes_no,
    cast(baseline_count as double) as baseline_count,
    cast(baseline_denominator as double) as baseline_denominator,
    cast(baseline_population as bigint) as baseline_population,
    cast(baseline_months as integer) as baseline_months,
    cast(baseline_exposure as double) as baseline_exposure,
    cast(baseline_ci_lower as double) as baseline_ci_lower,
    cast(baseline_ci_upper as double) as baseline_ci_upper,
    cast(baseline_status as varchar) as baseline_status,
    cast(latest_period_type as varchar) as latest_period_type,
    cast(latest_period_end as date) as latest_period_end,
    -- A period with no row yet is still named, so a missing figure can say which one.
    cast(coalesce(latest_period_label, latest_period_type || ' to '
         || strftime(latest_period_end, '%Y-%m')) as varchar) as latest_period_label,
    cast(latest_value as double) as latest_value,
    cast(latest_yes_no as varchar) as latest_yes_no,
    cast(latest_count as double) as latest_count,
    cast(latest_denominator as double) as latest_denominator,
    cast(latest_population as bigint) as latest_population,
    cast(latest_months as integer) as latest_months,
    cast(latest_months_loaded as integer) as latest_months_loaded,
    cast(latest_exposure as double) as latest_exposure,
    cast(latest_ci_lower as double) as latest_ci_lower,
    cast(latest_ci_upper as double) as latest_ci_upper,
    cast(coalesce(latest_population_provisional, false) as boolean)
        as latest_population_provisional,
    cast(latest_status as varchar) as latest_status,
    cast(coalesce(latest_is_suspect, false) as boolean) as latest_is_suspect,
    cast(latest_recent_min as double) as latest_recent_min,
    cast(latest_recent_max as double) as latest_recent_max,
    cast(latest_recent_periods as integer) as latest_recent_periods,
    cast(source_vintage as varchar) as source_vintage,
    cast(phi as double) as phi,
    cast(phi_estimated as boolean) as phi_estimated,
    cast(design_effect as double) as design_effect,
    cast(outcome_follow_up_months as integer) as outcome_follow_up_months,
    cast(outcomes_mature_through as date) as outcomes_mature_through,
    cast(coalesce(outcomes_mature, true) as boolean) as outcomes_mature,
    cast(outcomes_needed_to as date) as outcomes_needed_to
from with_dispersion
