"""What `pcp refresh` prints as it goes: a live line per phase on a terminal, one line per phase
in a log, nothing with --quiet unless a phase fails."""

from __future__ import annotations

import io
import re
import time

from orchestration.progress import Progress


def run_phases(progress: Progress) -> None:
    with progress.phase("intake police_uk_street: 2 new file(s)"):
        time.sleep(1.0)
    progress.step_labels = {"warehouse_dbt_models": "build: dbt build"}
    progress.on_step("STEP_START", "warehouse_dbt_models")
    progress.on_step_detail("warehouse_dbt_models", "120 of 223 dbt nodes")
    progress.on_step("STEP_FAILURE", "warehouse_dbt_models")
    progress.close()


def test_a_log_gets_one_line_per_phase_with_its_time():
    out = io.StringIO()
    run_phases(Progress(out, live=False))
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert re.fullmatch(
        r"\d\d:\d\d:\d\d intake police_uk_street: 2 new file\(s\): done in \d\.\ds", lines[0]
    ), lines[0]
    assert re.fullmatch(
        r"\d\d:\d\d:\d\d build: dbt build  120 of 223 dbt nodes: FAILED in \d\.\ds", lines[1]
    ), lines[1]
    assert "\r" not in out.getvalue()


def test_a_terminal_gets_a_live_line_that_ticks_and_then_the_result():
    out = io.StringIO()
    run_phases(Progress(out, live=True))
    text = out.getvalue()
    # While the intake phase ran, its line was redrawn with a growing elapsed time.
    ticks = re.findall(r"\r\x1b\[K  … intake police_uk_street: 2 new file\(s\)  (\d\.\d)s", text)
    assert len(ticks) >= 2 and float(ticks[-1]) > float(ticks[0])
    assert "\r\x1b[K  ✓ intake police_uk_street: 2 new file(s)  " in text
    assert "\r\x1b[K  ✗ build: dbt build  120 of 223 dbt nodes  " in text


def test_quiet_prints_only_what_failed():
    out = io.StringIO()
    progress = Progress(out, quiet=True, live=False)
    with progress.phase("intake"):
        pass
    progress.note("Building the warehouse: the warehouse has never been built.")
    assert out.getvalue() == ""
    run_phases(progress)
    assert out.getvalue().count("\n") == 1 and "build: dbt build" in out.getvalue()
    assert "FAILED" in out.getvalue()


def test_a_runs_steps_warnings_and_failures_come_through_as_plain_lines():
    import dagster as dg

    from orchestration.progress import progress_logger, reporting

    @dg.asset
    def intake(context):
        context.log.warning("Loaded victim-survey-force-2025-04.csv with warnings: [warn] ...")

    @dg.asset(deps=[intake])
    def build():
        raise RuntimeError("dbt build failed: 1 test did not pass")

    out = io.StringIO()
    progress = Progress(out, live=False)
    progress.step_labels = {"intake": "intake survey: 1 new file(s)", "build": "build: dbt build"}
    job = dg.Definitions(
        assets=[intake, build],
        # Assets named, not the string "*": Dagster parses a selection string with its beta
        # `include_sources` parameter, which warns.
        jobs=[dg.define_asset_job("j", selection=dg.AssetSelection.assets(intake, build))],
        loggers={"progress": progress_logger},
    ).resolve_job_def("j")
    with reporting(progress):
        result = job.execute_in_process(
            run_config={"loggers": {"progress": {}}}, raise_on_error=False
        )
    assert not result.success
    lines = out.getvalue().splitlines()
    assert re.fullmatch(r"\d\d:\d\d:\d\d intake survey: 1 new file\(s\): done in \d\.\ds", lines[1])
    assert lines[0] == "    ! Loaded victim-survey-force-2025-04.csv with warnings: [warn] ..."
    assert re.fullmatch(r"\d\d:\d\d:\d\d build: dbt build: FAILED in \d\.\ds", lines[2])
    assert "dbt build failed: 1 test did not pass" in lines[3]
    assert "dagster - " not in out.getvalue()  # no Dagster log format
