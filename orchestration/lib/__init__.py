"""Building blocks every source's Dagster definitions are made from."""
