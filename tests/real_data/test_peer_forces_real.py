"""Five neighbouring forces' real police.uk months (2024-01..04, in ../shared, read in place)
are taken in beside Leicestershire's and counted exactly as the home force's, without changing
any home-force figure.

Expected counts come straight from the CSV files (rows per crime type, summed over each
metric's crime types in the seed; for outcome metrics each crime once, with its street file's
outcome, as police.uk publishes no outcomes files in this set), not from the warehouse's own
tables.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from orchestration.refresh import refresh
from orchestration.settings import SEEDS_DIR, load_settings
from tests.conftest import REAL_DATA_DIR, land_copies, private_data_dir, require_shared

pytestmark = [pytest.mark.real_data, pytest.mark.slow]

HOME_DIR = REAL_DATA_DIR / "police_uk_street_leicestershire_2024"
PEERS_DIR = REAL_DATA_DIR / "police_uk_street_peers_2024"
PEERS = ("derbyshire", "lincolnshire", "northamptonshire", "nottinghamshire", "staffordshire")


def metric_types(measures: tuple[str, ...] = ("crimes",)) -> dict[str, tuple[str, set[str]]]:
    """metric_id -> (measure, the crime types it counts), for the seed's metrics of these
    measures (one mapping version each)."""
    with (SEEDS_DIR / "metric_crime_types.csv").open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["measure"] in measures]
    assert {r["mapping_version"] for r in rows} == {"1"}  # else the test must pick by month
    types: dict[str, tuple[str, set[str]]] = {}
    for row in rows:
        types.setdefault(row["metric_id"], (row["measure"], set()))[1].add(row["crime_type"])
    return types


def crime_metric_types() -> dict[str, set[str]]:
    """metric_id -> the crime types it counts (the seed's crime metrics)."""
    return {metric: types for metric, (_, types) in metric_types().items()}


OUTCOME_MEASURES = ("positive_outcome_rate", "out_of_court_resolutions")


def expected_outcome_counts(
    files: list[Path],
) -> dict[tuple[str, str, str], tuple[int, int | None]]:
    """(force, month, metric_id) -> (numerator, denominator) of the outcome metrics: each
    crime (force, Crime ID) once, in the first month it appears, with its crime type from
    there and the outcome of its last line; positive / out of court as the outcome_categories
    seed says; the denominator is the crimes recorded (the positive-outcome rate only)."""
    with (SEEDS_DIR / "outcome_categories.csv").open(newline="", encoding="utf-8") as handle:
        categories = {r["outcome_category"]: r for r in csv.DictReader(handle)}
    crimes: dict[tuple[str, str], list[str]] = {}  # (force, id) -> [month, type, outcome]
    for path in sorted(files, key=lambda p: p.name[:7]):
        force = path.name[8 : -len("-street.csv")]
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if not row["Crime ID"]:
                    continue
                key = (force, row["Crime ID"])
                if key in crimes:
                    crimes[key][2] = row["Last outcome category"]
                else:
                    crimes[key] = [path.name[:7], row["Crime type"], row["Last outcome category"]]
    expected: dict[tuple[str, str, str], tuple[int, int | None]] = {}
    for metric_id, (measure, types) in metric_types(OUTCOME_MEASURES).items():
        flag = "is_positive" if measure == "positive_outcome_rate" else "is_out_of_court_resolution"
        for (force, _), (month, crime_type, outcome) in crimes.items():
            if crime_type not in types:
                continue
            yes = categories.get(outcome, {}).get(flag) == "true"
            numerator, cases = expected.get((force, month, metric_id), (0, 0))
            expected[force, month, metric_id] = (numerator + yes, (cases or 0) + 1)
        if measure != "positive_outcome_rate":
            for key, (numerator, _) in list(expected.items()):
                if key[2] == metric_id:
                    expected[key] = (numerator, None)
    return expected


def expected_counts(files: list[Path]) -> dict[tuple[str, str, str], int]:
    """(force, month, metric_id) -> rows of the metric's crime types in the force's file."""
    metrics = crime_metric_types()
    expected: dict[tuple[str, str, str], int] = {}
    for path in files:
        force = path.name[8 : -len("-street.csv")]
        with path.open(newline="", encoding="utf-8") as handle:
            by_type = Counter(row["Crime type"] for row in csv.DictReader(handle))
        for metric_id, types in metrics.items():
            counted = sum(by_type[t] for t in types)
            if counted:
                expected[force, path.name[:7], metric_id] = counted
    return expected


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def home_figures(warehouse: Path) -> list[tuple]:
    """Every figure the dashboard shows, and every home-force input behind it."""
    return (
        query(
            warehouse,
            "select * from marts.mart_delivery_dashboard order by all",
        )
        + query(
            warehouse,
            "select * from intermediate.int_metric_inputs__police_uk order by all",
        )
        + query(warehouse, "select * from marts.fct_metric_period order by all")
    )


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory):
    """Leicestershire's 2024 months alone, then the peers' months delivered beside them."""
    home_files = sorted(require_shared(HOME_DIR, "Real police.uk 2024 files").glob("*.csv"))
    peer_files = sorted(require_shared(PEERS_DIR, "Real peer forces' files").glob("*.csv"))
    with pytest.MonkeyPatch.context() as patch:
        private_data_dir(patch, tmp_path_factory.mktemp("peers") / "data")
        patch.setenv("PCP_FORCES", ",".join(("leicestershire", *PEERS)))
        settings = load_settings()
        land_copies(settings.landing_for("police_uk"), home_files)
        assert refresh(settings).ok
        before = home_figures(settings.warehouse_path)
        land_copies(settings.landing_for("police_uk"), peer_files)
        summary = refresh(settings)
        assert summary.ok, summary.refused
    return settings, home_files, peer_files, before


