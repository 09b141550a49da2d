"""`pcp`: the command line of PCP Warehouse.

Each verb is thin and calls the module that does the work.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import re
import sys
import time
from datetime import date
from pathlib import Path
from typing import NoReturn

import click

from orchestration.lib.freed_memory import collect_cycles_less_often
from orchestration.settings import Settings, SettingsError, load_settings

# Exit status when another process holds the warehouse (EX_TEMPFAIL: try again later).
EXIT_BUSY = 75


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as error:
        raise click.UsageError(str(error)) from None


def _wait_for_writer(settings: Settings, wait: float) -> None:
    """Readers of the warehouse wait while a writer holds it (DuckDB shuts readers out), saying
    who; after ``wait`` seconds they stop with one line."""
    from orchestration.writer_lock import DatabaseBusy, current_holder

    holder = current_holder(settings.warehouse_path)
    if holder is None:
        return
    click.echo(f"The warehouse is busy: {holder.describe()} is writing it; waiting…", err=True)
    started = time.monotonic()
    while current_holder(settings.warehouse_path) is not None:
        if time.monotonic() - started > wait:
            busy = DatabaseBusy(settings.warehouse_path, holder, time.monotonic() - started)
            click.echo(f"{busy} Try again later, or give --wait SECONDS.", err=True)
            sys.exit(EXIT_BUSY)
        time.sleep(0.5)


class IsoDate(click.ParamType):
    """A day as YYYY-MM-DD; anything else is a usage error naming the form (exit status 2)."""

    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx) -> date:
        if isinstance(value, date):
            return value
        problem = "expected a date as YYYY-MM-DD (e.g. 2025-11-05)"
        # Only this form: fromisoformat would also take 20251105 or 2025-W45-3.
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            try:
                return date.fromisoformat(value)
            except ValueError as error:  # e.g. "month must be in 1..12"
                problem = f"{error}; {problem}"
        self.fail(f"{value!r}: {problem}", param, ctx)


class PcpGroup(click.Group):
    """The verbs, with a setting the environment gets wrong (PCP_FORCES, PCP_HISTORY_START, ...)
    reported as one line naming it, wherever it is first read, not as a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except SettingsError as error:
            raise click.UsageError(str(error)) from None


@click.group(cls=PcpGroup, help="PCP Warehouse: Police and Crime Plan performance data.")
@click.version_option(package_name="pcp-warehouse", prog_name="pcp")
def main() -> None:
    from orchestration.file_modes import restrict_new_files

    restrict_new_files()  # whatever any verb writes is 0640 / 0750 (file_modes.py)


@main.command("demo-data")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Landing folder to write into (files go to OUT/<source>/).",
)
@click.option("--start", default="2019-04", show_default=True, help="First month, YYYY-MM.")
@click.option("--end", default="2025-09", show_default=True, help="Last month, YYYY-MM.")
@click.option(
    "--seed",
    default=20250730,
    show_default=True,
    type=int,
    help="Random seed: the same seed writes the same bytes.",
)
@click.option(
    "--withhold/--no-withhold",
    default=True,
    show_default=True,
    help="Leave two partner-return metrics out of the latest quarter (to show readiness alerts).",
)
def demo_data(out_dir: Path, start: str, end: str, seed: int, withhold: bool) -> None:
    """Write realistic demo files in the real published formats into a landing folder."""
    from orchestration.demo import MonthRangeError, write_demo_data
    from orchestration.demo.partner_returns import WITHHELD_METRICS
    from orchestration.forces import configured_forces

    settings = _settings()  # peer forces: those of PCP_FORCES beside the home force
    try:
        forces = configured_forces(settings)
    except SettingsError as error:
        raise click.UsageError(str(error)) from None
    peers = tuple(force.slug for force in forces if force.slug != settings.home_force)
    started = time.monotonic()
    try:  # the range is checked before anything is written; a bad one is a usage error (exit 2)
        written = write_demo_data(
            out_dir, start=start, end=end, seed=seed, withhold=withhold, peer_forces=peers
        )
    except MonthRangeError as error:
        raise click.UsageError(str(error)) from None
    except OSError as error:  # a folder that cannot be made or written
        raise click.UsageError(f"--out {out_dir}: cannot write there: {error}") from None
    if withhold:
        click.echo(
            f"Withheld partner-return metrics {', '.join(WITHHELD_METRICS)} for the latest "
            "quarter (--no-withhold to include them)."
        )
    for source, files in written.items():
        rows = sum(rows for _, rows in files)
        click.echo(f"{source}: {len(files)} files, {rows:,} rows -> {out_dir / source}")
    click.echo(f"Demo data written in {time.monotonic() - started:.1f}s.")


