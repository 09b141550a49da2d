"""Every setting the warehouse reads, in one place.

All state the system writes lives under ``PCP_DATA_DIR`` (default ``./data`` beside the project):
landing, archive, quarantine, the DuckDB warehouse and the Dagster instance. Nothing else in the
code reads environment variables for paths; it asks for a ``Settings``.
"""

from __future__ import annotations

import grp
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from orchestration.file_modes import WAREHOUSE_FILE

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
SEEDS_DIR = PROJECT_ROOT / "seeds"

# police.uk force slugs (the part of the file name after the month) this warehouse accepts.
# Peer forces can be added with PCP_FORCES=leicestershire,nottinghamshire,...
DEFAULT_FORCES = ("leicestershire",)
# The first month the warehouse keeps (PCP_HISTORY_START): partitions start here, and data
# before it is not taken in. January, so a STATS19 calendar year fits whole.
DEFAULT_HISTORY_START = "2019-01"


class SettingsError(ValueError):
    """A setting in the environment has a value the warehouse cannot use."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    forces: tuple[str, ...] = DEFAULT_FORCES
    # The force whose plan the marts report on; its rows must be among ``forces``.
    home_force: str = DEFAULT_FORCES[0]
    history_start: str = DEFAULT_HISTORY_START  # "YYYY-MM"
    # A sensor builds once landing has been quiet this long (a day of drops, one build), and
    # tries a failed build again after this long (a build that failed will fail again until
    # something changes; `pcp refresh` always tries at once).
    build_quiet_minutes: float = 10.0
    build_retry_minutes: float = 60.0
    # The group that may read the published copy and the alerts, never the warehouse itself
    # (PCP_FILE_GROUP; None: the group files get from the process). See file_modes.py.
    file_group: str | None = None

    @property
    def landing_dir(self) -> Path:
        return self.data_dir / "landing"

    @property
    def archive_dir(self) -> Path:
        return self.data_dir / "archive"

    @property
    def quarantine_dir(self) -> Path:
        return self.data_dir / "quarantine"

    @property
    def warehouse_path(self) -> Path:
        return self.data_dir / WAREHOUSE_FILE

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def published_dir(self) -> Path:
        """What analysts open: a copy of the marts, swapped in whole after each build."""
        return self.data_dir / "published"

    @property
    def alerts_path(self) -> Path:
        """The readiness alert log: its own DuckDB file, so sending alerts never needs the
        warehouse (nor waits for a refresh holding it)."""
        return self.data_dir / "alerts.duckdb"

    @property
    def outbox_dir(self) -> Path:
        """Alert messages as .eml files when no alert channel is configured."""
        return self.data_dir / "outbox"

    @property
    def dagster_home(self) -> Path:
        return self.data_dir / "dagster"

    def landing_for(self, source: str) -> Path:
        return self.landing_dir / source

    def ensure_dirs(self) -> None:
        for path in (self.landing_dir, self.archive_dir, self.quarantine_dir, self.dagster_home):
            path.mkdir(parents=True, exist_ok=True)


def _month(name: str, default: str) -> str:
    value = os.environ.get(name, default).strip()
    if not re.fullmatch(r"(19|20)\d\d-(0[1-9]|1[0-2])", value):
        raise SettingsError(f"{name}={value!r}: expected a month as YYYY-MM (e.g. {default})")
    return value


def _minutes(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        minutes = float(value)
    except ValueError:
        minutes = -1.0
    if minutes < 0:
        raise SettingsError(f"{name}={value!r}: expected a number of minutes (e.g. {default:g})")
    return minutes


def _group(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    try:
        grp.getgrnam(value)
    except KeyError:
        raise SettingsError(
            f"{name}={value!r}: no such group on this machine (`getent group {value}` finds "
            "none); expected the name of the group that may read the published marts, e.g. analysts"
        ) from None
    return value


# How alert email reaches the mail server (PCP_SMTP_TLS).
SMTP_TLS_STARTTLS, SMTP_TLS_IMPLICIT, SMTP_TLS_NONE = "starttls", "implicit", "none"
SMTP_TLS_MODES = (SMTP_TLS_STARTTLS, SMTP_TLS_IMPLICIT, SMTP_TLS_NONE)
IMPLICIT_TLS_PORT = 465


def smtp_tls_mode(env: Mapping[str, str]) -> tuple[str, int, list[str]]:
    """(mode, port, warnings) for alert email. STARTTLS unless told otherwise; implicit TLS on
    port 465 or with PCP_SMTP_TLS=implicit; plain only with PCP_SMTP_TLS=none (warned). The
    older PCP_SMTP_STARTTLS=true/false still works, with a warning that it is deprecated."""
    tls = (env.get("PCP_SMTP_TLS") or "").strip().lower()
    port_text = (env.get("PCP_SMTP_PORT") or "").strip()
    if tls and tls not in SMTP_TLS_MODES:
        raise SettingsError(f"PCP_SMTP_TLS={tls!r}: expected one of {', '.join(SMTP_TLS_MODES)}")
    if port_text and not port_text.isdigit():
        raise SettingsError(f"PCP_SMTP_PORT={port_text!r}: expected a port number, e.g. 587")
    port = int(port_text) if port_text else None
    warnings = []
    legacy = (env.get("PCP_SMTP_STARTTLS") or "").strip().lower()
    if legacy:
        warnings.append(
            "PCP_SMTP_STARTTLS is deprecated: use PCP_SMTP_TLS=starttls, implicit or none"
        )
    if not tls:
        if port == IMPLICIT_TLS_PORT:
            tls = SMTP_TLS_IMPLICIT
        elif legacy in {"0", "false", "no"}:
            tls = SMTP_TLS_NONE  # what the old setting meant: asked for explicitly
        else:
            tls = SMTP_TLS_STARTTLS
    if port is None:
        port = IMPLICIT_TLS_PORT if tls == SMTP_TLS_IMPLICIT else 25
    if tls == SMTP_TLS_NONE:
        warnings.append(
            f"alert email to port {port} is sent WITHOUT TLS (PCP_SMTP_TLS=none): "
            "messages and any SMTP password cross the network in clear"
        )
    return tls, port, warnings


def load_settings() -> Settings:
    """Read settings from the environment (the only place that does)."""
    data_dir = Path(os.environ.get("PCP_DATA_DIR", PROJECT_ROOT / "data")).resolve()
    forces_env = os.environ.get("PCP_FORCES", "")
    forces = tuple(f.strip().lower() for f in forces_env.split(",") if f.strip()) or DEFAULT_FORCES
    home_force = os.environ.get("PCP_HOME_FORCE", forces[0]).strip().lower()
    if home_force not in forces:
        forces = (home_force, *forces)
    return Settings(
        data_dir=data_dir,
        forces=forces,
        home_force=home_force,
        history_start=_month("PCP_HISTORY_START", DEFAULT_HISTORY_START),
        build_quiet_minutes=_minutes("PCP_BUILD_QUIET_MINUTES", 10.0),
        build_retry_minutes=_minutes("PCP_BUILD_RETRY_MINUTES", 60.0),
        file_group=_group("PCP_FILE_GROUP"),
    )


def dbt_environment(settings: Settings) -> dict[str, str]:
    """The environment variables the dbt project reads (profiles.yml, dbt_project.yml's vars),
    as every build sets them. `dbt parse` runs with the same (dbt_manifest.py): dbt's parse state
    records their values, and a build whose values differ parses those files again."""
    return {
        "PCP_WAREHOUSE_PATH": str(settings.warehouse_path),
        "PCP_HOME_FORCE": settings.home_force,
    }


def export_runtime_environment(settings: Settings) -> None:
    """Point Dagster, dbt and GX at this data dir, and keep them from phoning home.

    dbt reads the warehouse path from ``PCP_WAREHOUSE_PATH`` (profiles.yml); Dagster keeps its
    run history in ``DAGSTER_HOME`` so runs started from ``pcp`` show in the UI.
    """
    # First: whatever this process and its children (dbt, DuckDB's .wal and temp files) create
    # from now on is 0640 / 0750 (file_modes.py).
    from orchestration.file_modes import restrict_new_files

    restrict_new_files()
    settings.ensure_dirs()
    os.environ["PCP_DATA_DIR"] = str(settings.data_dir)
    os.environ.update(dbt_environment(settings))
    os.environ["DAGSTER_HOME"] = str(settings.dagster_home)
    os.environ["PCP_HISTORY_START"] = settings.history_start
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    # dbt's own log file (in the data dir's dbt/target, rotated by dbt at 10 MB x 5): each node's
    # start, end and errors, not every SQL statement (debug: 6 MB a build).
    os.environ.setdefault("DBT_LOG_LEVEL_FILE", "info")
