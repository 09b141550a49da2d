-- The metric catalogue as a dimension: one row per metric (headline and supporting), with its
-- definition, target, polarity, statistical comparison, unit, period basis and owner. The
-- seed is the one place these are written; every mart reads them from here.
select
    cast(metric_id as varchar) as metric_id,
    cast(ref_number as varchar) as ref_number,
    cast(display_order as integer) as display_order,
    cast(delivery_strategy as varchar) as delivery_strategy,
    cast(metric_name as varchar) as metric_name,
    cast(tier as varchar) as tier,
    cast(target_text as varchar) as target_text,
    cast(target_type as varchar) as target_type,
    cast(target_operator as varchar) as target_operator,
    cast(target_value as varchar) as target_value,
    cast(polarity as varchar) as polarity,
    cast(comparison as varchar) as comparison,
    cast(unit as varchar) as unit,
    cast(period_basis as varchar) as period_basis,
    cast(frequency as varchar) as frequency,
    cast(source as varchar) as source,
    cast(source_definition as varchar) as source_definition,
    cast(owner as varchar) as owner,
    cast(restricted as boolean) as restricted,
    cast(csew as boolean) as csew,
    -- The reporting period type each period basis maps to.
    cast(case period_basis when 'FQ' then 'quarter' else period_basis end as varchar)
        as period_type
from {{ ref('metric_catalogue') }}