def wait_option(command):
    """--wait, for the verbs that need the warehouse while a refresh may be writing it."""
    return click.option(
        "--wait",
        "wait_seconds",
        type=click.FloatRange(min=0),
        default=600,
        show_default=True,
        help="Seconds to wait while another process is writing the warehouse (0: do not wait).",
    )(command)


def _anything_landed(landing_dir: Path) -> bool:
    """Whether any landing folder holds an entry: looked at one level down, never following a
    link or descending into a folder dropped in landing (that is refused, not read)."""
    if not landing_dir.is_dir():
        return False
    with os.scandir(landing_dir) as folders:
        for folder in folders:
            if folder.is_dir():
                with os.scandir(folder.path) as entries:
                    if any(True for _ in entries):
                        return True
    return False


@main.command()
@click.option("--verbose", is_flag=True, help="Show Dagster's and dbt's run log on the console.")
@click.option("--quiet", is_flag=True, help="Print nothing unless something needs attention.")
@click.option(
    "--full-build",
    is_flag=True,
    help="Build every model, even with nothing new (otherwise a build after a published one "
    "rebuilds only what new deliveries feed, and every mart).",
)
@wait_option
def refresh(verbose: bool, quiet: bool, full_build: bool, wait_seconds: float) -> None:
    """Take in new or changed files from landing, then build and publish the warehouse once."""
    from contextlib import nullcontext

    from orchestration.quality.suite_worker import suites_in_a_second_process
    from orchestration.settings import export_runtime_environment

    settings = _settings()
    started = time.monotonic()
    export_runtime_environment(settings)
    delivered = _anything_landed(settings.landing_dir)
    # Files to validate: start Great Expectations in a second process now, before this one
    # loads Dagster, so the two imports overlap (see quality/suite_worker.py).
    with suites_in_a_second_process(settings.data_dir) if delivered else nullcontext():
        _refresh(settings, started, verbose, quiet, wait_seconds, full_build)


def _refresh(
    settings: Settings,
    started: float,
    verbose: bool,
    quiet: bool,
    wait_seconds: float,
    full_build: bool = False,
) -> None:
    from orchestration.landing.names import shown
    from orchestration.progress import Progress
    from orchestration.refresh import refresh as run_refresh
    from orchestration.status import compact_months
    from orchestration.writer_lock import DatabaseBusy

    say = (lambda *a, **k: None) if quiet else click.echo
    try:
        summary = run_refresh(
            settings,
            # Dagster's own console log only when asked: otherwise steps, their warnings and
            # failures come through the progress lines.
            log_level="INFO" if verbose else "CRITICAL",
            progress=Progress(quiet=quiet),
            wait=wait_seconds,
            full_build=full_build,
        )
    except DatabaseBusy as busy:
        click.echo(f"{busy} Try again later, or give --wait SECONDS.", err=True)
        sys.exit(EXIT_BUSY)
    runs = len(summary.run_ids)
    say(f"Refresh finished in {time.monotonic() - started:.1f}s ({runs} Dagster run(s)).")
    if not summary.run_ids and not summary.refused:
        say(
            "Nothing new in landing and nothing due: the warehouse and published marts are current."
        )
    if summary.loaded:
        rows = sum(r for _, _, r in summary.loaded)
        say(
            f"Loaded {len(summary.loaded)} file(s), {rows:,} rows, months "
            f"{compact_months(summary.months)}."
        )
    if summary.duplicates:
        say(f"{summary.duplicates} file(s) were byte-identical to files already loaded: skipped.")
    for name, why in summary.plan.waiting:
        say(f"Waiting in landing: {name}: {why}")
    for warning in summary.plan.warnings:
        click.echo(f"WARNING {warning}", err=True)
    for name, reason in summary.refused:
        click.echo(f"REFUSED {shown(name)}: {reason}", err=True)
    if summary.refused:
        click.echo(
            f"Refused files are in {settings.quarantine_dir} with a .reason.txt beside each.",
            err=True,
        )
    for run_id in summary.failed_runs:
        click.echo(
            f"Run {run_id} failed (a build step or a check): the published marts are unchanged; "
            "see `make dev` or the dbt log.",
            err=True,
        )
    if summary.build_run_id and not summary.failed_runs:
        say(f"Published: {settings.published_dir / 'marts.duckdb'}")
    say(f"Warehouse: {settings.warehouse_path}")
    if not verbose and summary.run_ids:
        say(f"dbt log: {settings.log_dir / 'refresh.log'}; run history: `make dev`.")
    sys.exit(0 if summary.ok else 1)