def test_every_peer_file_is_taken_in_and_counted_as_in_its_csv(warehouses):
    settings, home_files, peer_files, _ = warehouses
    assert len(peer_files) == 19  # Nottinghamshire has no 2024-04 file upstream
    actual = {
        (force, month, metric): n
        for force, month, metric, n in query(
            settings.warehouse_path,
            """select force_slug, strftime(month_start, '%Y-%m'), metric_id, numerator
               from intermediate.int_metric_inputs__police_uk_by_force""",
        )
        if metric in crime_metric_types()
    }
    assert actual == expected_counts(home_files + peer_files)
    assert {force for force, _, _ in actual} == {"leicestershire", *PEERS}


def test_every_forces_outcome_metrics_are_counted_as_in_its_csv(warehouses):
    """The outcome metrics of every force, the home force's among them, by the one rule."""
    settings, home_files, peer_files, _ = warehouses
    outcome_metrics = metric_types(OUTCOME_MEASURES)
    actual = {
        (force, month, metric): (n, cases)
        for force, month, metric, n, cases in query(
            settings.warehouse_path,
            """select force_slug, strftime(month_start, '%Y-%m'), metric_id, numerator,
                      denominator
               from intermediate.int_metric_inputs__police_uk_by_force""",
        )
        if metric in outcome_metrics
    }
    expected = expected_outcome_counts(home_files + peer_files)
    assert actual == expected
    assert {force for force, _, _ in actual} == {"leicestershire", *PEERS}
    assert set(outcome_metrics) == {"28", "57", "89", "90"}


def test_the_home_force_is_counted_as_its_area_members_add_up(warehouses):
    settings = warehouses[0]
    by_force, by_area = (
        dict(((month, metric), n) for month, metric, n in query(settings.warehouse_path, sql))
        for sql in (
            """select month_start, metric_id, (numerator, denominator)
               from intermediate.int_metric_inputs__police_uk_by_force
               where force_slug = 'leicestershire'""",
            """select month_start, metric_id, (sum(numerator), sum(denominator))
               from intermediate.int_metric_inputs__police_uk group by all""",
        )
    )
    # Six crime metrics and four outcome metrics, four months each.
    assert by_force == by_area and len(by_force) == 4 * 10


def test_peer_files_change_no_home_force_figure(warehouses):
    settings, _, _, before = warehouses
    assert home_figures(settings.warehouse_path) == before


def test_peer_comparison_takes_the_peer_group_with_complete_periods(warehouses):
    settings, home_files, peer_files, _ = warehouses
    rows = query(
        settings.warehouse_path,
        """select unit_name, is_home, metric_id, numerator, denominator, period_label
           from intermediate.int_comparison_inputs__peer_forces
           where period_type = 'quarter' order by all""",
    )
    # Jan-Mar 2024 is the one complete quarter; Lincolnshire is loaded but no peer of
    # Leicestershire in the seed; Northamptonshire et al. are.
    assert {r[5] for r in rows} == {"2023/24 Q4"}
    assert {r[0] for r in rows} == {
        "Leicestershire", "Derbyshire", "Northamptonshire", "Nottinghamshire", "Staffordshire"
    }  # fmt: skip
    assert [r[1] for r in rows if r[0] == "Leicestershire"] == [True] * 6
    # Only the crime metrics: without outcomes files no force's outcomes have had their
    # follow-up dated, so none is compared on them.
    assert {r[2] for r in rows} == set(crime_metric_types())
    expected = expected_counts(home_files + peer_files)
    names = {"Leicestershire": "leicestershire", "Derbyshire": "derbyshire",
             "Northamptonshire": "northamptonshire", "Nottinghamshire": "nottinghamshire",
             "Staffordshire": "staffordshire"}  # fmt: skip
    # Mid-2023 estimate wanted for FY 2023/24: carried forward from mid-2022 (ONS, by PFA).
    populations = {"Leicestershire": 1_136_705, "Nottinghamshire": 1_163_335}
    for name, _, metric, numerator, denominator, _ in rows:
        assert numerator == sum(
            expected.get((names[name], month, metric), 0)
            for month in ("2024-01", "2024-02", "2024-03")
        ), (name, metric)
        if name in populations:
            assert denominator == populations[name]
    # No 12 months are complete in four months of files.
    assert not query(
        settings.warehouse_path,
        """select 1 from intermediate.int_comparison_inputs__peer_forces
           where period_type = '12_months'""",
    )
