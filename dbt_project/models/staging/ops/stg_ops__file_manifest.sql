-- Every delivered file as the manifest records it (accepted, superseded or refused), dated by
-- the day it was delivered into landing: received_at is the file's modification time (capped
-- at when intake saw it), taken as a calendar day in var calendar_timezone (Europe/London).
-- Point-in-time questions ("what had arrived by the 20th?") are answered from received_on.
select
    cast(delivery_id as varchar) as delivery_id,
    cast(source as varchar) as dataset,
    cast(coalesce(scope, '') as varchar) as scope,
    cast(original_name as varchar) as original_name,
    partition_keys,
    cast(status as varchar) as status,
    status in ('loaded', 'superseded') as is_accepted,
    received_at,
    cast(timezone('{{ var("calendar_timezone") }}', received_at) as date) as received_on,
    cast(reason as varchar) as reason
from {{ source('ops', 'file_manifest') }}