@main.command()
@wait_option
def status(wait_seconds: float) -> None:
    """Per dataset: partitions loaded, rows, last refresh, refused files and why."""
    from orchestration.landing.names import shown
    from orchestration.status import (
        compact_months,
        read_build_status,
        read_folder_status,
        read_status,
    )

    settings = _settings()
    _wait_for_writer(settings, wait_seconds)
    click.echo(
        f"Warehouse: {settings.warehouse_path}"
        + ("" if settings.warehouse_path.exists() else " (not built yet: run `pcp refresh`)")
    )
    state = read_build_status(settings, date.today())
    if state is not None:
        build = state.build
        if build is None:
            click.echo("  last build    : never")
        else:
            when = build.published_at or build.built_at or build.started_at
            detail = f": {build.failure}" if build.failure else ""
            click.echo(
                f"  last build    : {build.status} {when:%Y-%m-%d %H:%M} "
                f"(build {build.build_id}, Dagster run {(build.run_id or '-')[:8]}){detail}"
            )
            if build.scope:
                click.echo(f"  build scope   : {build.scope}")
        due = f"yes: {state.due} (`pcp refresh` does it)" if state.due else "no"
        click.echo(f"  build due     : {due}")
    for dataset in read_status(settings):
        click.echo(f"\n{dataset.dataset}  ({dataset.table})")
        click.echo(f"  loaded        : {compact_months(dataset.partitions, dataset.step)}")
        click.echo(f"  rows          : {dataset.rows:,} from {dataset.files_loaded} file(s)")
        last = dataset.last_refresh
        click.echo(
            f"  last refresh  : {last:%Y-%m-%d %H:%M:%S %Z}" if last else "  last refresh  : never"
        )
        if dataset.in_landing:
            click.echo(f"  in landing    : {len(dataset.in_landing)} file(s) not yet taken in")
        click.echo(f"  refused files : {len(dataset.refused)}")
        for (name, when, reason, path), holding in zip(
            dataset.refused, dataset.holding, strict=True
        ):
            click.echo(f"    - {shown(name)} ({when:%Y-%m-%d %H:%M}): {reason}")
            click.echo(f"      kept in {path}")
            click.echo(f"      its partitions: {holding}")
    for folder in read_folder_status(settings):
        click.echo(f"\nlanding/{folder.folder}/  (files no source takes, and other entries)")
        click.echo(f"  refused files : {len(folder.refused)}")
        for name, when, reason, path in folder.refused:
            click.echo(f"    - {name} ({when:%Y-%m-%d %H:%M}): {reason}")
            if not path:
                click.echo("      left in landing (it could not be moved)")
            elif os.path.lexists(path):
                click.echo(f"      kept in {path}")
            else:  # a link, FIFO or device: removed, only its reason kept
                click.echo(f"      reason in {path}.reason.txt")
        if folder.problem:
            click.echo(f"  WARNING       : {folder.problem}")
        for name, problem in folder.unusable_in_landing:
            click.echo(f"  in landing    : {name}: {problem} (`pcp refresh` refuses it)")
    from orchestration.readiness.alert_log import read_failing_channels

    down = read_failing_channels(settings)  # from alerts.duckdb, not the warehouse
    if down is None:
        click.echo("\nalert channels: unknown (alerts are being sent; try again shortly)")
    else:
        click.echo("\nalert channels: " + ("all delivering" if not down else "FAILING"))
    for channel, when, error in down or []:
        click.echo(f"  - {channel} failed at {when}: {error} (retried at the next evaluation)")


