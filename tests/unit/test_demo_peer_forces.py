"""The demo's peer forces: their police.uk street and outcomes files, for the months the peer
comparison needs, at plausible and distinct levels, the two kinds of file telling one story,
without changing a byte of the home force's files."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from orchestration.defs.police_uk.format import HEADER, OUTCOMES_HEADER, force_name
from orchestration.demo import _police_uk, home_office
from orchestration.demo.crime_model import MonthKey, population_by_mid_year
from orchestration.demo.police_uk import PEER_MONTHS, PEER_PROFILES
from orchestration.forces import all_forces
from orchestration.landing.spreadsheets import sheet_rows
from orchestration.settings import SEEDS_DIR

SEED = 20250730
PEERS = ("nottinghamshire", "hertfordshire")
NEIGHBOURHOOD = {"Burglary", "Robbery", "Theft from the person", "Vehicle crime"}


def months(first: MonthKey, count: int) -> list[MonthKey]:
    index = first.year * 12 + first.month - 1
    return [MonthKey((index + i) // 12, (index + i) % 12 + 1) for i in range(count)]


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[Path, Path, list[MonthKey]]:
    """A quarter more than the peers get of police.uk files, without and with two peers."""
    span = months(MonthKey(2023, 7), PEER_MONTHS + 3)
    alone, with_peers = (tmp_path_factory.mktemp(name) for name in ("alone", "peers"))
    _police_uk(alone, span, SEED)
    _police_uk(with_peers, span, SEED, PEERS)
    return alone / "police_uk", with_peers / "police_uk", span


def test_the_home_forces_files_are_the_same_bytes_with_peers(written):
    alone, with_peers, _ = written
    home = sorted(p.name for p in alone.iterdir())
    assert home == sorted(p.name for p in with_peers.iterdir() if "leicestershire" in p.name)
    for name in home:
        assert (alone / name).read_bytes() == (with_peers / name).read_bytes(), name


def test_peers_get_street_and_outcomes_files_for_the_last_months_only(written):
    _, with_peers, span = written
    for force in PEERS:
        names = sorted(p.name for p in with_peers.glob(f"*-{force}-*.csv"))
        assert names == [
            f"{m.label}-{force}-{kind}.csv"
            for m in span[-PEER_MONTHS:]
            for kind in ("outcomes", "street")
        ]


def read(path: Path, header: tuple[str, ...] = HEADER) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        assert handle.readline().rstrip("\r\n") == ",".join(header)
        handle.seek(0)
        return list(csv.DictReader(handle))


def test_a_peers_outcomes_files_agree_with_its_street_files(written):
    """Each settled crime of the peer's street files (as the latest release shows them) has
    one outcome row, with the same outcome, in the outcomes file of a month from its own to
    the latest; a crime still under investigation has none yet; and young months are less
    settled than old ones, as police.uk's re-published months are."""
    _, with_peers, span = written
    peer_span = span[-PEER_MONTHS:]
    street = {
        r["Crime ID"]: r
        for m in peer_span
        for r in read(with_peers / f"{m.label}-nottinghamshire-street.csv")
        if r["Crime ID"]
    }
    recorded: dict[str, list[tuple[str, str]]] = {}
    for m in peer_span:
        path = with_peers / f"{m.label}-nottinghamshire-outcomes.csv"
        for r in read(path, OUTCOMES_HEADER):
            recorded.setdefault(r["Crime ID"], []).append((r["Month"], r["Outcome type"]))
    assert set(recorded) <= set(street)
    for crime_id, crime in street.items():
        outcome = crime["Last outcome category"]
        if outcome in ("Under investigation", "Status update unavailable"):
            assert crime_id not in recorded, crime
        else:
            ((month, recorded_outcome),) = recorded[crime_id]
            assert (recorded_outcome, crime["Month"] <= month) == (outcome, True), crime
    open_share = [
        sum(r["Last outcome category"] == "Under investigation" for r in rows) / len(rows)
        for rows in (
            [c for c in street.values() if c["Month"] == m.label]
            for m in (peer_span[0], peer_span[-1])
        )
    ]
    assert open_share[0] < 0.05 < 0.3 < open_share[1], open_share


def test_a_peers_rows_are_its_own_and_look_like_police_uk_rows(written):
    _, with_peers, span = written
    rows = read(with_peers / f"{span[-1].label}-nottinghamshire-street.csv")
    assert {(r["Reported by"], r["Falls within"]) for r in rows} == {
        (force_name("nottinghamshire"),) * 2
    }
    assert {r["Month"] for r in rows} == {span[-1].label}
    asb = [r for r in rows if r["Crime type"] == "Anti-social behaviour"]
    assert asb and all(not r["Crime ID"] and not r["Last outcome category"] for r in asb)
    crimes = [r for r in rows if r["Crime type"] != "Anti-social behaviour"]
    assert len({r["Crime ID"] for r in crimes}) == len(crimes)
    assert all(r["LSOA name"].startswith("Nottinghamshire ") for r in rows)


