-- The area members every count is assigned to: the force, its local authorities (each its own
-- Community Safety Partnership) and two explicit members so no row is ever dropped.
select
    area_code,
    area_name,
    area_type,
    csp_code,
    csp_name,
    lsoa_name_prefix,
    parent_area_code,
    sort_order
from {{ ref('areas') }}
