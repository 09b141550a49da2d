"""Demo data in the real published formats, deterministic for a seed. One module per source."""

from __future__ import annotations

import gc
import multiprocessing
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, nullcontext
from datetime import date
from pathlib import Path

from orchestration.demo import (
    action_tracker,
    csew,
    delivery_calendar,
    home_office,
    partner_returns,
    police_uk,
    stats19,
    victim_survey,
)
from orchestration.demo.crime_model import MonthKey, population_by_mid_year


class MonthRangeError(ValueError):
    """A --start/--end the demo cannot generate. The message names the option, the value given
    and what was expected, so `pcp demo-data` can show it as it is."""


def parse_month(option: str, text: str) -> MonthKey:
    """A YYYY-MM month; ``option`` (the CLI's spelling, e.g. --start) names it in the error."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}", text) or not 1 <= int(text[5:]) <= 12:
        raise MonthRangeError(f"{option} {text!r}: expected a month as YYYY-MM (e.g. 2019-04)")
    return MonthKey(int(text[:4]), int(text[5:]))


def month_range(start: str, end: str) -> list[MonthKey]:
    """Every month from start to end inclusive; MonthRangeError when either is not a YYYY-MM
    month, end is before start, or start is before the population seed's first year."""
    first, last = parse_month("--start", start), parse_month("--end", end)
    if (last.year, last.month) < (first.year, first.month):
        raise MonthRangeError(f"--end {end} is before --start {start}")
    # Rates and partner-return counts for financial year y/y+1 use the mid-y estimate, so the
    # first month with one is April of the seed's first mid-year.
    years = population_by_mid_year()
    earliest = MonthKey(min(years), 4)
    if (first.year, first.month) < (earliest.year, earliest.month):
        raise MonthRangeError(
            f"--start {start}: demo data needs a population estimate; the population seed covers "
            f"mid-{min(years)} to mid-{max(years)}, so the earliest start is {earliest.label}"
        )
    months, current = [], first
    while (current.year, current.month) <= (last.year, last.month):
        months.append(current)
        current = MonthKey(current.year + current.month // 12, current.month % 12 + 1)
    return months


def _police_uk(
    out_dir: Path, months: list[MonthKey], seed: int, peers: Sequence[str] = ()
) -> list[tuple[Path, int]]:
    return _home_police_uk(out_dir, months, seed) + _peer_police_uk(out_dir, months, seed, peers)


def _home_police_uk(out_dir: Path, months: list[MonthKey], seed: int) -> list[tuple[Path, int]]:
    """The home force's street and outcomes files."""
    release = months[-1]  # the files as published in the latest month's release
    written = []
    for month in months:  # month by month: outcomes reuse the recent months' crimes
        written.append(police_uk.write_month(out_dir, month, release, seed))
        written.append(police_uk.write_outcomes_month(out_dir, month, seed))
    return written


def _peer_police_uk(
    out_dir: Path, months: list[MonthKey], seed: int, peers: Sequence[str]
) -> list[tuple[Path, int]]:
    """The peer forces' files, for the months the peer comparison needs."""
    written = []
    for force in peers:
        written.extend(
            police_uk.write_peer_files(
                out_dir, force, police_uk.peer_months(months), months[-1], seed
            )
        )
    return written


def _stats19(out_dir: Path, months: list[MonthKey], seed: int) -> list[tuple[Path, int]]:
    return [
        written
        for year, last_month in stats19.releases(months)
        for written in stats19.write_year(out_dir, year, last_month, seed)
    ]


def _victim_survey(out_dir: Path, months: list[MonthKey], seed: int) -> list[tuple[Path, int]]:
    return [
        victim_survey.write_month(out_dir, survey, month, seed)
        for month in months
        for survey in victim_survey.SURVEYS
    ]


# source -> writer(out_dir, months, seed). Each new source adds one entry.
GENERATORS: dict[str, Callable[[Path, list[MonthKey], int], list[tuple[Path, int]]]] = {
    police_uk.SOURCE: _police_uk,
    stats19.SOURCE: _stats19,
    victim_survey.SOURCE: _victim_survey,
    home_office.SOURCE: home_office.write_table,
    partner_returns.SOURCE: partner_returns.write_returns,
    csew.SOURCE: csew.write_estimates,
    action_tracker.SOURCE: action_tracker.write_tracker,
}


@contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """The generators build millions of short-lived rows that hold no reference cycles, and
    the police.uk months cached for outcomes keep ~300,000 of them alive: the cyclic collector
    frees nothing here and re-walked them all often enough to cost a third of a backfill's
    `pcp demo-data`. Reference counting still frees every row."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _apart(write: Callable[..., list[tuple[Path, int]]], *args: object) -> list[tuple[Path, int]]:
    """``write(*args)`` in a process of its own (see ``APART_FROM_MONTHS``)."""
    with _without_cyclic_gc():
        return write(*args)


# police.uk is four fifths of the work (2.7M rows over `make run`'s 78 months and its seven
# peer forces), so from two years on it is written by two more processes, the home force's
# files by one and the peers' by the other, while this one writes the other sources: about a
# third of the work each (12, 10 and 8 s of CPU in `make run`), and `make run` writes the demo
# data beside dbt's parse, so the four share the two cores. The files are the same bytes
# either way (each source, and each force, draws from its own seeded generators). A short
# range stays in one process: starting others costs more than it saves.
APART_FROM_MONTHS = 24


def write_demo_data(
    out_dir: Path,
    *,
    start: str,
    end: str,
    seed: int,
    withhold: bool = True,
    police_uk_apart: bool | None = None,
    peer_forces: Sequence[str] = (),
) -> dict[str, list[tuple[Path, int]]]:
    """Every source's demo files. With ``withhold`` (the default) two partner-return metrics
    are left out of the latest quarter's returns, as happens before a real board (seed 002:
    "obtaining all metrics has not yet been possible"); `write_withheld_returns` delivers them.
    ``police_uk_apart``: write police.uk in two more processes (default: from
    ``APART_FROM_MONTHS`` months on). ``peer_forces``: police.uk slugs of forces whose street
    and outcomes files are written too, for the last ``police_uk.PEER_MONTHS`` months (the
    home force's files are the same bytes with or without them).

    Each file's modification time is the day it would have been delivered (the demo's
    delivery calendar), never later than the story date: the 15th of the month after ``end``."""
    months = month_range(start, end)
    story = delivery_calendar.story_date(months[-1])
    if police_uk_apart is None:
        police_uk_apart = len(months) >= APART_FROM_MONTHS
    written: dict[str, list[tuple[Path, int]]] = {}
    # spawn, not fork: a caller may have threads (a test run, Dagster), which fork copies badly.
    apart = (
        ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn"))
        if police_uk_apart
        else nullcontext()
    )
    with apart as others:
        police = None
        if others is not None:
            police = [others.submit(_apart, _home_police_uk, out_dir, months, seed)]
            if peer_forces:
                police.append(
                    others.submit(
                        _apart, _peer_police_uk, out_dir, months, seed, tuple(peer_forces)
                    )
                )
        with _without_cyclic_gc():
            for source, write in GENERATORS.items():
                if source == police_uk.SOURCE and police is not None:
                    continue
                if source == partner_returns.SOURCE:
                    written[source] = partner_returns.write_returns(out_dir, months, seed, withhold)
                elif source == police_uk.SOURCE:
                    written[source] = _police_uk(out_dir, months, seed, peer_forces)
                elif source == home_office.SOURCE:
                    written[source] = home_office.write_table(out_dir, months, seed, peer_forces)
                else:
                    written[source] = write(out_dir, months, seed)
        if police is not None:
            written[police_uk.SOURCE] = [file for part in police for file in part.result()]
    for source in GENERATORS:  # in the generators' order, as `pcp demo-data` prints them
        written[source] = written.pop(source)
        for path, _ in written[source]:
            delivery_calendar.stamp(path, delivery_calendar.delivery_date(source, path, story))
    return written


def write_withheld_returns(
    out_dir: Path, *, start: str, end: str, seed: int, delivered_on: date | None = None
) -> Path:
    """The late partner return holding what `write_demo_data` withheld, as a lead would send it:
    delivered now, or, given ``delivered_on``, submitted and delivered (file time) that day."""
    path = partner_returns.write_withheld(out_dir, month_range(start, end), seed, delivered_on)
    if delivered_on is not None:
        delivery_calendar.stamp(path, delivered_on)
    return path
