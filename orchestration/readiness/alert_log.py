"""The alert log: what was sent to whom, on which channel, when - and what failed.

It lives in its own DuckDB file, $PCP_DATA_DIR/alerts.duckdb (``Settings.alerts_path``), not in
the warehouse: readiness reads the published marts, decides, sends and records here, so sending
alerts never needs the warehouse's write lock. DuckDB lets one process write a file at a time:
whoever sends holds alerts.duckdb for the whole dispatch (``open_for_dispatch``), so two
evaluations at once take turns, and the second finds the first one's alerts already sent.

One row per metric per message per channel attempt. "Sent today" makes an alert go out at most
once a day per metric, board and channel; a failed attempt is not "sent", so the next
evaluation retries it on that channel only.

Each alert has a key (``alert_key``, made in dispatch.py) recorded as ``sending`` *before* the
channel is called and carried by the message (email Message-ID, webhook Idempotency-Key header
and body field). A channel that took the message but did not confirm (a timeout after
accepting, a crash) leaves ``sending`` or ``failed``, not ``sent``: the next evaluation sends
again with the same key, so a receiver can tell the retry is the alert it already has.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import duckdb

from orchestration.database import connect
from orchestration.file_modes import secure_path
from orchestration.settings import Settings
from orchestration.writer_lock import DatabaseBusy

TABLE = "alert_log"
# Where the log used to be, inside the warehouse.
OLD_TABLE = "alerts.alert_log"
MIGRATION_TABLE = "alert_log_migration"
# A second sender waits this long for the first to finish its dispatch (each channel call has
# its own 20 s timeout; a dispatch is a handful of messages).
DISPATCH_WAIT_SECONDS = 600.0
COLUMNS = (
    "attempted_at",
    "alert_date",
    "board_date",
    "lead_key",
    "metric_id",
    "kind",
    "channel",
    "outcome",
    "detail",
)
# Outcomes: recorded before the channel is called, then one of the two after.
SENDING, SENT, FAILED = "sending", "sent", "failed"


def ensure_alert_log(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"""
        create table if not exists {TABLE} (
            attempted_at timestamptz not null default current_timestamp,
            alert_date date not null,
            board_date date not null,
            lead_key varchar not null,
            metric_id varchar not null,
            kind varchar not null,
            channel varchar not null,
            outcome varchar not null,
            detail varchar
        )
        """
    )
    # Logs written before alerts had keys gain the column (their rows keep a null key).
    con.execute(f"alter table {TABLE} add column if not exists alert_key varchar")


def migrate_from_warehouse(con: duckdb.DuckDBPyConnection, warehouse: Path) -> bool:
    """Copy the log an older release kept in the warehouse (alerts.alert_log), once.

    The warehouse is opened read-only and without waiting. When a refresh holds it, the copy is
    skipped this time and tried again at the next dispatch (nothing is marked done); alerts
    sent meanwhile are recorded here as usual and the old rows join them later. Returns True
    once the migration is done (or there was nothing to migrate)."""
    con.execute(
        f"create table if not exists {MIGRATION_TABLE} "
        "(migrated_at timestamptz default current_timestamp, source varchar, rows bigint)"
    )
    if con.execute(f"select count(*) from {MIGRATION_TABLE}").fetchone()[0]:
        return True
    rows: list[tuple] = []
    if warehouse.exists():
        try:
            with connect(warehouse, read_only=True, wait=0) as old:
                has_log = old.execute(
                    "select count(*) from duckdb_tables() where schema_name = 'alerts' "
                    "and table_name = 'alert_log'"
                ).fetchone()[0]
                if has_log:
                    rows = old.execute(
                        f"select {', '.join(COLUMNS)} from {OLD_TABLE} order by attempted_at"
                    ).fetchall()
        except (duckdb.Error, DatabaseBusy):
            return False  # the warehouse is busy (a refresh holds it): retry next time
    if rows:
        con.executemany(
            f"insert into {TABLE} ({', '.join(COLUMNS)}) "
            f"values ({', '.join('?' for _ in COLUMNS)})",
            rows,
        )
    con.execute(
        f"insert into {MIGRATION_TABLE} (source, rows) values (?, ?)",
        [str(warehouse), len(rows)],
    )
    return True


@contextmanager
def open_for_dispatch(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """The alert log, held for writing for one whole dispatch (a second sender waits its turn),
    created and migrated from the warehouse on first use."""
    with connect(settings.alerts_path, wait=DISPATCH_WAIT_SECONDS) as con:
        secure_path(settings.alerts_path, settings.file_group)  # names leads: not for everyone
        ensure_alert_log(con)
        migrate_from_warehouse(con, settings.warehouse_path)
        yield con


def sent_on(
    con: duckdb.DuckDBPyConnection,
    board: date,
    lead: str,
    metric: str,
    kind: str,
    channel: str,
    day: date | None = None,
) -> bool:
    """Whether this alert went out on this channel (on ``day``, or ever when None)."""
    return con.execute(
        f"""
        select count(*) > 0 from {TABLE}
        where board_date = ? and lead_key = ? and metric_id = ? and kind = ? and channel = ?
            and outcome = ? and (? is null or alert_date = ?)
        """,
        [board, lead, metric, kind, channel, SENT, day, day],
    ).fetchone()[0]


def key_sent(con: duckdb.DuckDBPyConnection, key: str, channel: str) -> bool:
    """Whether the alert with this key was confirmed on this channel (it is never sent again)."""
    return con.execute(
        f"select count(*) > 0 from {TABLE} where alert_key = ? and channel = ? and outcome = ?",
        [key, channel, SENT],
    ).fetchone()[0]


def record(
    con: duckdb.DuckDBPyConnection,
    day: date,
    board: date,
    lead: str,
    metrics: list[str],
    kind: str,
    channel: str,
    outcome: str,
    detail: str,
    key: str | None = None,
) -> None:
    """One row per metric; DuckDB commits each statement, so a ``sending`` row is on disk
    before the channel is called."""
    con.executemany(
        f"insert into {TABLE} (alert_date, board_date, lead_key, metric_id, kind, channel, "
        "outcome, detail, alert_key) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [[day, board, lead, metric, kind, channel, outcome, detail, key] for metric in metrics],
    )


def failing_channels(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """Channels whose latest attempt failed: (channel, when, error), for `pcp status` and the UI."""
    if not con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'main' and table_name = ?",
        [TABLE],
    ).fetchone()[0]:
        return []
    return [
        (channel, f"{when:%Y-%m-%d %H:%M}", detail)
        for channel, when, detail in con.execute(
            f"""
            with attempts as (
                -- An attempt's answer sorts after its "sending" row even at the same instant.
                select *, epoch_us(attempted_at) * 2 + (outcome <> ?)::int as latest
                from {TABLE}
            )
            select channel, max(attempted_at), arg_max(detail, latest)
            from attempts group by channel
            having arg_max(outcome, latest) in (?, ?)
            order by channel
            """,
            [SENDING, FAILED, SENDING],  # sending, last: the sender stopped before it heard back
        ).fetchall()
    ]


def read_failing_channels(settings: Settings) -> list[tuple[str, str, str]] | None:
    """``failing_channels`` from alerts.duckdb; [] when no alert was ever sent, None when a
    dispatch holds the log longer than a short wait (the caller says it could not tell)."""
    if not settings.alerts_path.exists():
        return []
    try:
        with connect(settings.alerts_path, read_only=True) as con:
            return failing_channels(con)
    except DatabaseBusy:
        return None
