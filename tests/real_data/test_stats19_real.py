"""Real DfT rows from ../shared: adjusted KSI, both column generations, BOM, unsorted rows.

The expected adjusted KSI is computed here from the CSV with the csv module (fatal casualties
plus the adjusted-serious probability of every non-fatal one), not with the warehouse's SQL.
"""

from __future__ import annotations

import csv

import duckdb
import pytest

from orchestration.refresh import refresh
from orchestration.settings import load_settings
from tests.conftest import REAL_DATA_DIR, land_copies, require_shared

pytestmark = [pytest.mark.real_data, pytest.mark.slow]

SAMPLES = REAL_DATA_DIR / "stats19_samples"


def land(settings, files) -> None:
    land_copies(settings.landing_for("stats19"), files)


def test_adjusted_ksi_from_real_dft_rows(settings, monkeypatch):
    fixture = require_shared(SAMPLES / "crossroads-uk_fixture_2023", "Real STATS19 2023 rows")
    monkeypatch.setenv("PCP_FORCES", "cleveland")
    monkeypatch.setenv("PCP_HOME_FORCE", "cleveland")
    settings = load_settings()
    files = sorted(fixture.glob("*.csv"))
    land(settings, files)
    with (fixture / "dft-road-casualty-statistics-casualty-2023.csv").open(
        encoding="utf-8-sig"
    ) as h:
        casualties = list(csv.DictReader(h))
    fatal = sum(1 for c in casualties if c["casualty_severity"] == "1")
    adjusted = fatal + sum(
        float(c["casualty_adjusted_severity_serious"])
        for c in casualties
        if c["casualty_severity"] != "1"
    )
    unadjusted = sum(1 for c in casualties if c["casualty_severity"] in {"1", "2"})

    summary = refresh(settings)

    assert summary.ok, summary.refused
    assert {name for _, name, _ in summary.loaded} == {f.name for f in files}
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        got = con.execute(
            "select sum(ksi_adjusted), sum(ksi_unadjusted), sum(casualties) "
            "from intermediate.int_ksi_by_area_month"
        ).fetchall()[0]
    assert float(got[0]) == pytest.approx(adjusted, abs=1e-9)  # an exact decimal
    assert (got[1], got[2]) == (unadjusted, len(casualties))


def test_old_generation_collision_file_with_bom_loads(settings, monkeypatch):
    head = require_shared(SAMPLES / "midterm_2022_collision_head", "Real STATS19 2022 rows")
    monkeypatch.setenv("PCP_FORCES", "leicestershire,metropolitan")
    settings = load_settings()
    path = head / "dft-road-casualty-statistics-collision-2022.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    by_month: dict[str, int] = {}
    for row in rows:
        month = f"{row['date'][6:10]}-{row['date'][3:5]}"
        by_month[month] = by_month.get(month, 0) + 1
    land(settings, [path])

    summary = refresh(settings)

    assert summary.ok, summary.refused
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        loaded = dict(
            con.execute(
                "select strftime(partition_month, '%Y-%m'), count(*) from raw.stats19_collision "
                "group by 1"
            ).fetchall()
        )
        missing_adjustment = con.execute(
            "select count(*) from raw.stats19_collision where collision_adjusted_severity_serious is null"
        ).fetchall()[0][0]
    assert loaded == by_month and sum(loaded.values()) == len(rows)
    assert missing_adjustment == len(rows)  # the pre-2024 download has no adjusted columns


# The casualty file as downloaded before the 2024 rename: no adjusted-severity columns.
ADJUSTMENT_COLUMNS = (
    "enhanced_casualty_severity",
    "casualty_injury_based",
    "casualty_adjusted_severity_serious",
    "casualty_adjusted_severity_slight",
)


def test_adjusted_ksi_of_an_old_generation_casualty_file_comes_from_the_lookup(
    settings, monkeypatch, tmp_path
):
    """Real DfT 2023 casualties with their adjusted columns taken out (as in files before the
    2024 rename) and DfT's probabilities delivered instead in an adjustment lookup of the older
    layout (accident_index, Casualty_Reference, Adjusted_Serious...): the warehouse's adjusted
    KSI is the one DfT's own probabilities give, and no casualty is left without adjustment."""
    fixture = require_shared(SAMPLES / "crossroads-uk_fixture_2023", "Real STATS19 2023 rows")
    monkeypatch.setenv("PCP_FORCES", "cleveland")
    monkeypatch.setenv("PCP_HOME_FORCE", "cleveland")
    settings = load_settings()
    with (fixture / "dft-road-casualty-statistics-casualty-2023.csv").open(
        encoding="utf-8-sig", newline=""
    ) as h:
        casualties = list(csv.DictReader(h))
    built = tmp_path / "built"
    built.mkdir()
    old_casualties = built / "dft-road-casualty-statistics-casualty-2023.csv"
    with old_casualties.open("w", encoding="utf-8-sig", newline="") as h:
        kept = [c for c in casualties[0] if c not in ADJUSTMENT_COLUMNS]
        writer = csv.DictWriter(h, kept, extrasaction="ignore", lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(casualties)
    lookup = (
        built
        / "dft-road-casualty-statistics-casualty-adjustment-lookup_2004-latest-published-year.csv"
    )
    with lookup.open("w", encoding="utf-8-sig", newline="") as h:
        writer = csv.writer(h, lineterminator="\r\n")
        writer.writerow(
            [
                "accident_index",
                "Vehicle_Reference",
                "Casualty_Reference",
                "Adjusted_Serious",
                "Adjusted_Slight",
                "Injury_Based",
            ]
        )
        for c in casualties:
            writer.writerow(
                [
                    c["accident_index"],
                    c["vehicle_reference"],
                    c["casualty_reference"],
                    c["casualty_adjusted_severity_serious"],
                    c["casualty_adjusted_severity_slight"],
                    c["casualty_injury_based"],
                ]
            )
    fatal = sum(1 for c in casualties if c["casualty_severity"] == "1")
    adjusted = fatal + sum(
        float(c["casualty_adjusted_severity_serious"])
        for c in casualties
        if c["casualty_severity"] != "1"
    )
    land(
        settings,
        [fixture / "dft-road-casualty-statistics-collision-2023.csv", old_casualties, lookup],
    )

    summary = refresh(settings)

    assert summary.ok, summary.refused
    assert lookup.name in {name for _, name, _ in summary.loaded}
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        own = con.execute(
            "select count(*) from raw.stats19_casualty "
            "where casualty_adjusted_severity_serious is not null"
        ).fetchall()[0][0]
        got = con.execute(
            "select sum(ksi_adjusted), sum(casualties_without_adjustment), sum(casualties) "
            "from intermediate.int_ksi_by_area_month"
        ).fetchall()[0]
    assert own == 0  # the casualty file itself carried no adjustment
    assert float(got[0]) == pytest.approx(adjusted, abs=1e-9)
    assert (got[1], got[2]) == (0, len(casualties))
