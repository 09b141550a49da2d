-- The dashboard as an analyst reads it: mart_delivery_dashboard narrowed to the columns a
-- person looks at, each figure rounded for display by its unit (var display_decimals). Grain
-- reporting_quarter x metric_id, as the full mart, which keeps every input of the test.
-- Nothing is computed here but the rounding.
with

dashboard as (

    select * from {{ ref('mart_delivery_dashboard') }}

),

{% set decimals = var('display_decimals') %}
rounded as (

    select
        *,
        case unit
            {%- for unit, places in decimals.items() %}
            when '{{ unit }}' then {{ places }}
            {%- endfor %}
        end as places
    from dashboard

)

select
    cast(reporting_quarter as varchar) as reporting_quarter,
    cast(metric_id as varchar) as metric_id,
    cast(delivery_strategy as varchar) as delivery_strategy,
    cast(metric_name as varchar) as metric_name,
    cast(owner as varchar) as owner,
    cast(unit as varchar) as unit,
    cast(baseline_period as varchar) as baseline_period,
    cast(round(baseline_value, places) as double) as baseline_value,
    cast(latest_period as varchar) as latest_period,
    cast(round(latest_value, places) as double) as latest_value,
    cast(latest_yes_no as varchar) as latest_yes_no,
    cast(round(pct_change, 1) as double) as pct_change,
    cast(direction as varchar) as direction,
    -- Two significant figures, as the reason sentence prints it (p = 0.000012, not 0.0).
    cast(
        case when p > 0 then round(p, 1 - cast(floor(log10(p)) as integer)) else p end as double
    ) as p_value,
    cast(significance as varchar) as significance,
    cast(rag as varchar) as rag,
    cast(rag_reason as varchar) as rag_reason,
    cast(data_status as varchar) as data_status
from rounded
