"""PCP Warehouse: Dagster orchestration, intake, demo data and the `pcp` command line."""

import warnings

# BackfillPolicy is marked beta in Dagster 1.13; single-run backfills are the behaviour we rely
# on (one run, one dbt build per backfill) and are tested here, so the notice is only noise.
warnings.filterwarnings("ignore", message=r".*backfill_policy.*beta", category=Warning)