@main.command()
@click.option(
    "--board",
    "board_date",
    type=IsoDate(),
    required=True,
    help="The delivery board's date, YYYY-MM-DD.",
)
@click.option(
    "--as-of",
    "as_of",
    type=IsoDate(),
    default=None,
    help="Evaluate as it stood on this day: only files delivered by then count "
    "(default: today, or the board date once it has passed).",
)
@click.option("--send", is_flag=True, help="Send the alerts (email, Teams, Slack or outbox).")
def readiness(board_date: date, as_of: date | None, send: bool) -> None:
    """Which headline metrics are not ready for a board; with --send, tell their leads.

    Reads the published marts (so it works during a refresh). Exit status 0 when every metric
    is ready (or restricted), 1 when any is missing, late or suspect, 2 when the board, the day
    or the published marts cannot be found.
    """
    from orchestration.readiness.evaluate import find_board
    from orchestration.readiness.run import evaluate_board

    settings = _settings()
    try:
        tracked = find_board(settings, board_date)
        day, note = tracked.as_of(as_of, date.today())
        if note:
            click.echo(note)
        evaluation = evaluate_board(settings, board_date, day, send)
    except (LookupError, ValueError) as error:
        click.echo(str(error), err=True)
        sys.exit(2)
    metrics = evaluation.metrics
    first = metrics[0]
    click.echo(
        f"Delivery board {first.board_date:%Y-%m-%d} ({first.reporting_quarter}), as of "
        f"{evaluation.as_of:%Y-%m-%d}; data deadline {first.data_deadline:%Y-%m-%d}"
    )
    width = max(len(m.metric_name) for m in metrics[:60])
    for m in sorted(metrics, key=lambda m: (m.ready, m.delivery_strategy, m.metric_id)):
        click.echo(f"  {m.status:<10} {m.metric_name[:width]:<{width}}  {m.owner:<28} {m.reason}")
    not_ready = [m for m in metrics if not m.ready]
    click.echo(
        f"{len(metrics) - len(not_ready)} of {len(metrics)} ready; {len(not_ready)} not ready."
    )
    if evaluation.actions:
        missing = evaluation.missing_actions
        click.echo(
            f"Action tracker: {len(evaluation.actions) - len(missing)} of "
            f"{len(evaluation.actions)} actions updated for the board; {len(missing)} missing."
        )
        for action in missing:
            click.echo(f"  missing    {action.reference:<16} {action.lead_key:<28} "
                       f"{action.task_name[:70]}")  # fmt: skip
    if evaluation.report is not None:
        for delivery in evaluation.report.sent:
            click.echo(f"  sent {delivery.kind} ({delivery.channel}) -> {delivery.where}")
        for delivery in evaluation.report.failed:
            click.echo(
                f"  FAILED {delivery.kind} ({delivery.channel}) for {delivery.lead_key}: "
                f"{delivery.where} (retried at the next evaluation)",
                err=True,
            )
        if not evaluation.report.sent and not evaluation.report.failed:
            click.echo("  nothing new to send (each alert goes out at most once a day)")
    sys.exit(0 if evaluation.ready else 1)


