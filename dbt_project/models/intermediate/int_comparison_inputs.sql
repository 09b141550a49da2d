-- Every comparison's units in one shape, so one funnel machinery (int_funnel_assessment,
-- mart_funnel_limits) serves them all. Each part adds its one arm.
select * from {{ ref('int_comparison_inputs__csps') }}
union all by name
select * from {{ ref('int_comparison_inputs__npas') }}
union all by name
select * from {{ ref('int_comparison_inputs__peer_forces') }}
