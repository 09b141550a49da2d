"""The alert log: what was sent to whom, on which channel, when - and what failed.

One row per metric per message per channel attempt. "Sent today" makes an alert go out at most
once a day per metric, board and channel; a failed attempt is not "sent", so the next
evaluation retries it on that channel only.
"""

from __future__ import annotations

from datetime import date

import duckdb

TABLE = "alerts.alert_log"


def ensure_alert_log(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists alerts")
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


def sent_on(
    con: duckdb.DuckDBPyConnection, board: date, lead: str, metric: str, kind: str,
    channel: str, day: date | None = None,
) -> bool:  # fmt: skip
    """Whether this alert went out on this channel (on ``day``, or ever when None)."""
    return con.execute(
        f"""
        select count(*) > 0 from {TABLE}
        where board_date = ? and lead_key = ? and metric_id = ? and kind = ? and channel = ?
            and outcome = 'sent' and (? is null or alert_date = ?)
        """,
        [board, lead, metric, kind, channel, day, day],
    ).fetchone()[0]


def record(
    con: duckdb.DuckDBPyConnection, day: date, board: date, lead: str, metrics: list[str],
    kind: str, channel: str, outcome: str, detail: str,
) -> None:  # fmt: skip
    con.executemany(
        f"insert into {TABLE} (alert_date, board_date, lead_key, metric_id, kind, channel, "
        "outcome, detail) values (?, ?, ?, ?, ?, ?, ?, ?)",
        [[day, board, lead, metric, kind, channel, outcome, detail] for metric in metrics],
    )


def failing_channels(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """Channels whose latest attempt failed: (channel, when, error), for `pcp status` and the UI."""
    if not con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'alerts' "
        "and table_name = 'alert_log'"
    ).fetchone()[0]:
        return []
    return [
        (channel, f"{when:%Y-%m-%d %H:%M}", detail)
        for channel, when, detail in con.execute(
            f"""
            select channel, max(attempted_at), arg_max(detail, attempted_at)
            from {TABLE} group by channel
            having arg_max(outcome, attempted_at) = 'failed'
            order by channel
            """
        ).fetchall()
    ]
