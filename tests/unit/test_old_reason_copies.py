"""`pcp forget-old-reasons` (orchestration/landing/old_reason_copies.py): what an earlier
release's refusal reasons left in Dagster's run history and the outbox is deleted, down to the
bytes of every file under the data dir, and what this release wrote since is kept.

A real Dagster instance (the project's run history storages) in the test's data dir, real runs
logging a reason as the intake does, a sensor's ticks noting one (written through Dagster's own
API, as its daemon writes them), a real warehouse with the migration ledger, and the real
CLI."""

from __future__ import annotations

import os
import sqlite3
import time
from datetime import UTC, datetime

import dagster as dg
from click.testing import CliRunner
from dagster._core.definitions.run_request import InstigatorType
from dagster._core.remote_origin import (
    InProcessCodeLocationOrigin,
    RemoteInstigatorOrigin,
    RemoteRepositoryOrigin,
)
from dagster._core.scheduler.instigation import (
    InstigatorState,
    InstigatorStatus,
    SensorInstigatorData,
    TickData,
    TickStatus,
)
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin

from orchestration.cli import main
from orchestration.database import connect
from orchestration.instance import ensure_instance_config
from orchestration.landing.old_reasons import MIGRATION
from orchestration.migrations import record_applied
from orchestration.settings import Settings

OLD = "canary comment quoted by an old release: Jo Bloggs of 12 Acacia Avenue"
NEW = "reason written by this release: 57 characters, not shown"


def run_logging(instance: dg.DagsterInstance, reason: str) -> str:
    """A run that logs a refusal as the intake asset does, and records it in the
    materialisation's metadata (mirrored in the event index); returns its id."""

    @dg.asset(name="intake")
    def intake(context) -> dg.MaterializeResult:  # (no annotation: Dagster reads it at runtime)
        context.log.error(f"Refused survey.csv: {reason}")
        print(f"Refused survey.csv: {reason}")  # what a compute log captures
        return dg.MaterializeResult(metadata={"refused": reason})

    result = dg.materialize([intake], instance=instance)
    assert result.success
    return result.run_id


def sensor_state(instance: dg.DagsterInstance) -> InstigatorState:
    """A landing sensor's state, as the daemon of `make dev` records it."""
    origin = RemoteInstigatorOrigin(
        RemoteRepositoryOrigin(
            InProcessCodeLocationOrigin(LoadableTargetOrigin(python_file=__file__)),
            "__repository__",
        ),
        "landing_sensor",
    )
    state = InstigatorState(
        origin, InstigatorType.SENSOR, InstigatorStatus.RUNNING, SensorInstigatorData()
    )
    if instance.get_instigator_state(state.instigator_origin_id, state.selector_id) is None:
        instance.add_instigator_state(state)
    return state


def tick_noting(instance: dg.DagsterInstance, reason: str) -> None:
    """A sensor tick whose skip reason notes a refusal, as the landing sensors' do."""
    state = sensor_state(instance)
    instance.create_tick(
        TickData(
            instigator_origin_id=state.instigator_origin_id,
            instigator_name="landing_sensor",
            instigator_type=InstigatorType.SENSOR,
            status=TickStatus.SKIPPED,
            timestamp=time.time(),
            selector_id=state.selector_id,
            skip_reason=f"No new files in landing. survey.csv will be refused: {reason}",
        )
    )


def tick_reasons(instance: dg.DagsterInstance) -> list[str]:
    state = sensor_state(instance)
    ticks = instance.get_ticks(state.instigator_origin_id, state.selector_id)
    return [tick.skip_reason or "" for tick in ticks]


def deliver_email(settings: Settings, name: str, reason: str, when: float) -> None:
    settings.outbox_dir.mkdir(parents=True, exist_ok=True)
    path = settings.outbox_dir / name
    path.write_text(f"Subject: [SUSPECT] survey\n\nRefused survey.csv: {reason}\n")
    os.utime(path, (when, when))


def everything_holding(settings: Settings, text: str) -> list[str]:
    return sorted(
        str(path.relative_to(settings.data_dir))
        for path in settings.data_dir.rglob("*")
        if path.is_file() and not path.is_symlink() and text.encode() in path.read_bytes()
    )


