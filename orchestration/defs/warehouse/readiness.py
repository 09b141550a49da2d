"""Board readiness in Dagster: a daily schedule evaluates every board in its readiness window
(from 15 days before it) and alerts the leads; checks make the result plain in the UI.

Alerts are sent by the asset itself, not by a failing run: the checks are warnings, so a
metric that is not ready never fails the run that reports it.
"""

from datetime import date

import dagster as dg

from orchestration.database import connect
from orchestration.readiness.alert_log import failing_channels
from orchestration.readiness.evaluate import boards_open_for_evaluation, build_readiness
from orchestration.readiness.run import evaluate_board
from orchestration.settings import load_settings

READINESS_KEY = dg.AssetKey(["alerts", "board_readiness_alerts"])


@dg.asset(
    key=READINESS_KEY,
    deps=[dg.AssetKey(["marts", "mart_board_readiness"])],
    group_name="readiness",
    description=(
        "Evaluates marts.mart_board_readiness as of today for every delivery board within its "
        "readiness window and sends each lead one message about their metrics that are not "
        "ready (at most once a day), a 'now ready' when one arrives, and a summary to the chair."
    ),
    check_specs=[
        dg.AssetCheckSpec("board_metrics_ready", asset=READINESS_KEY),
        dg.AssetCheckSpec("alert_channels_delivered", asset=READINESS_KEY),
    ],
)
def board_readiness_alerts(context: dg.AssetExecutionContext):
    settings = load_settings()
    today = date.today()
    build_readiness(settings, today)
    not_ready: list[str] = []
    failed: list[str] = []
    sent = 0
    for board in boards_open_for_evaluation(settings, today):
        evaluation = evaluate_board(settings, board, today, send=True, build=False)
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
    with connect(settings.warehouse_path, read_only=True) as con:
        down = failing_channels(con)
    yield dg.AssetCheckResult(
        check_name="alert_channels_delivered",
        passed=not failed and not down,
        severity=dg.AssetCheckSeverity.WARN,
        description="Every alert channel took its messages (a failure is retried next time).",
        metadata={"failures": dg.MetadataValue.md(
            "\n".join(f"- {x}" for x in failed + [f"{c} since {w}: {e}" for c, w, e in down])
            or "none"
        )},
    )  # fmt: skip


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
