"""`pcp refresh` validates in a second process (GX's import overlaps Dagster's): the outcome is
the same as validating here, errors come back, and the process is gone afterwards."""

from __future__ import annotations

import os

import pytest

from orchestration.quality import suite_worker
from orchestration.quality.expectation_suites import run_suite, run_suite_here
from orchestration.quality.suite_worker import suites_in_a_second_process
from tests.unit.test_expectation_suites import PARAMS, crime, frame


def test_a_suite_run_in_the_second_process_gives_the_same_outcome():
    rows = [crime(), crime(longitude="12.5", longitude_num=None), crime(crime_id=None)]
    here = run_suite_here("police_uk_street", frame(rows), PARAMS)
    assert here.errors  # a frame that fails, so there is something to compare
    with suites_in_a_second_process() as worker:
        assert suite_worker.current() is worker and worker.process.pid != os.getpid()
        there = run_suite("police_uk_street", frame(rows), PARAMS)
        # An error in the worker comes back as the same exception.
        with pytest.raises(FileNotFoundError):
            run_suite("no_such_suite", frame(rows), PARAMS)
    assert there == here
    assert suite_worker.current() is None
    assert not worker.process.is_alive()


def test_a_retired_worker_is_gone_and_suites_run_here_after_it():
    """`pcp refresh` retires the worker once intake is over, so its memory is not held beside
    the build's; its context closing it again afterwards is harmless."""
    rows = [crime(), crime(crime_id=None)]
    with suites_in_a_second_process() as worker:
        suite_worker.retire()
        assert suite_worker.current() is None
        assert not worker.process.is_alive()
        assert run_suite("police_uk_street", frame(rows), PARAMS) == run_suite_here(
            "police_uk_street", frame(rows), PARAMS
        )
    assert suite_worker.current() is None
    suite_worker.retire()  # no worker: nothing to do
