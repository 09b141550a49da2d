-- The offence-code metrics (homicide, firearms, serious violence, VAWG, stalking and
-- harassment) of every CSP the Home Office table holds, by quarter: the offences of the
-- metric's codes, per the metric_offence_codes mapping in force that quarter. One place for
-- the mapping: the dashboard's inputs (int_metric_inputs__home_office) and the CSP comparisons
-- (int_comparison_inputs__csps) both read it here. A CSP delivered for a quarter has a row for
-- every metric, 0 when none of its codes were recorded (the table keeps zero rows, but a
-- metric's codes may all be missing from a CSP's rows).
with

offences as (

    select * from {{ ref('stg_home_office__csp_crime') }}
    where csp_code is not null

),

csp_quarters as (

    select distinct csp_code, quarter_start from offences

),

mapping as (

    select quarters.quarter_start, codes.metric_id, codes.offence_code
    from (select distinct quarter_start from offences) as quarters
    inner join {{ ref('metric_offence_codes') }} as codes
        on codes.valid_from <= quarters.quarter_start
    qualify codes.mapping_version = max(codes.mapping_version) over (
        partition by quarters.quarter_start, codes.metric_id
    )

),

counted as (

    select mapping.metric_id, offences.quarter_start, offences.csp_code,
           sum(offences.offences) as offences
    from mapping
    inner join offences
        on offences.quarter_start = mapping.quarter_start
        and offences.offence_code = mapping.offence_code
    group by all

)

select
    cast(metrics.metric_id as varchar) as metric_id,
    cast(csp_quarters.quarter_start as date) as quarter_start,
    cast(csp_quarters.csp_code as varchar) as csp_code,
    cast(coalesce(counted.offences, 0) as bigint) as offences
from csp_quarters
inner join (select distinct quarter_start, metric_id from mapping) as metrics
    on metrics.quarter_start = csp_quarters.quarter_start
left join counted
    on counted.metric_id = metrics.metric_id
    and counted.quarter_start = csp_quarters.quarter_start
    and counted.csp_code = csp_quarters.csp_code
