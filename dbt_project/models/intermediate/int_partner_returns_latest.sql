-- The figure that counts for each metric x area x period: the newest submission (latest
-- submitted_at; a later delivery breaks a tie, so a corrected file wins over the original).
select *
from {{ ref('stg_partner_returns__figures') }}
qualify row_number() over (
    partition by metric_id, area_code, period
    order by submitted_at desc, loaded_at desc, source_line desc
) = 1
