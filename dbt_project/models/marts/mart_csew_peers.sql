-- CSEW force-area estimates of the home force beside its most similar group (MSG) of peer
-- forces, as the effective-dated peer_forces seed defines the group at each survey year end.
-- Grain: metric_id x period_end x force_slug. peer_rank 1 = best of the group (by polarity).
with

estimates as (

    select * from {{ ref('stg_csew__force_estimates') }}

),

measures as (

    select metric_id, measure from {{ ref('metric_survey_measures') }} where source = 'csew'

),

group_members as (

    select distinct estimates.period_end, estimates.force_slug
    from estimates
    where {{ in_peer_group('estimates.force_slug', 'estimates.period_end') }}

),

grouped as (

    select
        measures.metric_id,
        cast(last_day(estimates.period_end) as date) as period_end,
        estimates.force_slug,
        forces.force_name,
        estimates.force_slug = '{{ var("home_force") }}' as is_home_force,
        estimates.estimate,
        estimates.ci_lower,
        estimates.ci_upper,
        estimates.unweighted_n
    from estimates
    inner join group_members
        on group_members.period_end = estimates.period_end
        and group_members.force_slug = estimates.force_slug
    inner join measures on measures.measure = estimates.measure
    left join {{ ref('forces') }} as forces on forces.force_slug = estimates.force_slug

)

select
    cast(grouped.metric_id as varchar) as metric_id,
    grouped.period_end,
    cast(grouped.force_slug as varchar) as force_slug,
    cast(grouped.force_name as varchar) as force_name,
    grouped.is_home_force,
    cast(grouped.estimate as double) as estimate,
    cast(grouped.ci_lower as double) as ci_lower,
    cast(grouped.ci_upper as double) as ci_upper,
    cast(grouped.unweighted_n as integer) as unweighted_n,
    cast(
        rank() over (
            partition by grouped.metric_id, grouped.period_end
            order by case when metrics.polarity = 'higher_is_better' then -grouped.estimate
                          else grouped.estimate end
        ) as integer
    ) as peer_rank,
    cast(count(*) over (partition by grouped.metric_id, grouped.period_end) as integer)
        as group_size
from grouped
inner join {{ ref('dim_metric') }} as metrics on metrics.metric_id = grouped.metric_id
