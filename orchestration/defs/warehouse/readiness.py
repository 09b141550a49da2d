"""Board readiness in Dagster: a daily schedule evaluates every board in its readiness window
(from 15 days before it) and alerts the leads; checks make the result plain in the UI.

Alerts are sent by the asset itself, not by a failing run: the checks are warnings, so a
metric that is not ready never fails the run that reports it. The asset reads today's rows of
marts.mart_board_readiness from the published copy and records alerts in alerts.duckdb: it
never opens the warehouse, so it runs while a refresh holds it.
"""

from datetime import date

import dagster as dg

from orchestration.lib.resources import RunProcess, SettingsResource
from orchestration.readiness.alert_log import read_failing_channels
from orchestration.readiness.evaluate import NotPublished, boards_open_for_evaluation
from orchestration.readiness.run import evaluate_board

READINESS_KEY = dg.AssetKey(["alerts", "board_readiness_alerts"])


@dg.asset(
    key=READINESS_KEY,
    deps=[dg.AssetKey(["marts", "mart_board_readiness"]), dg.AssetKey(["published", "marts"])],
    group_name="readiness",
    description=(
        "Reads marts.mart_board_readiness (published copy) as of today for every delivery "
        "board within its readiness window and sends each lead one message about their metrics "
        "that are not ready (at most once a day), a 'now ready' when one arrives, and a summary "
        "to the chair; the alert log is $PCP_DATA_DIR/alerts.duckdb."
    ),
    owners=["team:data-engineering"],
    check_specs=[
        dg.AssetCheckSpec(
            "board_metrics_ready",
            asset=READINESS_KEY,
            description=(
                "Warns (never fails the run) when a headline metric is not ready for a board in "
                "its readiness window: missing, late or suspect, each listed with its reason."
            ),
        ),
        dg.AssetCheckSpec(
            "alert_channels_delivered",
            asset=READINESS_KEY,
            description=(
                "Warns when an alert channel (email, Teams, Slack) did not take its messages, "
                "in this run or earlier; a failed message is retried at the next evaluation."
            ),
        ),
    ],
)
def board_readiness_alerts(
    context: dg.AssetExecutionContext, run_process: RunProcess, pcp_settings: SettingsResource
):
    settings = pcp_settings.settings
    today = date.today()
    not_ready: list[str] = []
    failed: list[str] = []
    sent = 0
    try:
        boards = boards_open_for_evaluation(settings, today)
    except NotPublished as error:
        context.log.warning(str(error))
        boards = []
    for board in boards:
        evaluation = evaluate_board(settings, board, today, send=True)
        not_ready += [
            f"{board:%Y-%m-%d} {m.metric_id} {m.status}: {m.reason}"
            for m in evaluation.metrics
            if not m.ready
        ]
        sent += len(evaluation.report.sent)
        failed += [f"{d.channel} -> {d.lead_key}: {d.where}" for d in evaluation.report.failed]
    context.log.info(f"{sent} alert(s) sent, {len(failed)} failed, {len(not_ready)} not ready")
    yield dg.MaterializeResult(metadata={"not ready": len(not_ready), "alerts sent": sent})
    yield dg.AssetCheckResult(
        check_name="board_metrics_ready",
        passed=not not_ready,
        severity=dg.AssetCheckSeverity.WARN,
        description="Headline metrics not ready for a board in its readiness window.",
        metadata={
            "not ready": dg.MetadataValue.md("\n".join(f"- {x}" for x in not_ready) or "none")
        },
    )
    # None: another sender held alerts.duckdb too long to read; this run's own failures stand.
    down = read_failing_channels(settings)
    failures = failed + [f"{c} since {w}: {e}" for c, w, e in down or []]
    if down is None:
        failures.append("(earlier failures unknown: another dispatch held alerts.duckdb)")
    yield dg.AssetCheckResult(
        check_name="alert_channels_delivered",
        passed=not failed and not down,
        severity=dg.AssetCheckSeverity.WARN,
        description="Every alert channel took its messages (a failure is retried next time).",
        metadata={"failures": dg.MetadataValue.md("\n".join(f"- {x}" for x in failures) or "none")},
    )


board_readiness_job = dg.define_asset_job(
    "board_readiness_daily",
    selection=dg.AssetSelection.assets(READINESS_KEY),
    description="Evaluate board readiness and send the leads' alerts.",
)

board_readiness_schedule = dg.ScheduleDefinition(
    name="board_readiness_every_morning",
    job=board_readiness_job,
    cron_schedule="30 7 * * *",
    execution_timezone="Europe/London",
    description="Every morning: boards within 15 days are evaluated and their leads alerted.",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
