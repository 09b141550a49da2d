-- Quarterly inputs of the offence-code metrics (homicide, firearms, serious violence, VAWG,
-- stalking and harassment) from the Home Office table, by local authority (= its CSP): the
-- home force's CSPs of int_csp_offence_metrics (which holds the metric -> codes mapping).
with

offences as (

    select * from {{ ref('int_csp_offence_metrics') }}

),

local_authorities as (

    select area_code, csp_code from {{ ref('int_areas') }} where area_type = 'local_authority'

)

select
    offences.metric_id,
    offences.quarter_start,
    local_authorities.area_code,
    sum(offences.offences) as numerator,
    null::bigint as denominator
from offences
inner join local_authorities on local_authorities.csp_code = offences.csp_code
group by all
