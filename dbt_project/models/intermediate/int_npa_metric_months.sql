-- police.uk crime counts by neighbourhood policing area (NPA) and month (grain metric_id x
-- npa_code x month_start), dense: every member of the mapping version in force has a row for
-- every month the home force's street file was delivered, 0 when nothing was counted.
-- Metrics: each catalogue metric counted as crimes (metric_crime_types, measure 'crimes', the
-- version in force for the month: macro metric_crime_types_in_force), and 'all_crime', the
-- seed-003 headline ("reported crime"): the crime types of metric 89 (every type but
-- anti-social behaviour), counted as rows, not at an outcome follow-up.
with

counts as (

    select * from {{ ref('int_npa_street_crimes') }}

),

loaded_months as (

    select distinct month_start, mapping_version from counts

),

definitions as (

    {{ metric_crime_types_in_force() }}

),

npa_metrics as (

    select month_start, cast(metric_id as varchar) as metric_id, crime_type
    from definitions
    where measure = 'crimes'

    union all

    select month_start, 'all_crime', crime_type
    from definitions
    where metric_id = '89'

),

grid as (

    select loaded_months.month_start, loaded_months.mapping_version, members.npa_code,
           metrics.metric_id
    from loaded_months
    inner join {{ ref('int_npa_members') }} as members
        on members.mapping_version = loaded_months.mapping_version
    inner join (select distinct month_start, metric_id from npa_metrics) as metrics
        on metrics.month_start = loaded_months.month_start

),

counted as (

    select npa_metrics.metric_id, counts.month_start, counts.npa_code, sum(counts.crimes) as crimes
    from counts
    inner join npa_metrics
        on npa_metrics.month_start = counts.month_start
        and npa_metrics.crime_type = counts.crime_type
    group by all

)

select
    cast(grid.metric_id as varchar) as metric_id,
    cast(grid.npa_code as varchar) as npa_code,
    cast(grid.month_start as date) as month_start,
    cast(grid.mapping_version as integer) as mapping_version,
    cast(coalesce(counted.crimes, 0) as bigint) as crimes
from grid
left join counted
    on counted.metric_id = grid.metric_id
    and counted.npa_code = grid.npa_code
    and counted.month_start = grid.month_start
