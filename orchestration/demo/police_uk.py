"""Demo police.uk street-level files, byte-for-byte in the published format.

The published files: the 12-column header, CRLF line ends, fields quoted only when they hold a
comma, names ``YYYY-MM-leicestershire-street.csv``. Anti-social behaviour rows carry no Crime ID
and no outcome; a few rows have "No Location" and a few fall in LSOAs outside the force area.
LSOA codes are 2011 codes before 2024 and a mix with 2021 codes from 2024, as police.uk's are.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import numpy as np

from orchestration.defs.police_uk.format import HEADER, OUTCOMES_HEADER, force_name
from orchestration.demo.crime_model import (
    CRIME_TYPES,
    MonthKey,
    _stable_seed,
    monthly_count,
    population_by_mid_year,
)
from orchestration.settings import SEEDS_DIR

DATA_DIR = Path(__file__).parent / "data"
SOURCE = "police_uk"
FORCE = "leicestershire"
NEWER_LSOA_VINTAGE_FROM = "2024-01"
NO_LOCATION = "No Location"
OUTSIDE = "Outside force area"

_STREETS = (
    "High Street",
    "Church Lane",
    "Main Street",
    "Station Road",
    "London Road",
    "Park Road",
    "Victoria Street",
    "Mill Lane",
    "School Lane",
    "Green Lane",
    "The Green",
    "Queen Street",
    "King Street",
    "New Street",
    "Market Place",
    "Chapel Street",
    "Manor Road",
    "Forest Road",
    "Granby Street",
    "Narborough Road",
    "Humberstone Road",
    "Belgrave Gate",
    "Melton Road",
    "Loughborough Road",
    "Hinckley Road",
    "Uppingham Road",
    "Welford Road",
    "Aylestone Road",
    "Leicester Road",
    "Ashby Road",
    "Nottingham Road",
    "Derby Road",
    "Coventry Road",
    "Parking Area",
    "Supermarket",
    "Shopping Area",
    "Petrol Station",
    "Sports/Recreation Area",
    "Nightclub",
    "Hospital",
    "Further/Higher Educational Building",
    "Pedestrian Subway",
    "Bus/Coach Station",
    "Police Station",
    "Theatre/Concert Hall",
    "Conference/Exhibition Centre",
)


@dataclass(frozen=True)
class Lsoa:
    code: str
    name: str
    la_name: str
    vintage: str
    in_force_area: bool
    longitude: float
    latitude: float
    weight_before_2024: float
    weight_from_2024: float


@cache
def lsoas() -> tuple[Lsoa, ...]:
    with (DATA_DIR / "lsoas.csv").open(newline="", encoding="utf-8") as handle:
        return tuple(
            Lsoa(
                code=row["lsoa_code"],
                name=row["lsoa_name"],
                la_name=row["la_name"],
                vintage=row["vintage"],
                in_force_area=row["in_force_area"] == "true",
                longitude=float(row["longitude"]),
                latitude=float(row["latitude"]),
                weight_before_2024=float(row["weight_before_2024"] or 0),
                weight_from_2024=float(row["weight_from_2024"] or 0),
            )
            for row in csv.DictReader(handle)
        )


def _shares(file_name: str, key: str) -> dict[str, tuple[tuple[str, ...], np.ndarray]]:
    """crime type -> (categories, probabilities) from a derived shares table."""
    collected: dict[str, list[tuple[str, float]]] = {}
    with (DATA_DIR / file_name).open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            collected.setdefault(row["crime_type"], []).append((row[key], float(row["share"])))
    return {
        crime: (
            tuple(k for k, _ in pairs),
            np.array([s for _, s in pairs]) / sum(s for _, s in pairs),
        )
        for crime, pairs in collected.items()
    }


@cache
def area_shares() -> dict[str, tuple[tuple[str, ...], np.ndarray]]:
    """Crime type -> (areas, shares): local authority names, No Location, Outside force area."""
    return _shares("crime_area_shares.csv", "area")


@cache
def outcome_mix() -> dict[str, tuple[tuple[str, ...], np.ndarray]]:
    """Crime type -> (settled outcomes, shares)."""
    return _shares("outcome_mix.csv", "outcome")


@cache
def _lsoa_pool(area: str, newer_vintage: bool) -> tuple[tuple[Lsoa, ...], np.ndarray]:
    if area == OUTSIDE:
        members = [lsoa for lsoa in lsoas() if not lsoa.in_force_area]
    else:
        members = [lsoa for lsoa in lsoas() if lsoa.in_force_area and lsoa.la_name == area]
    weights = np.array(
        [m.weight_from_2024 if newer_vintage else m.weight_before_2024 for m in members]
    )
    keep = weights > 0
    chosen = tuple(m for m, k in zip(members, keep, strict=True) if k)
    return chosen, weights[keep] / weights[keep].sum()


def _months_between(earlier: MonthKey, later: MonthKey) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


# A crime's outcome is recorded some months after the crime: none for 45%, otherwise
# 1 + Exponential(mean 4) months. At age a a crime is still "Under investigation" with
# probability 0.55 exp(-a/4), as police.uk's re-published months show.
_SETTLED_AT_ONCE = 0.45
_MEAN_OUTCOME_DELAY = 4.0
MAX_OUTCOME_DELAY = 36


def _outcome_delays(rng: np.random.Generator, n: int) -> list[int]:
    """How many months after its crime month each of ``n`` crimes gets its outcome recorded."""
    return (
        np.where(
            rng.random(n) < _SETTLED_AT_ONCE,
            0,
            np.minimum(1 + np.floor(rng.exponential(_MEAN_OUTCOME_DELAY, n)), MAX_OUTCOME_DELAY),
        )
        .astype(int)
        .tolist()
    )


def _as_published(row: Sequence[str], delay: int, age: int) -> list[str]:
    """A street row as a release ``age`` months after its month shows it: a crime whose outcome
    is recorded later than that is still "Under investigation"."""
    return [*row[:10], row[10] if not row[0] or delay <= age else "Under investigation", row[11]]


def _outcome_row(row: Sequence[str], label: str) -> list[str]:
    """A crime's line in the outcomes file of month ``label``: the street columns of the crime,
    the month of the outcome, the outcome."""
    return [row[0], label, *row[2:9], row[10]]


def _gets_an_outcome_row(row: Sequence[str]) -> bool:
    """A crime (not anti-social behaviour) whose outcome police.uk publishes."""
    return bool(row[0]) and row[10] != "Status update unavailable"


@lru_cache(maxsize=MAX_OUTCOME_DELAY + 2)
def _crimes(month: MonthKey, seed: int) -> tuple[tuple[tuple[str, ...], int], ...]:
    """Every row of a month with its settled outcome, and the months until that outcome.

    Rows are tuples of str so the garbage collector stops tracking them: 38 cached months of
    lists made each collection walk ~300,000 rows, a third of a backfill's `pcp demo-data`.
    Draws become Python lists before the per-row loop (numpy scalars are slow to index and
    format; the values and their text are the same)."""
    label = month.label
    rng = np.random.default_rng(_stable_seed(seed, "rows", label))
    newer_vintage = label >= NEWER_LSOA_VINTAGE_FROM
    falls_within = force_name(FORCE)
    records: list[tuple[tuple[str, ...], int]] = []
    for crime_type in CRIME_TYPES:
        count = monthly_count(crime_type, month, seed)
        if count == 0:
            continue
        areas, shares = area_shares()[crime_type]
        per_area = rng.multinomial(count, shares)
        outcomes, outcome_shares = outcome_mix().get(crime_type, ((), np.array([])))
        is_asb = crime_type == "Anti-social behaviour"
        id_prefix = f"{seed}:{label}:{crime_type}:"
        for area, n in zip(areas, per_area, strict=True):
            if n == 0:
                continue
            if area == NO_LOCATION:
                places = [None] * n
            else:
                pool, weights = _lsoa_pool(area, newer_vintage)
                places = [pool[i] for i in rng.choice(len(pool), size=n, p=weights).tolist()]
            streets = rng.integers(0, len(_STREETS), size=n).tolist()
            jitter = rng.normal(0, 0.004, size=(n, 2)).tolist()
            settled = (
                rng.choice(len(outcomes), size=n, p=outcome_shares).tolist() if outcomes else None
            )
            delays = _outcome_delays(rng, n)
            for i, place in enumerate(places):
                if is_asb:
                    crime_id = outcome = ""
                else:
                    crime_id = hashlib.sha256(f"{id_prefix}{len(records)}".encode()).hexdigest()
                    outcome = outcomes[settled[i]]
                if place is None:
                    lon = lat = code = name = ""
                    location = NO_LOCATION
                else:
                    lon = f"{place.longitude + jitter[i][0]:.6f}"
                    lat = f"{place.latitude + jitter[i][1]:.6f}"
                    code, name = place.code, place.name
                    location = f"On or near {_STREETS[streets[i]]}"
                row = (crime_id, label, falls_within, falls_within, lon, lat, location,
                       code, name, crime_type, outcome, "")  # fmt: skip
                records.append((row, delays[i]))
    return tuple(records)


def street_rows(month: MonthKey, release: MonthKey, seed: int) -> list[list[str]]:
    """Every row of one month's street file, as published in the ``release`` month's data set.

    Outcomes depend on the release: a crime a month old is mostly "Under investigation"; a year
    later most have settled, which is how police.uk re-publishes earlier months.
    """
    age = max(_months_between(month, release), 0)
    return _street_order([_as_published(row, delay, age) for row, delay in _crimes(month, seed)])


def _add_months(month: MonthKey, count: int) -> MonthKey:
    index = month.year * 12 + month.month - 1 + count
    return MonthKey(index // 12, index % 12 + 1)


def outcome_rows(month: MonthKey, seed: int) -> list[list[str]]:
    """The outcomes file for ``month``: every outcome recorded that month, for crimes of that
    month or earlier (the street columns of the crime, the month of the outcome)."""
    rows, label = [], month.label
    for back in range(MAX_OUTCOME_DELAY, -1, -1):
        for row in _settled_after(_add_months(month, -back), seed).get(back, ()):
            rows.append(_outcome_row(row, label))
    rows.sort(key=lambda r: (r[8] == "", r[8], r[0]))
    return rows


@lru_cache(maxsize=MAX_OUTCOME_DELAY + 2)
def _settled_after(month: MonthKey, seed: int) -> dict[int, list[tuple[str, ...]]]:
    """A month's crimes that get an outcome, by the months until it is recorded: each outcomes
    file reads one delay of each of the 37 months before it, rather than all their rows (a
    backfill's outcome files were half of `pcp demo-data`)."""
    by_delay: dict[int, list[tuple[str, ...]]] = {}
    for row, delay in _crimes(month, seed):
        if _gets_an_outcome_row(row):
            by_delay.setdefault(delay, []).append(row)
    return by_delay


def write_street_csv(path: Path, rows: list[list[str]], header: tuple[str, ...] = HEADER) -> None:
    """Write rows as police.uk does: newline="" + csv's default "\\r\\n" and minimal quoting."""
    partial = path.with_suffix(".csv.part")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        handle.writelines(_csv_lines(rows))
    partial.replace(path)


def _csv_lines(rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """Each row as csv's writer writes it. A row of two or more str fields none of which holds
    a comma, quote or line break is written unquoted, so it is the fields joined by commas:
    joined here, about ten times faster than the writer (which was a quarter of a backfill's
    `pcp demo-data`). Any other row goes through the writer itself."""
    fallback = io.StringIO()
    writer = csv.writer(fallback)
    for row in rows:
        try:
            line = ",".join(row)
        except TypeError:  # a field that is not text: the writer formats it
            line = None
        if (
            line is None
            or len(row) < 2
            or line.count(",") != len(row) - 1
            or '"' in line
            or "\r" in line
            or "\n" in line
        ):
            fallback.seek(0)
            fallback.truncate()
            writer.writerow(row)
            yield fallback.getvalue()
        else:
            yield line + "\r\n"


def write_month(out_dir: Path, month: MonthKey, release: MonthKey, seed: int) -> tuple[Path, int]:
    folder = out_dir / SOURCE
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{month.label}-{FORCE}-street.csv"
    rows = street_rows(month, release, seed)
    write_street_csv(path, rows)
    return path, len(rows)


def write_outcomes_month(out_dir: Path, month: MonthKey, seed: int) -> tuple[Path, int]:
    folder = out_dir / SOURCE
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{month.label}-{FORCE}-outcomes.csv"
    rows = outcome_rows(month, seed)
    write_street_csv(path, rows, OUTCOMES_HEADER)
    return path, len(rows)


# Peer forces (PCP_FORCES beside the home force) get only the months the peer comparison of the
# demo's two boards needs: the 12 months to the quarter before the latest (the held board's) and
# the latest quarter, 15 months, so their files cost `make run` little (they are as many rows a
# month as the home force's seven times over). Their outcomes files run to the latest month, so
# the held board's 12 months have their outcomes at the 3 months' follow-up. Each is drawn from
# the home force's monthly counts, scaled by the populations of the two force areas (the
# population seed's PFA rows) and by the peer's own level: plausible, distinct rates per 1,000
# residents; outcomes from the home force's mix and delays.
PEER_MONTHS = 15


@dataclass(frozen=True)
class PeerProfile:
    level: float  # all crime, relative to the home force's rate per 1,000 residents
    longitude: float  # the force area's rough centre, for the rows' places
    latitude: float
    msoas: int  # how many MSOA-numbered places its LSOA names run to
    # The odds of a positive outcome (charge, caution, out-of-court resolution), relative to
    # the home force's mix of outcomes for each crime type.
    positive_odds: float = 1.0


# Levels set apart so a funnel plot has forces inside and outside the limits; places are the
# areas' rough centres. A force not listed draws at the home force's level, without places.
PEER_PROFILES = {
    "nottinghamshire": PeerProfile(1.12, -1.05, 53.10, 80, 0.85),
    "derbyshire": PeerProfile(0.86, -1.60, 53.00, 70, 1.15),
    "staffordshire": PeerProfile(0.93, -2.00, 52.85, 75, 1.0),
    "northamptonshire": PeerProfile(1.04, -0.90, 52.30, 60, 0.92),
    "bedfordshire": PeerProfile(1.08, -0.45, 52.05, 45, 0.8),
    "hertfordshire": PeerProfile(0.78, -0.25, 51.80, 80, 1.2),
    "avon-and-somerset": PeerProfile(1.00, -2.75, 51.30, 110, 1.05),
}
# Spread of a peer's level from one crime type to another (lognormal sigma).
PEER_TYPE_SPREAD = 0.2


def peer_months(months: Sequence[MonthKey]) -> list[MonthKey]:
    """The months a peer force is delivered: the last ``PEER_MONTHS`` of the demo's range."""
    return list(months[-PEER_MONTHS:])


def _peer_type_levels(force: str, seed: int) -> dict[str, float]:
    profile = PEER_PROFILES.get(force)
    base = profile.level if profile else 1.0
    rng = np.random.default_rng(_stable_seed(seed, "peer-levels", force))
    spread = rng.lognormal(0.0, PEER_TYPE_SPREAD, size=len(CRIME_TYPES)).tolist()
    return {crime: base * s for crime, s in zip(CRIME_TYPES, spread, strict=True)}


@cache
def _positive_outcomes() -> frozenset[str]:
    """The outcome categories the plan counts as positive (the outcome_categories seed)."""
    with (SEEDS_DIR / "outcome_categories.csv").open(newline="", encoding="utf-8") as handle:
        return frozenset(
            row["outcome_category"]
            for row in csv.DictReader(handle)
            if row["is_positive"] == "true"
        )


@cache
def _peer_outcome_mix(force: str) -> dict[str, tuple[tuple[str, ...], np.ndarray]]:
    """The home force's outcome mix with the odds of the positive outcomes scaled by the peer's
    ``positive_odds``: distinct outcome rates from one set of categories."""
    profile = PEER_PROFILES.get(force)
    odds = profile.positive_odds if profile else 1.0
    positive = _positive_outcomes()
    mix = {}
    for crime_type, (outcomes, shares) in outcome_mix().items():
        weights = np.array([odds if o in positive else 1.0 for o in outcomes]) * shares
        mix[crime_type] = (outcomes, weights / weights.sum())
    return mix


def _peer_crimes(force: str, month: MonthKey, seed: int) -> list[tuple[tuple[str, ...], int]]:
    """Every row of a peer force's month with its settled outcome, and the months until that
    outcome is recorded: the home force's count of each crime type x (peer / home residents) x
    the peer's level, drawn as Poisson, each crime's outcome from the peer's outcome mix. Its
    own generators: the home force's files are the same with or without peers; the delays
    have theirs, so the crimes are those drawn before peers had outcomes files."""
    from orchestration.forces import all_forces

    year = month.fy_start_year
    home, peer = population_by_mid_year(), population_by_mid_year(all_forces()[force].pfa_code)
    scale = _nearest(peer, year) / _nearest(home, year)
    levels = _peer_type_levels(force, seed)
    places = _peer_places(force, seed)
    name, label = force_name(force), month.label
    rng = np.random.default_rng(_stable_seed(seed, "peer-rows", force, label))
    delay_rng = np.random.default_rng(_stable_seed(seed, "peer-delays", force, label))
    crimes: list[tuple[tuple[str, ...], int]] = []
    for crime_type in CRIME_TYPES:
        expected = monthly_count(crime_type, month, seed) * scale * levels[crime_type]
        n = int(rng.poisson(expected))
        outcomes, shares = _peer_outcome_mix(force).get(crime_type, ((), np.array([])))
        settled = rng.choice(len(outcomes), size=n, p=shares).tolist() if outcomes else [0] * n
        where = rng.integers(0, len(places), size=n).tolist()
        delays = _outcome_delays(delay_rng, n)
        is_asb = crime_type == "Anti-social behaviour"
        key = f"{seed}:{force}:{label}:{crime_type}:"
        for i in range(n):
            if is_asb:
                crime_id = outcome = ""
            else:
                crime_id = hashlib.sha256(f"{key}{i}".encode()).hexdigest()
                outcome = outcomes[settled[i]]
            row = (crime_id, label, name, name, *places[where[i]], crime_type, outcome, "")
            crimes.append((row, delays[i]))
    return crimes


def _street_order(rows: list[list[str]]) -> list[list[str]]:
    """police.uk lists located rows by LSOA, then the No Location rows."""
    rows.sort(key=lambda r: (r[8] == "", r[8], r[9]))
    return rows


def write_peer_files(
    out_dir: Path, force: str, months: Sequence[MonthKey], release: MonthKey, seed: int
) -> list[tuple[Path, int]]:
    """A peer force's street and outcomes files for ``months``, in month order: each outcomes
    file holds the outcomes recorded that month for the peer's crimes of that month or
    earlier in ``months`` (a peer's files start there), so its outcome metrics mature as the
    home force's do. Only outcomes still to be written are kept between months."""
    folder = out_dir / SOURCE
    folder.mkdir(parents=True, exist_ok=True)
    due: dict[MonthKey, list[tuple[str, ...]]] = {}
    written = []
    for month in months:
        crimes = _peer_crimes(force, month, seed)
        age = max(_months_between(month, release), 0)
        street = _street_order([_as_published(row, delay, age) for row, delay in crimes])
        path = folder / f"{month.label}-{force}-street.csv"
        write_street_csv(path, street)
        written.append((path, len(street)))
        for row, delay in crimes:
            if _gets_an_outcome_row(row):
                due.setdefault(_add_months(month, delay), []).append(row)
        outcomes = [_outcome_row(row, month.label) for row in due.pop(month, ())]
        outcomes.sort(key=lambda r: (r[8] == "", r[8], r[0]))
        path = folder / f"{month.label}-{force}-outcomes.csv"
        write_street_csv(path, outcomes, OUTCOMES_HEADER)
        written.append((path, len(outcomes)))
    return written


@cache
def _peer_places(force: str, seed: int) -> tuple[tuple[str, str, str, str, str], ...]:
    """A peer's places as (longitude, latitude, location, LSOA code, LSOA name): four LSOAs to
    each MSOA-numbered area around the force area's centre, each at a few fixed map points (as
    police.uk snaps crimes to anonymised points); "No Location" alone for an unlisted force."""
    from orchestration.forces import all_forces

    profile = PEER_PROFILES.get(force)
    if profile is None:
        return (("", "", NO_LOCATION, "", ""),)
    area = all_forces()[force]
    rng = np.random.default_rng(_stable_seed(seed, "peer-places", force))
    places = []
    for index in range(profile.msoas * 4):
        msoa, letter = divmod(index, 4)
        code = f"E01{int(area.pfa_code[3:]) * 1000 + index:06d}"
        lsoa = f"{area.pfa_name} {msoa + 1:03d}{'ABCD'[letter]}"
        centre = rng.normal(0, 0.12, size=2)
        for _point in range(3):
            lon, lat = centre + rng.normal(0, 0.004, size=2)
            street = _STREETS[int(rng.integers(0, len(_STREETS)))]
            places.append((f"{profile.longitude + lon:.6f}", f"{profile.latitude + lat:.6f}",
                           f"On or near {street}", code, lsoa))  # fmt: skip
    return tuple(places)


def _nearest(by_year: dict[int, int], year: int) -> int:
    """The estimate for ``year``, or the nearest year the seed has."""
    return by_year[min(max(year, min(by_year)), max(by_year))]
