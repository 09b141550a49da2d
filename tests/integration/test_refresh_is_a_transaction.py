"""A refresh is one transaction for the board: intake, one build, one publication; killed at any
point, the next refresh converges to what an uninterrupted one publishes; a second writer waits
or is told who holds the warehouse.

Real processes throughout: `pcp refresh` in its own process group, killed with SIGKILL at named
pause points (orchestration/pause_points.py), a real Dagster instance and DuckDB files.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.demo import write_demo_data
from orchestration.lib.resources import SettingsResource
from orchestration.settings import PROJECT_ROOT
from tests.conftest import private_data_dir, published_fingerprint

pytestmark = pytest.mark.slow
PCP = str(PROJECT_ROOT / ".venv" / "bin" / "pcp")
START, END = "2024-04", "2024-06"

# Sensors and schedules read the settings (the test's PCP_DATA_DIR) from this resource.
SETTINGS = {"pcp_settings": SettingsResource()}


def pcp_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PCP_", "DAGSTER_"))}
    return {**env, "PCP_DATA_DIR": str(data_dir), **extra}


def run_pcp(data_dir: Path, *args: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PCP, *args],
        env=pcp_env(data_dir, **extra),
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


def start_paused(data_dir: Path, point: str, *args: str) -> tuple[subprocess.Popen, int]:
    """Start `pcp refresh` in its own process group and wait until it reaches ``point``."""
    marker = data_dir.parent / f"paused-{point}"
    marker.unlink(missing_ok=True)
    process = subprocess.Popen(
        [PCP, "refresh", *args],
        env=pcp_env(data_dir, PCP_PAUSE_AT=point, PCP_PAUSE_FILE=str(marker)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 600
    while not marker.exists():
        assert process.poll() is None, f"pcp refresh ended before reaching {point}"
        assert time.monotonic() < deadline, f"pcp refresh never reached {point}"
        time.sleep(0.2)
    return process, int(marker.read_text())


def read_until(process: subprocess.Popen, text: str, timeout: float) -> str:
    """What ``process`` printed up to and including the line holding ``text``."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:  # the process ended without saying it
            break
        seen.append(line)
        if text in line:
            return "".join(seen)
    raise AssertionError(f"never printed {text!r}; printed: {''.join(seen)!r}")


