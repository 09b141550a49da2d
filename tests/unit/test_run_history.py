"""The run history (orchestration/run_history.py): Dagster's SQLite files through kept
connections. Real Dagster instances in a temporary DAGSTER_HOME, real runs, real processes."""

import inspect
import signal
import subprocess
import sys
import threading
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as db
import yaml
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.runs.sqlite.sqlite_run_storage import SqliteRunStorage
from dagster._core.storage.schedules.sqlite.sqlite_schedule_storage import SqliteScheduleStorage

from orchestration import run_history
from orchestration.instance import INSTANCE_CONFIG, instance_config

MONTHS = dg.StaticPartitionsDefinition(["2025-01", "2025-02", "2025-03"])
CHECK = dg.AssetCheckKey(dg.AssetKey("crimes"), "rows_add_up")


@dg.asset(
    partitions_def=MONTHS,
    check_specs=[dg.AssetCheckSpec("rows_add_up", asset="crimes")],
)
def crimes(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    month = context.partition_key
    return dg.MaterializeResult(
        metadata={"month": month},
        # One month fails its check, so a wrong or missing evaluation shows.
        check_results=[dg.AssetCheckResult(passed=month != "2025-02", metadata={"month": month})],
    )


def _home(tmp_path: Path, config: str | None = None) -> Path:
    home = tmp_path / "dagster"
    home.mkdir(exist_ok=True)
    (home / "dagster.yaml").write_text(
        instance_config(home) if config is None else config, encoding="utf-8"
    )
    return home


def _materialize(home: Path, months: list[str]) -> list[str]:
    run_ids = []
    with dg.DagsterInstance.from_config(str(home)) as instance:
        for month in months:
            result = dg.materialize([crimes], partition_key=month, instance=instance)
            assert result.success
            run_ids.append(result.run_id)
    return run_ids


def _history(home: Path) -> dict:
    """What a fresh instance (a new process would see the same) reads back."""
    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs()
        checks = instance.event_log_storage.get_asset_check_execution_history(CHECK, limit=10)
        return {
            "runs": {(run.run_id, run.tags.get("dagster/partition"), run.status) for run in runs},
            "partitions": instance.get_materialized_partitions(dg.AssetKey("crimes")),
            "months": sorted(
                record.asset_materialization.metadata["month"].value
                for record in instance.fetch_materializations(
                    dg.AssetKey("crimes"), limit=10
                ).records
            ),
            "checks": sorted(
                (
                    record.run_id,
                    record.event.dagster_event.event_specific_data.passed,
                    record.event.dagster_event.event_specific_data.metadata["month"].value,
                )
                for record in checks
            ),
            "storages": (
                type(instance.run_storage).__name__,
                type(instance.event_log_storage).__name__,
                type(instance.schedule_storage).__name__,
            ),
        }


def test_the_run_history_overrides_what_dagster_still_has(tmp_path):
    """The storages replace how Dagster's SQLite storages connect, and keep Dagster's files in
    Dagster's places; if Dagster renames or reshapes any of that, the overrides would silently
    do nothing (or read another file), so this fails instead."""

    def parameters(function) -> list[str]:
        return list(inspect.signature(function).parameters)

    # Every connection of Dagster's event log goes through `_connect(shard)`, under `_db_lock`,
    # creating each file once (`_initdb`, recorded in `_initialized_dbs`).
    assert parameters(vars(SqliteEventLogStorage)["_connect"]) == ["self", "shard"]
    for route in ("run_connection", "index_connection"):
        assert "self._connect(" in inspect.getsource(vars(SqliteEventLogStorage)[route])
    assert parameters(SqliteEventLogStorage._initdb) == ["self", "engine", "for_index_shard"]
    assert parameters(SqliteEventLogStorage.conn_string_for_shard) == ["self", "shard_name"]
    assert parameters(vars(SqliteEventLogStorage)["has_table"]) == ["self", "table_name"]
    assert parameters(SqliteEventLogStorage.__init__) == ["self", "base_dir", "inst_data"]
    storage = SqliteEventLogStorage(str(tmp_path / "events"))
    assert isinstance(storage._db_lock, type(threading.Lock()))
    assert storage._initialized_dbs == {"index"}  # reindexing a new index.db connected
    # Run and schedule storage: every connection through `connect()` on `_conn_string`.
    for dagster_class in (SqliteRunStorage, SqliteScheduleStorage):
        assert parameters(vars(dagster_class)["connect"]) == ["self"]
        assert parameters(dagster_class.__init__) == ["self", "conn_string", "inst_data"]
        assert parameters(dagster_class.from_local) == ["base_dir", "inst_data"]
    assert SqliteRunStorage.from_local(str(tmp_path / "runs"))._conn_string.endswith("runs.db")

    # Same files as Dagster's default instance: history/, history/runs/, schedules.
    home = _home(tmp_path)
    ours = yaml.safe_load(instance_config(home))
    defaults = InstanceRef.config_defaults(str(home))
    for key in ("run_storage", "event_log_storage", "schedule_storage"):
        default_dir = yaml.safe_load(defaults[key].config_yaml)["base_dir"]
        assert Path(ours[key]["config"]["base_dir"]) == Path(default_dir), key


def test_a_run_opens_no_connection_per_event(tmp_path):
    """A run stores a dozen events or more; through kept engines it opens a connection to its own
    file and no other (Dagster's own storages opened two per event, ~10 ms each)."""
    home = _home(tmp_path)
    opened: list[str] = []

    def count(dbapi_connection, _record):
        opened.append(dbapi_connection.execute("PRAGMA database_list").fetchone()[2])

    db.event.listen(db.pool.Pool, "connect", count)
    try:
        with dg.DagsterInstance.from_config(str(home)) as instance:
            dg.materialize([crimes], partition_key="2025-01", instance=instance)
            opened.clear()
            result = dg.materialize([crimes], partition_key="2025-02", instance=instance)
            events = instance.all_logs(result.run_id)
            # The pragma is set on every connection the storages keep.
            engine = instance.event_log_storage._engines.get(
                instance.event_log_storage.conn_string_for_shard("index")
            )
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        db.event.remove(db.pool.Pool, "connect", count)
    assert len(events) >= 10, len(events)
    assert {Path(path).name for path in opened} <= {f"{result.run_id}.db"}, opened
    assert len(opened) <= 2, opened


def test_events_written_through_it_are_read_back_by_a_fresh_instance(tmp_path, monkeypatch):
    # Fewer kept files than runs: closing the least recently used engines loses nothing.
    monkeypatch.setattr(run_history, "OPEN_RUN_FILES", 2)
    home = _home(tmp_path)
    run_ids = _materialize(home, ["2025-01", "2025-02", "2025-03"])

    history = _history(home)
    assert history["storages"] == ("RunHistoryRuns", "RunHistoryEventLog", "RunHistorySchedules")
    assert history["runs"] == {
        (run_id, month, dg.DagsterRunStatus.SUCCESS)
        for run_id, month in zip(run_ids, ["2025-01", "2025-02", "2025-03"], strict=True)
    }
    assert history["partitions"] == {"2025-01", "2025-02", "2025-03"}
    assert history["months"] == ["2025-01", "2025-02", "2025-03"]
    assert history["checks"] == sorted(
        [
            (run_ids[0], True, "2025-01"),
            (run_ids[1], False, "2025-02"),
            (run_ids[2], True, "2025-03"),
        ]
    )
    # The files are Dagster's own: its plain storages read the same history.
    plain = _history(_home(tmp_path, INSTANCE_CONFIG))
    assert plain["storages"] == (
        "SqliteRunStorage",
        "SqliteEventLogStorage",
        "SqliteScheduleStorage",
    )
    assert {key: plain[key] for key in ("runs", "partitions", "months", "checks")} == {
        key: history[key] for key in ("runs", "partitions", "months", "checks")
    }


def test_an_instance_from_an_older_release_keeps_its_history(tmp_path):
    """An older release wrote dagster.yaml without the storages (Dagster's defaults); after pcp
    rewrites it, the runs, materializations and check results it recorded are all still there,
    and new runs add to them."""
    home = _home(tmp_path, INSTANCE_CONFIG)
    old_runs = _materialize(home, ["2025-01", "2025-02"])
    before = _history(home)
    assert before["storages"][1] == "SqliteEventLogStorage"

    _home(tmp_path)  # as ensure_instance_config writes it
    after = _history(home)
    assert after["storages"][1] == "RunHistoryEventLog"
    assert {key: after[key] for key in ("runs", "partitions", "months", "checks")} == {
        key: before[key] for key in ("runs", "partitions", "months", "checks")
    }

    new_run = _materialize(home, ["2025-03"])[0]
    later = _history(home)
    assert {run_id for run_id, _, _ in later["runs"]} == {*old_runs, new_run}
    assert later["partitions"] == {"2025-01", "2025-02", "2025-03"}
    assert [passed for _, passed, _ in sorted(later["checks"], key=lambda c: c[2])] == [
        True,
        False,
        True,
    ]


WRITER = """
import sys
import dagster as dg
with dg.DagsterInstance.from_config(sys.argv[1]) as instance:
    for n in range(int(sys.argv[3])):
        instance.report_runless_asset_event(
            dg.AssetMaterialization(asset_key=sys.argv[2], partition=str(n))
        )
        print(n, flush=True)  # stored: the commit has returned
"""


def test_threads_and_processes_write_the_same_files_together(tmp_path):
    """The webserver and daemon write from several threads, and `pcp refresh` from another
    process, all at once: nothing is lost and nothing fails with a lock."""
    home = _home(tmp_path)
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(home), "from_process", "60"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    errors: list[BaseException] = []
    with dg.DagsterInstance.from_config(str(home)) as instance:

        def write(asset: str) -> None:
            try:
                for n in range(30):
                    instance.report_runless_asset_event(
                        dg.AssetMaterialization(asset_key=asset, partition=str(n))
                    )
            except BaseException as error:  # reported by the assertion below
                errors.append(error)

        threads = [threading.Thread(target=write, args=(f"thread_{i}",)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    _, stderr = child.communicate(timeout=120)
    assert child.returncode == 0, stderr
    assert errors == []
    with dg.DagsterInstance.from_config(str(home)) as instance:
        for i in range(4):
            partitions = instance.get_materialized_partitions(dg.AssetKey(f"thread_{i}"))
            assert partitions == {str(n) for n in range(30)}
        partitions = instance.get_materialized_partitions(dg.AssetKey("from_process"))
        assert partitions == {str(n) for n in range(60)}


def test_a_killed_process_loses_no_event_it_had_stored(tmp_path):
    """synchronous=NORMAL in WAL mode: a commit that returned survives kill -9 of its process
    (what a power cut could lose is the OS's to keep, not the process's)."""
    home = _home(tmp_path)
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(home), "killed", "100000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    stored = -1
    for line in child.stdout:
        stored = int(line)
        if stored >= 40:
            child.send_signal(signal.SIGKILL)
            break
    child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    with dg.DagsterInstance.from_config(str(home)) as instance:
        partitions = instance.get_materialized_partitions(dg.AssetKey("killed"))
    assert {str(n) for n in range(stored + 1)} <= partitions


@pytest.mark.parametrize("name", ["data dir", "data: #1 'x'", 'dé"jà'])
def test_the_instance_config_names_its_own_files_whatever_the_path(tmp_path, name):
    home = tmp_path / name / "dagster"
    home.mkdir(parents=True)
    _home(home.parent)
    _materialize(home, ["2025-01"])
    assert (home / "history" / "runs.db").exists()
    assert (home / "history" / "runs" / "index.db").exists()
    assert (home / "schedules" / "schedules.db").exists()
    assert _history(home)["partitions"] == {"2025-01"}
