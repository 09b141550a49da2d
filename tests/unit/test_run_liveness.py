"""Runs whose process died are marked failed, so the one-at-a-time queue never waits on them;
runs whose process lives, or that we cannot judge, are left alone."""

from __future__ import annotations

import subprocess
import sys

import dagster as dg

from orchestration.run_liveness import PID_TAG, fail_dead_runs, process_alive, process_tags


def started_run(instance: dg.DagsterInstance, tags: dict[str, str]) -> dg.DagsterRun:
    run = instance.create_run_for_job(
        job_def=dg.GraphDefinition(name="g", node_defs=[]).to_job(), tags=tags
    )
    instance.handle_run_event(
        run.run_id,
        dg.DagsterEvent(event_type_value="PIPELINE_START", job_name=run.job_name),
    )
    return instance.get_run_by_id(run.run_id)


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_process_tags_tell_a_live_process_from_a_dead_or_reused_pid():
    mine = process_tags()
    assert process_alive(mine) is True
    assert process_alive({**mine, "pcp/process_start": "1"}) is False  # pid reused by another
    assert process_alive(process_tags(dead_pid())) is False
    assert process_alive({}) is None  # no tags: not ours to judge
    assert process_alive({**mine, "pcp/host": "another-host"}) is None


def test_only_runs_whose_process_died_are_marked_failed():
    with dg.DagsterInstance.ephemeral() as instance:
        dead = started_run(instance, {**process_tags(), PID_TAG: str(dead_pid())})
        live = started_run(instance, process_tags())
        unknown = started_run(instance, {})
        assert dead.status == dg.DagsterRunStatus.STARTED

        failed = fail_dead_runs(instance)

        assert [r.run_id for r in failed] == [dead.run_id]
        assert instance.get_run_by_id(dead.run_id).status == dg.DagsterRunStatus.FAILURE
        assert instance.get_run_by_id(live.run_id).status == dg.DagsterRunStatus.STARTED
        assert instance.get_run_by_id(unknown.run_id).status == dg.DagsterRunStatus.STARTED
        assert fail_dead_runs(instance) == []  # once only
