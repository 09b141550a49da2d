"""police.uk street-level crime: format, raw asset, checks."""

import dagster as dg

from orchestration.defs.police_uk.assets import raw_police_uk_street
from orchestration.defs.police_uk.checks import (
    delivered_files_accepted,
    street_rows_meet_expectations,
)

defs = dg.Definitions(
    assets=[raw_police_uk_street],
    asset_checks=[delivered_files_accepted, street_rows_meet_expectations],
)
