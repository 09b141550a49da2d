-- The back-test of the year-end projection: for every finished year, how often its final
-- figure fell inside the 80% (and 95%) interval of the projections made before it ended, as
-- of each of its months (or quarters). One row per metric and one for all metrics together
-- (metric_id 'all'): an honest interval holds the final figure about 80% (95%) of the time.
with

tested as (

    select *
    from {{ ref('mart_metric_projection') }}
    where final_within_80 is not null

),

by_metric as (

    select
        metric_id,
        any_value(metric_name) as metric_name,
        false as is_overall,
        min(fy_label) as first_fy,
        max(fy_label) as last_fy,
        count(distinct fy_label) as years_tested,
        count(*) as projections_tested,
        count(*) filter (where final_within_80) as within_80,
        count(*) filter (where final_within_95) as within_95
    from tested
    group by metric_id

),

overall as (

    select
        'all' as metric_id,
        'All metrics' as metric_name,
        true as is_overall,
        min(fy_label) as first_fy,
        max(fy_label) as last_fy,
        count(distinct metric_id || ' ' || fy_label) as years_tested,
        count(*) as projections_tested,
        count(*) filter (where final_within_80) as within_80,
        count(*) filter (where final_within_95) as within_95
    from tested
    having count(*) > 0

),

combined as (

    select * from by_metric
    union all
    select * from overall

)

select
    metric_id,
    metric_name,
    is_overall,
    first_fy,
    last_fy,
    years_tested,
    projections_tested,
    within_80,
    within_80 / projections_tested as coverage_80,
    within_95,
    within_95 / projections_tested as coverage_95
from combined
