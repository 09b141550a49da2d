-- Quarterly inputs of the offence-code metrics (homicide, firearms, serious violence, VAWG,
-- stalking and harassment) from the Home Office table, by local authority (= its CSP): the
-- offences of the metric's codes, per the metric_offence_codes mapping in force that quarter.
with

offences as (

    select * from {{ ref('stg_home_office__csp_crime') }}
    where csp_code is not null

),

quarters as (

    select distinct quarter_start from offences

),

mapping as (

    select quarters.quarter_start, codes.metric_id, codes.offence_code
    from quarters
    inner join {{ ref('metric_offence_codes') }} as codes
        on codes.valid_from <= quarters.quarter_start
    qualify codes.mapping_version = max(codes.mapping_version) over (
        partition by quarters.quarter_start, codes.metric_id
    )

),

local_authorities as (

    select area_code, csp_code from {{ ref('int_areas') }} where area_type = 'local_authority'

)

select
    mapping.metric_id,
    mapping.quarter_start,
    local_authorities.area_code,
    sum(offences.offences) as numerator,
    null::bigint as denominator
from mapping
inner join offences
    on offences.quarter_start = mapping.quarter_start
    and offences.offence_code = mapping.offence_code
inner join local_authorities on local_authorities.csp_code = offences.csp_code
group by all
