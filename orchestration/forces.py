"""The police forces of England and Wales (seeds/forces.csv) and which ones this warehouse takes.

One table serves every source: police.uk names forces by slug and "Falls within" text, STATS19 by
a numeric code, ONS and the Home Office by PFA code and name.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from orchestration.settings import SEEDS_DIR, Settings, SettingsError


@dataclass(frozen=True)
class Force:
    slug: str
    name: str  # police.uk "Falls within" / "Reported by"
    stats19_code: int
    pfa_code: str
    pfa_name: str


@cache
def all_forces() -> dict[str, Force]:
    with (SEEDS_DIR / "forces.csv").open(newline="", encoding="utf-8") as handle:
        return {
            row["force_slug"]: Force(
                row["force_slug"], row["force_name"], int(row["stats19_police_force"]),
                row["pfa_code"], row["pfa_name"],
            )
            for row in csv.DictReader(handle)
        }  # fmt: skip


def configured_forces(settings: Settings) -> list[Force]:
    """The forces named in PCP_FORCES (default: the home force only)."""
    known = all_forces()
    unknown = [slug for slug in settings.forces if slug not in known]
    if unknown:
        raise SettingsError(
            f"PCP_FORCES names unknown force(s) {', '.join(unknown)}: use police.uk slugs "
            f"from seeds/forces.csv, e.g. {', '.join(list(known)[:3])}"
        )
    return [known[slug] for slug in settings.forces]
