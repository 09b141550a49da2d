-- The figure that counts for each metric x area x period: the newest submission (latest
-- submitted_at; a later delivery breaks a tie, so a corrected file wins over the original;
-- then the file name, so every build picks the same row).
-- first_delivered_on: the day a figure for it first arrived, in whichever file (a partner
-- return's partition is its file name): the figure has been in since then, whatever its value.
with

submissions as (

    select
        figures.*,
        deliveries.first_delivered_on as file_first_delivered_on
    from {{ ref('stg_partner_returns__figures') }} as figures
    left join {{ ref('int_partition_deliveries') }} as deliveries
        on deliveries.dataset = 'partner_returns'
        and deliveries.partition_key = lower(figures.source_file)

)

select
    * exclude (file_first_delivered_on),
    min(file_first_delivered_on) over (partition by metric_id, area_code, period)
        as first_delivered_on
from submissions
qualify row_number() over (
    partition by metric_id, area_code, period
    -- The file name last: two files loaded together tie on everything else.
    order by submitted_at desc, loaded_at desc, source_line desc, source_file desc
) = 1
