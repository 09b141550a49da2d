-- CSEW estimates with the standard error implied by the published 95% interval.
select
    force_slug,
    period_end,
    measure,
    estimate,
    ci_lower,
    ci_upper,
    (ci_upper - ci_lower) / 3.92 as standard_error,
    unweighted_n,
    source_sha256,
    source_line
from {{ source('raw_csew', 'csew_force_estimates') }}