def withhold_now(settings: Settings) -> None:
    """What the first refresh of this release records once it has withheld the old reasons."""
    with connect(settings.warehouse_path) as con:
        record_applied(con, MIGRATION, 3)


def test_old_runs_and_emails_are_deleted_to_the_bytes_and_new_ones_kept(settings):
    ensure_instance_config(settings)
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        old_runs = [run_logging(instance, OLD) for _ in range(2)]
        tick_noting(instance, OLD)
    deliver_email(settings, "old-alert.eml", OLD, time.time() - 60)
    holding = everything_holding(settings, OLD)
    # Each place the module says an old reason was copied to holds it here: the runs' own
    # event files, the event index (their materialisations), compute logs, the outbox.
    for place in (
        "dagster/history/runs/index.db",
        "/compute_logs/",
        "dagster/schedules/schedules.db",
        "outbox/old-alert.eml",
    ):
        assert any(place in path for path in holding), (place, holding)
    assert sum(f"dagster/history/runs/{run_id}.db" in holding for run_id in old_runs) == 2
    time.sleep(0.05)
    withhold_now(settings)
    time.sleep(0.05)
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        new_run = run_logging(instance, NEW)
        tick_noting(instance, NEW)
    deliver_email(settings, "new-alert.eml", NEW, time.time())

    result = CliRunner().invoke(main, ["forget-old-reasons", "--wait", "0"])

    assert result.exit_code == 0, result.output
    assert "deleted 2 Dagster run(s)" in result.output and "1 outbox email(s)" in result.output
    assert everything_holding(settings, OLD) == []
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        assert [run.run_id for run in instance.get_runs()] == [new_run]
        assert not any(instance.get_run_by_id(run_id) for run_id in old_runs)
        logged = [e.message for e in instance.all_logs(new_run) if e.is_dagster_event is False]
        assert any(NEW in message for message in logged), logged
        assert [NEW in reason for reason in tick_reasons(instance)] == [True]
    assert [p.name for p in settings.outbox_dir.iterdir()] == ["new-alert.eml"]
    assert everything_holding(settings, NEW)  # this release's history stays


def test_nothing_is_deleted_before_a_refresh_of_this_release_has_withheld_the_reasons(settings):
    ensure_instance_config(settings)
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        run_logging(instance, OLD)
    with connect(settings.warehouse_path) as con:
        con.execute("select 1")  # a warehouse, but no migration ledger yet

    result = CliRunner().invoke(main, ["forget-old-reasons", "--wait", "0"])

    assert result.exit_code == 2
    assert "Nothing deleted: no refresh of this release has run yet: run `pcp refresh`" in (
        result.output
    )
    assert everything_holding(settings, OLD)


def test_the_cutoff_is_when_the_migration_ran(settings):
    from orchestration.landing.old_reason_copies import reasons_withheld_at

    before = datetime.now(UTC)
    withhold_now(settings)
    assert before <= reasons_withheld_at(settings) <= datetime.now(UTC)


def test_a_vacuumed_run_history_file_keeps_no_deleted_row(tmp_path):
    """SQLite leaves a deleted row's bytes in a free page unless it was built or set to wipe
    them (secure_delete; Debian's is, others are not): the purge rewrites each file whole."""
    from orchestration.landing.old_reason_copies import Forgotten, _vacuum

    database = tmp_path / "index.db"
    con = sqlite3.connect(database, isolation_level=None)
    con.execute("pragma secure_delete = off")
    con.execute("pragma journal_mode = wal")
    con.execute("create table event_logs (event text)")
    con.executemany("insert into event_logs values (?)", [(f"{OLD} {i}",) for i in range(50)])
    con.execute("insert into event_logs values (?)", [NEW])
    con.execute("delete from event_logs where event like 'canary%'")
    con.execute("pragma wal_checkpoint(truncate)")
    con.close()
    assert OLD.encode() in database.read_bytes()  # deleted, but still on disk

    forgotten = Forgotten(datetime.now(UTC))
    _vacuum(database, forgotten)

    assert forgotten.vacuumed == [database] and forgotten.problems == []
    assert OLD.encode() not in database.read_bytes()
    with sqlite3.connect(database) as con:
        assert con.execute("select event from event_logs").fetchall() == [(NEW,)]