@main.command()
@click.option("--quarter", required=True, help="Reporting quarter, e.g. 2025/26-Q1, or 'latest'.")
@click.option("--public", is_flag=True, help="The public edition: restricted figures withheld.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True)
@click.option(
    "--live",
    is_flag=True,
    help="Today's figures, even for a quarter whose board has been held (by default such a "
    "pack shows what that board saw: its frozen snapshot).",
)
def pack(quarter: str, public: bool, out_dir: Path, live: bool) -> None:
    """Write the quarter's board pack (HTML, PDF, XLSX) from the published marts."""
    from orchestration.pack.pack import write_pack
    from orchestration.pack.quarters import check_quarter

    settings = _settings()
    published = settings.published_dir / "marts.duckdb"
    if not published.exists():
        click.echo(f"No published marts at {published}: run `pcp refresh` first.", err=True)
        sys.exit(2)
    try:  # a quarter the dashboard does not hold is refused naming those it does
        check_quarter(published, quarter)
    except LookupError as error:
        raise click.UsageError(str(error)) from None
    if out_dir.exists() and not out_dir.is_dir():
        raise click.UsageError(f"--out {out_dir}: a file, not a folder to write the pack into")
    try:
        files = write_pack(published, quarter, public, out_dir, settings.file_group, live=live)
    except LookupError as error:
        click.echo(str(error), err=True)
        sys.exit(2)
    edition = "public" if public else "board (restricted: not for publication)"
    click.echo(f"Board pack, {edition}:")
    for path in (files.html, files.pdf, files.xlsx):
        if path:
            click.echo(f"  {path}")
    if files.pdf is None:
        click.echo("  (no PDF: Chromium is not installed; `make browser` installs it)")


@main.command("forget-old-reasons")
@wait_option
def forget_old_reasons(wait_seconds: float) -> None:
    """Delete what an earlier release's refusal reasons left in run history and the outbox:
    Dagster runs and sensor ticks from before this release withheld them, with their event and
    compute logs, and the outbox's emails from before then (README, "Who may read what")."""
    from orchestration.landing.old_reason_copies import NotYetWithheld
    from orchestration.landing.old_reason_copies import forget_old_reasons as forget
    from orchestration.settings import export_runtime_environment
    from orchestration.writer_lock import DatabaseBusy

    settings = _settings()
    export_runtime_environment(settings)
    try:
        forgotten = forget(settings, wait=wait_seconds)
    except NotYetWithheld as error:
        click.echo(f"Nothing deleted: {error}.", err=True)
        sys.exit(2)
    except DatabaseBusy as busy:
        click.echo(f"{busy} Try again later, or give --wait SECONDS.", err=True)
        sys.exit(EXIT_BUSY)
    click.echo(
        f"Before {forgotten.before:%Y-%m-%d %H:%M:%S %Z} (when this release withheld the old "
        f"reasons): deleted {forgotten.runs} Dagster run(s) with their event and compute logs, "
        f"the sensor and schedule ticks of {forgotten.tick_sources} sensor(s) or schedule(s), "
        f"and {forgotten.emails} outbox email(s); vacuumed {len(forgotten.vacuumed)} run "
        "history file(s)."
    )
    for problem in forgotten.problems:
        click.echo(f"WARNING: {problem}", err=True)
    if forgotten.problems:
        sys.exit(1)


def run() -> NoReturn:
    """The `pcp` command (pyproject's script): `main`, then the process ends without Python's
    interpreter teardown. That teardown frees every object the command left (dbt's parsed
    project, Dagster's definitions, pandas, Great Expectations): 0.9-1.1 s after a refresh had
    printed its last line, spent on nothing the command needs. Before leaving, what teardown
    would have done that matters is done here: the exit handlers run (multiprocessing ends its
    children), log handlers close and the output is flushed. Every database connection is
    closed by the code that opened it; the process's file locks go with it.

    The collector runs less often than Python's default (freed_memory.COLLECTOR_THRESHOLDS)."""
    collect_cycles_less_often()
    try:
        main(prog_name="pcp")
    except SystemExit as stop:
        code = stop.code
    else:  # pragma: no cover - click's standalone mode always exits
        code = 0
    if isinstance(code, str):  # sys.exit("message"): printed, status 1, as Python does
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    run()
