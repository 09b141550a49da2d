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


def test_rows_handed_over_as_parquet_give_the_same_outcome_and_leave_nothing(tmp_path):
    import duckdb

    tmp_path = tmp_path / "o'brien's data"  # a quote in the data directory's path
    tmp_path.mkdir()

    rows = [crime(), crime(longitude="12.5", longitude_num=None), crime(crime_id=None)]
    here = run_suite_here("police_uk_street", frame(rows), PARAMS)
    con = duckdb.connect()
    con.register("given", frame(rows))
    with suites_in_a_second_process(tmp_path) as worker:
        scratch = worker.scratch
        assert scratch.parent == tmp_path and oct(scratch.stat().st_mode)[-3:] == "700"
        there = worker.run_query("police_uk_street", con, "select * from given", [], PARAMS, "all")
        assert list(scratch.iterdir()) == []  # each hand-over's file goes once validated
    assert there == here
    assert not scratch.exists()


def test_a_killed_refreshs_rows_folder_is_removed_and_a_live_ones_kept(tmp_path):
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    abandoned = tmp_path / f".suite-rows-{dead}-abc"
    live = tmp_path / f".suite-rows-{os.getpid()}-def"
    for folder in (abandoned, live):
        folder.mkdir()
        (folder / "rows-0.parquet").write_bytes(b"x")
    with suites_in_a_second_process(tmp_path):
        assert not abandoned.exists()
        assert live.exists()


def test_validations_submitted_together_answer_each_to_its_own_ticket(tmp_path):
    import duckdb

    good = [crime(), crime()]
    bad = [crime(), crime(crime_id=None)]
    con = duckdb.connect()
    con.register("good", frame(good))
    con.register("bad", frame(bad))
    with suites_in_a_second_process(tmp_path) as worker:
        tickets = [
            worker.submit("police_uk_street", con, f"select * from {name}", [], PARAMS, "all")
            for name in ("good", "bad", "good")
        ]
        missing = worker.submit("no_such_suite", con, "select * from good", [], PARAMS, "all")
        # Asked for out of order: each answer is its own file's.
        last, middle, first = (worker.result(t) for t in reversed(tickets))
        with pytest.raises(FileNotFoundError):
            worker.result(missing)
        assert list(worker.scratch.iterdir()) == []
    assert first == last == run_suite_here("police_uk_street", frame(good), PARAMS)
    assert middle == run_suite_here("police_uk_street", frame(bad), PARAMS)
    assert middle.errors and not first.errors


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


def test_the_worker_leaves_no_semaphore_behind(tmp_path):
    # The worker ends without the interpreter's teardown (suite_worker._leave) but with its
    # exit handlers: skipped, the semaphores its validations' libraries made were left to the
    # resource tracker, which warned of them on the console at the end of every refresh.
    import subprocess
    import sys

    program = (
        "import duckdb\n"
        "from orchestration.quality.expectation_suites import run_suite\n"
        "from orchestration.quality.suite_worker import suites_in_a_second_process\n"
        "from tests.unit.test_expectation_suites import PARAMS, crime, frame\n"
        "if __name__ == '__main__':\n"
        "    rows = frame([crime(), crime(crime_id=None)])\n"
        "    con = duckdb.connect()\n"
        "    con.register('given', rows)\n"
        f"    with suites_in_a_second_process({str(tmp_path)!r}) as worker:\n"
        "        run_suite('police_uk_street', rows, PARAMS)\n"
        "        worker.run_query('police_uk_street', con, 'select * from given', [], PARAMS, 'all')\n"
        "    print('validated')\n"
    )
    script = tmp_path / "validate_in_the_worker.py"
    script.write_text(program, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=os.getcwd(),
        env={**os.environ, "PYTHONPATH": os.getcwd()},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == ["validated"]
    assert "leaked" not in done.stderr, done.stderr[-2000:]
