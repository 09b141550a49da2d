-- Monthly inputs of the road-safety metrics, by area member: the headline adjusted KSI (62:
-- fatal + adjusted-serious probabilities, a decimal) and the unadjusted count beside it, both
-- as exact decimals (int_metric_series adds them up across areas and months).
with

ksi as (

    select * from {{ ref('int_ksi_by_area_month') }}

)

select '62' as metric_id, month_start, area_code,
       cast(ksi_adjusted as {{ exact_decimal_type() }}) as numerator,
       cast(null as {{ exact_decimal_type() }}) as denominator
from ksi

union all

select 'ksi_unadjusted', month_start, area_code,
       cast(ksi_unadjusted as {{ exact_decimal_type() }}), null
from ksi
