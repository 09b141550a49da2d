-- When each partition of each dataset first arrived: the first accepted delivery (loaded, or
-- superseded since) of dataset x scope x partition key. A newer version of a month replaces
-- its rows, not its date: the month has been in since it was first delivered. Every metric
-- input is dated from here (int_metric_series, int_partner_returns_latest, fct_metric_period's
-- CSEW rows), so "was it in by day D?" is the same question for every source.
with

accepted as (

    select dataset, scope, unnest(partition_keys) as partition_key, received_at, received_on
    from {{ ref('stg_ops__file_manifest') }}
    where is_accepted

)

select
    dataset,
    scope,
    partition_key,
    min(received_at) as first_delivered_at,
    min(received_on) as first_delivered_on
from accepted
group by all