def neighbourhood_rate(folder: Path, force: str, span: list[MonthKey]) -> float:
    """Neighbourhood crimes per 1,000 residents over the last 12 months of ``span``."""
    count = sum(
        r["Crime type"] in NEIGHBOURHOOD
        for m in span[-12:]
        for r in read(folder / f"{m.label}-{force}-street.csv")
    )
    pfa = all_forces()[force].pfa_code
    return count / population_by_mid_year(pfa if force != "leicestershire" else None)[2022] * 1000


def test_peer_levels_are_plausible_and_distinct(written):
    _, with_peers, span = written
    home = neighbourhood_rate(with_peers, "leicestershire", span)
    rates = {force: neighbourhood_rate(with_peers, force, span) for force in PEERS}
    # Nottinghamshire is set above Leicestershire, Hertfordshire below (PEER_PROFILES); each
    # within a plausible band of the home force's rate (about 10 per 1,000).
    assert PEER_PROFILES["nottinghamshire"].level > 1 > PEER_PROFILES["hertfordshire"].level
    assert rates["hertfordshire"] < home < rates["nottinghamshire"]
    for rate in (home, *rates.values()):
        assert 5 < rate < 20, rates


def home_office_rows(folder: Path) -> list[tuple[str, ...]]:
    (path,) = (folder / "home_office").glob("*.ods")
    return [
        tuple(row.cells)
        for row in sheet_rows(path, path.name, lambda name: name != "Notes")
        if row.row > 1
    ]


def test_the_home_office_table_carries_the_peers_every_quarter_and_the_rest_unchanged(tmp_path):
    """The demo's national rows start at the baseline year; a configured peer's CSPs are there
    every quarter, as the intake wants every configured force in each, and no other row moves."""
    span = months(MonthKey(2023, 4), 15)  # 2023/24 (before the national rows) and 2024/25 Q1
    home_office.write_table(tmp_path / "alone", span, SEED)
    home_office.write_table(tmp_path / "peers", span, SEED, PEERS)
    alone, with_peers = home_office_rows(tmp_path / "alone"), home_office_rows(tmp_path / "peers")
    names = ("Nottinghamshire", "Hertfordshire")
    early_peers = [  # the neighbour's two CSPs ride along already (home_office.NEIGHBOUR)
        r
        for r in with_peers
        if r[0] == "2023/24" and r[2] in names and r[3] not in home_office.NEIGHBOUR[1]
    ]
    assert [r for r in with_peers if r not in early_peers] == alone
    quarters = {(r[0], r[1]) for r in alone}
    for force in names:
        assert {(r[0], r[1]) for r in with_peers if r[2] == force} == quarters, force
    assert not [r for r in alone if r[0] == "2023/24" and r[2] == "Hertfordshire"]


def positive_share(folder: Path, force: str, span: list[MonthKey]) -> float:
    """Crimes with a positive outcome (the outcome_categories seed), of the crimes settled."""
    with (SEEDS_DIR / "outcome_categories.csv").open(newline="", encoding="utf-8") as handle:
        positive = {
            r["outcome_category"] for r in csv.DictReader(handle) if r["is_positive"] == "true"
        }
    outcomes = [
        r["Last outcome category"]
        for m in span
        for r in read(folder / f"{m.label}-{force}-street.csv")
        if r["Crime ID"] and r["Last outcome category"] != "Under investigation"
    ]
    return sum(o in positive for o in outcomes) / len(outcomes)


def test_peer_outcome_rates_are_plausible_and_distinct(written):
    """Hertfordshire's odds of a positive outcome are set above the home force's and
    Nottinghamshire's below (PEER_PROFILES): the files show it, within a plausible band."""
    _, with_peers, span = written
    settled = span[-PEER_MONTHS:][:9]
    shares = {
        force: positive_share(with_peers, force, settled)
        for force in ("nottinghamshire", "leicestershire", "hertfordshire")
    }
    assert (
        PEER_PROFILES["nottinghamshire"].positive_odds
        < 1
        < PEER_PROFILES["hertfordshire"].positive_odds
    )
    assert shares["nottinghamshire"] < shares["leicestershire"] < shares["hertfordshire"], shares
    for share in shares.values():
        assert 0.05 < share < 0.3, shares
