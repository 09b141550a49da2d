"""`pcp`: the command line of PCP Warehouse.

Each verb is thin and calls the module that does the work.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from orchestration.settings import load_settings


@click.group(help="PCP Warehouse: Police and Crime Plan performance data.")
def main() -> None:
    pass


@main.command("demo-data")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
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
    from orchestration.demo import write_demo_data
    from orchestration.demo.partner_returns import WITHHELD_METRICS

    started = time.monotonic()
    written = write_demo_data(out_dir, start=start, end=end, seed=seed, withhold=withhold)
    if withhold:
        click.echo(
            f"Withheld partner-return metrics {', '.join(WITHHELD_METRICS)} for the latest "
            "quarter (--no-withhold to include them)."
        )
    for source, files in written.items():
        rows = sum(rows for _, rows in files)
        click.echo(f"{source}: {len(files)} files, {rows:,} rows -> {out_dir / source}")
    click.echo(f"Demo data written in {time.monotonic() - started:.1f}s.")


@main.command()
@click.option("--verbose", is_flag=True, help="Show Dagster's run log (INFO) on the console.")
def refresh(verbose: bool) -> None:
    """Take in new or changed files from landing, rebuild what depends on them, run the checks."""
    from orchestration.refresh import refresh as run_refresh
    from orchestration.status import compact_months

    settings = load_settings()
    started = time.monotonic()
    summary = run_refresh(settings, log_level="INFO" if verbose else "WARNING")
    click.echo(
        f"Refresh finished in {time.monotonic() - started:.1f}s "
        f"({len(summary.run_ids)} Dagster run(s))."
    )
    if not summary.run_ids and not summary.refused:
        click.echo("Nothing new in landing: the warehouse is unchanged.")
    if summary.loaded:
        rows = sum(r for _, _, r in summary.loaded)
        click.echo(
            f"Loaded {len(summary.loaded)} file(s), {rows:,} rows, months "
            f"{compact_months(summary.months)}."
        )
    if summary.duplicates:
        click.echo(
            f"{summary.duplicates} file(s) were byte-identical to files already loaded: skipped."
        )
    for name, why in summary.plan.waiting:
        click.echo(f"Waiting in landing: {name}: {why}")
    for name, reason in summary.refused:
        click.echo(f"REFUSED {name}: {reason}", err=True)
    if summary.refused:
        click.echo(
            f"Refused files are in {settings.quarantine_dir} with a .reason.txt beside each.",
            err=True,
        )
    for run_id in summary.failed_runs:
        click.echo(f"Run {run_id} failed (a build step): see `make dev`.", err=True)
    click.echo(f"Warehouse: {settings.warehouse_path}")
    if not verbose and summary.run_ids:
        click.echo(f"dbt log: {settings.log_dir / 'refresh.log'}; run history: `make dev`.")
    sys.exit(0 if summary.ok else 1)


@main.command()
def status() -> None:
    """Per dataset: partitions loaded, rows, last refresh, refused files and why."""
    from orchestration.status import compact_months, read_status

    settings = load_settings()
    click.echo(
        f"Warehouse: {settings.warehouse_path}"
        + ("" if settings.warehouse_path.exists() else " (not built yet: run `pcp refresh`)")
    )
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
            click.echo(f"    - {name} ({when:%Y-%m-%d %H:%M}): {reason}")
            click.echo(f"      kept in {path}")
            click.echo(f"      its partitions: {holding}")
    if settings.warehouse_path.exists():
        from orchestration.database import connect
        from orchestration.readiness.alert_log import failing_channels

        with connect(settings.warehouse_path, read_only=True) as con:
            down = failing_channels(con)
        click.echo("\nalert channels: " + ("all delivering" if not down else "FAILING"))
        for channel, when, error in down:
            click.echo(f"  - {channel} failed at {when}: {error} (retried at the next evaluation)")


@main.command()
@click.option("--board", "board", required=True, help="The delivery board's date, YYYY-MM-DD.")
@click.option("--as-of", "as_of", default=None, help="Evaluate as of this date (default today).")
@click.option("--send", is_flag=True, help="Send the alerts (email, Teams, Slack or outbox).")
def readiness(board: str, as_of: str | None, send: bool) -> None:
    """Which headline metrics are not ready for a board; with --send, tell their leads.

    Exit status 0 when every metric is ready (or restricted), 1 when any is missing, late or
    suspect, 2 when the board or warehouse cannot be found.
    """
    from datetime import date

    from orchestration.readiness.run import evaluate_board

    settings = load_settings()
    if not settings.warehouse_path.exists():
        click.echo("No warehouse yet: run `pcp refresh` (or `make run`) first.", err=True)
        sys.exit(2)
    try:
        evaluation = evaluate_board(
            settings, date.fromisoformat(board),
            date.fromisoformat(as_of) if as_of else date.today(), send,
        )  # fmt: skip
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
    if evaluation.report is not None:
        for delivery in evaluation.report.sent:
            click.echo(f"  sent {delivery.kind} ({delivery.channel}) -> {delivery.where}")
        for delivery in evaluation.report.failed:
            click.echo(f"  FAILED {delivery.kind} ({delivery.channel}) for {delivery.lead_key}: "
                       f"{delivery.where} (retried at the next evaluation)", err=True)  # fmt: skip
        if not evaluation.report.sent and not evaluation.report.failed:
            click.echo("  nothing new to send (each alert goes out at most once a day)")
    sys.exit(0 if evaluation.ready else 1)


@main.command()
@click.option("--quarter", required=True, help="Reporting quarter, e.g. 2025/26-Q1, or 'latest'.")
@click.option("--public", is_flag=True, help="The public edition: restricted figures withheld.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True)
def pack(quarter: str, public: bool, out_dir: Path) -> None:
    """Write the quarter's board pack (HTML, PDF, XLSX) from the published marts."""
    from orchestration.pack.pack import write_pack

    settings = load_settings()
    published = settings.published_dir / "marts.duckdb"
    if not published.exists():
        click.echo(f"No published marts at {published}: run `pcp refresh` first.", err=True)
        sys.exit(2)
    try:
        files = write_pack(published, quarter, public, out_dir)
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


if __name__ == "__main__":
    main()
