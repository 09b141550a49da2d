"""The raw STATS19 assets: collisions, then casualties and vehicles (which take their month from
their collision), split by collision month; and DfT's severity adjustment lookups, split by
year."""

import dagster as dg

from orchestration.defs.stats19.adjustment import Stats19AdjustmentFormat
from orchestration.defs.stats19.checks import (
    CASUALTY_ADJUSTMENT_SUITE,
    CASUALTY_SUITE,
    COLLISION_ADJUSTMENT_SUITE,
    COLLISION_SUITE,
    VEHICLE_SUITE,
)
from orchestration.defs.stats19.format import Stats19Format
from orchestration.lib.intake_source import IntakeSource

RAW_COLLISION_KEY = dg.AssetKey(["raw", "stats19_collision"])
RAW_CASUALTY_KEY = dg.AssetKey(["raw", "stats19_casualty"])
RAW_VEHICLE_KEY = dg.AssetKey(["raw", "stats19_vehicle"])

COLLISIONS = IntakeSource(
    key=RAW_COLLISION_KEY,
    make_format=lambda settings: Stats19Format("collision", settings),
    suite=COLLISION_SUITE,
    group="stats19",
    description=(
        "DfT STATS19 collisions for the configured forces (police_force), from "
        "landing/stats19/dft-road-casualty-statistics-collision-*.csv, one partition per "
        "collision month. A final year replaces its provisional months; the many-year files "
        "(-last-5-years, -1979-latest-published-year) replace each year they hold."
    ),
)

CASUALTIES = IntakeSource(
    key=RAW_CASUALTY_KEY,
    make_format=lambda settings: Stats19Format("casualty", settings),
    suite=CASUALTY_SUITE,
    group="stats19",
    deps=(RAW_COLLISION_KEY,),
    description=(
        "DfT STATS19 casualties (severity and adjusted-severity probabilities), placed in their "
        "collision's month. Waits in landing until that year's collisions are loaded."
    ),
)

VEHICLES = IntakeSource(
    key=RAW_VEHICLE_KEY,
    make_format=lambda settings: Stats19Format("vehicle", settings),
    suite=VEHICLE_SUITE,
    group="stats19",
    deps=(RAW_COLLISION_KEY,),
    description="DfT STATS19 vehicles (optional), placed in their collision's month.",
)

# Needs no collision rows: a lookup row is keyed by its index, and its year's months are its
# partitions (the index or collision_year says the year).
CASUALTY_ADJUSTMENTS = IntakeSource(
    key=dg.AssetKey(["raw", "stats19_casualty_adjustment"]),
    make_format=lambda settings: Stats19AdjustmentFormat("casualty", settings),
    suite=CASUALTY_ADJUSTMENT_SUITE,
    group="stats19",
    description=(
        "DfT's severity adjustment for each casualty of the configured forces (adjusted serious "
        "and slight probabilities), from landing/stats19/dft-road-casualty-statistics-"
        "casualty-adjustment-lookup_2004-latest-published-year.csv or -casualties-adjustment-"
        "last-5-years.csv: each year the file holds replaces that year (its twelve months). "
        "Adjusted KSI takes a casualty's probabilities from here when its own file has none."
    ),
)

COLLISION_ADJUSTMENTS = IntakeSource(
    key=dg.AssetKey(["raw", "stats19_collision_adjustment"]),
    make_format=lambda settings: Stats19AdjustmentFormat("collision", settings),
    suite=COLLISION_ADJUSTMENT_SUITE,
    group="stats19",
    description=(
        "DfT's severity adjustment for each collision of the configured forces, from "
        "landing/stats19/dft-road-casualty-statistics-collision-adjustment-*.csv, split by "
        "year like the casualty lookup."
    ),
)

SOURCES = (COLLISIONS, CASUALTIES, VEHICLES, CASUALTY_ADJUSTMENTS, COLLISION_ADJUSTMENTS)
