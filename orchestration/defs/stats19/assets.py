"""The raw STATS19 assets: collisions, then casualties and vehicles (which take their month from
their collision), split by collision month."""

import dagster as dg

from orchestration.defs.stats19.checks import CASUALTY_SUITE, COLLISION_SUITE, VEHICLE_SUITE
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

SOURCES = (COLLISIONS, CASUALTIES, VEHICLES)