def kill_group(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def unfinished_runs(data_dir: Path) -> list[dg.DagsterRun]:
    with dg.DagsterInstance.from_config(str(data_dir / "dagster")) as instance:
        return list(
            instance.get_runs(
                filters=dg.RunsFilter(
                    statuses=[dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING]
                )
            )
        )


def leftovers(data_dir: Path) -> list[str]:
    published = data_dir / "published"
    current = os.readlink(published / "parquet") if (published / "parquet").is_symlink() else ""
    stray = [p.name for p in published.glob(".*")]
    folders = sorted(p.name for p in published.glob("parquet-*"))
    stray += [f for f in folders if f > current]  # never swapped in
    stray += [str(p) for p in (data_dir / "archive").rglob("*.part")]
    return stray


@pytest.fixture(scope="session")
def delivered(tmp_path_factory) -> Path:
    """Three months of every source, written once; each test copies them (mtimes kept)."""
    folder = tmp_path_factory.mktemp("delivered")
    write_demo_data(folder, start=START, end=END, seed=11)
    return folder


def fresh_data_dir(root: Path, delivered: Path) -> Path:
    data_dir = root / "data"
    shutil.copytree(delivered, data_dir / "landing")
    return data_dir


@pytest.fixture(scope="session")
def uninterrupted(tmp_path_factory, delivered) -> tuple[Path, dict[str, str]]:
    """What an uninterrupted refresh of the delivered files publishes."""
    data_dir = fresh_data_dir(tmp_path_factory.mktemp("uninterrupted"), delivered)
    result = run_pcp(data_dir, "refresh")
    assert result.returncode == 0, result.stdout + result.stderr
    return data_dir, published_fingerprint(data_dir)


@pytest.mark.parametrize(
    ("point", "state_after_kill"),
    [
        # Some files committed, the rest still in landing; nothing built yet.
        ("intake.between_files", "Building the warehouse: the warehouse has never been built"),
        ("build.dbt_running", "Building the warehouse: the build started at"),
        ("publication.copying", "Building the warehouse: the build of"),
    ],
)
def test_a_refresh_killed_mid_way_is_finished_by_the_next(
    tmp_path, delivered, uninterrupted, point, state_after_kill
):
    data_dir = fresh_data_dir(tmp_path, delivered)
    process, _ = start_paused(data_dir, point)
    kill_group(process)
    assert unfinished_runs(data_dir), "the killed run should still look STARTED"
    if point == "intake.between_files":
        assert [p for p in (data_dir / "landing").rglob("*") if p.is_file()]  # some still to do
    if point == "publication.copying":
        assert list((data_dir / "published").glob(".marts-*.duckdb"))  # half written

    # `pcp status` says a build is due, and why.
    status = run_pcp(data_dir, "status", "--wait", "0")
    assert status.returncode == 0 and "build due     : yes: " in status.stdout, status.stdout
    # Even with nothing new in landing (killed in the build or publication), the next refresh
    # builds and publishes, because the last build did not complete.
    again = run_pcp(data_dir, "refresh")

    assert again.returncode == 0, again.stdout + again.stderr
    assert "failed: its process died" in again.stdout
    assert state_after_kill in again.stdout
    assert published_fingerprint(data_dir) == uninterrupted[1]
    assert unfinished_runs(data_dir) == []
    assert leftovers(data_dir) == []
    # And once converged, a further refresh has nothing to do.
    quiet = run_pcp(data_dir, "refresh")
    assert quiet.returncode == 0 and "nothing due" in quiet.stdout


def test_a_second_refresh_waits_or_says_who_holds_the_warehouse(tmp_path, uninterrupted, delivered):
    data_dir = tmp_path / "data"
    shutil.copytree(uninterrupted[0], data_dir, symlinks=True)
    write_demo_data(data_dir / "landing", start="2024-07", end="2024-07", seed=11)
    first, pid = start_paused(data_dir, "build.dbt_running")
    try:
        refused = run_pcp(data_dir, "refresh", "--wait", "0")
        assert refused.returncode == 75
        assert refused.stderr.startswith(f"The warehouse is busy: pcp refresh (pid {pid}) since ")
        assert refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
        status = run_pcp(data_dir, "status", "--wait", "1")
        assert status.returncode == 75 and f"pcp refresh (pid {pid})" in status.stderr
        # The board pack reads the published copy: a refresh does not hold it up.
        pack = run_pcp(data_dir, "pack", "--quarter", "latest", "--out", str(tmp_path / "pack"))
        assert pack.returncode == 0, pack.stderr
        # A second refresh that may wait does, saying for whom, and then does the work.
        waiting = subprocess.Popen(
            [PCP, "refresh", "--wait", "300"],
            env=pcp_env(data_dir),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # Release the first writer only once the second has said it is waiting: on a loaded
        # machine its start-up alone can take longer than any fixed sleep.
        said = read_until(waiting, "Waiting up to 300 s", timeout=300)
        assert waiting.poll() is None
    finally:
        kill_group(first)
    out, err = waiting.communicate(timeout=900)
    out = said + out
    assert waiting.returncode == 0, out + err
    assert f"The warehouse is busy: pcp refresh (pid {pid})" in out and "Waiting up to 300 s" in out
    assert "Building the warehouse" in out
    with duckdb.connect(str(data_dir / "published" / "marts.duckdb"), read_only=True) as con:
        newest = con.execute(
            "select max(period_start) from mart_csp_crime where period_type = 'month'"
        ).fetchall()[0][0]
    assert f"{newest:%Y-%m}" == "2024-07"
    # The seeds were loaded by the first build from the same code: this build left them out.
    results = json.loads((data_dir / "dbt" / "target" / "run_results.json").read_text())
    ran = {r["unique_id"].split(".")[0] for r in results["results"]}
    assert "model" in ran and "test" in ran and "seed" not in ran


def test_one_refresh_builds_once_and_publishes_once(demo):
    settings, _ = demo
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        jobs = [run.job_name for run in instance.get_runs()]
    assert jobs.count("build_warehouse") == 1
    assert {j for j in jobs if j != "build_warehouse"} <= {
        "intake_monthly_sources", "intake_quarterly_sources", "intake_unpartitioned_sources",
    }  # fmt: skip
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        builds = con.execute("select status from ops.warehouse_builds").fetchall()
    assert builds == [("published",)]
    # Each publication leaves a Parquet folder (the current and the one before are kept).
    assert len(list(settings.published_dir.glob("parquet-*"))) == 1


def test_dbt_artefacts_stay_in_the_data_dir(demo):
    settings, _ = demo
    target = settings.data_dir / "dbt" / "target"
    assert (target / "run_results.json").exists() and (target / "partial_parse.msgpack").exists()
    in_checkout = PROJECT_ROOT / "dbt_project" / "target"
    assert not list(in_checkout.glob("warehouse_dbt_models-*"))


def test_the_build_sensor_follows_intake_once_landing_is_quiet(tmp_path, monkeypatch, delivered):
    from orchestration.defs.warehouse.build import warehouse_build_sensor

    settings = private_data_dir(monkeypatch, tmp_path / "data")
    monkeypatch.setenv("PCP_BUILD_QUIET_MINUTES", "0")

    def tick(instance):
        return warehouse_build_sensor.evaluate_tick(
            dg.build_sensor_context(instance=instance, resources=SETTINGS)
        )

    with dg.DagsterInstance.ephemeral() as instance:
        assert "No warehouse yet" in tick(instance).skip_message
        shutil.copytree(delivered, settings.landing_dir, dirs_exist_ok=True)
        assert "wait for intake" in tick(instance).skip_message
        # Intake only (as the landing sensors' runs do): the build is then due.
        from orchestration.definitions import defs

        for job in ("intake_monthly_sources", "intake_quarterly_sources"):
            keys = defs.resolve_job_def(job).partitions_def.get_partition_keys()
            in_range = [k for k in keys if START[:4] <= k[:4] <= END[:4]]
            defs.resolve_job_def(job).execute_in_process(
                instance=instance,
                tags={
                    "dagster/asset_partition_range_start": in_range[0],
                    "dagster/asset_partition_range_end": in_range[-1],
                },
            )
        defs.resolve_job_def("intake_unpartitioned_sources").execute_in_process(instance=instance)
        [request] = tick(instance).run_requests
        assert request.tags["pcp/build_reason"] == "the warehouse has never been built"
        monkeypatch.setenv("PCP_BUILD_QUIET_MINUTES", "60")
        assert "waiting until landing has been quiet" in tick(instance).skip_message


def test_every_board_snapshot_equals_the_live_dashboard_it_was_frozen_from(demo):
    """The demo reaches past both boards of 2025: each is frozen once, from the one complete
    build, and its rows are the live dashboard's rows for its quarter (not a partial run's)."""
    settings, _ = demo
    columns = (
        "metric_id, rag, rag_reason, baseline_value, baseline_count, latest_value, "
        "latest_count, direction, data_status"
    )
    with duckdb.connect(str(settings.published_dir / "marts.duckdb"), read_only=True) as con:
        boards = con.execute(
            "select snapshot_name, board_date, reporting_quarter, build_id, dashboard_rows "
            "from snapshots.board_snapshots order by board_date"
        ).fetchall()
        assert [b[0] for b in boards] == ["board-2025-07-30", "board-2025-11-05"]
        for name, _, quarter, _, rows in boards:
            frozen = con.execute(
                f"select {columns} from snapshots.board_dashboard where snapshot_name = ? "
                "order by metric_id",
                [name],
            ).fetchall()
            live = con.execute(
                f"select {columns} from mart_delivery_dashboard where reporting_quarter = ? "
                "order by metric_id",
                [quarter],
            ).fetchall()
            assert frozen == live and rows == len(live) == 39, name
            # Frozen from complete sources: most figures are in, not missing or grey.
            grey = sum(1 for row in frozen if row[1] == "grey")
            assert grey < 15, (name, grey)
            sources = con.execute(
                "select source, latest_month from snapshots.board_snapshot_sources "
                "where snapshot_name = ? order by source",
                [name],
            ).fetchall()
            assert {s for s, _ in sources} == {
                "csew",
                "home_office_csp",
                "partner_return",
                "police_uk",
                "stats19",
                "victim_survey",
            } and all(month for _, month in sources)
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        [(build_id,)] = con.execute("select build_id from ops.warehouse_builds").fetchall()
    assert {b[3] for b in boards} == {build_id}
