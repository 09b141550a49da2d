"""`dbt build` run inside the Dagster step (dbt's programmatic runner), its results streamed as
the same Dagster events dagster-dbt makes from a dbt subprocess.

Why not dagster-dbt's `DbtCliResource.cli`: it starts dbt as a second Python process, which
imports dbt and its adapter again and reads the project's parse state again, about 4 s of a
one-month refresh that builds in 15. The Dagster process has already imported dbt (dagster-dbt
does), so here dbt runs in a worker thread of this process and each node's result event is
turned into Dagster events by dagster-dbt's own translation (`DbtCoreCliEventMessage`), exactly
as the subprocess's JSON log lines are. What dagster-dbt did around the subprocess is done here
too: the run's asset selection becomes dbt's selection (dagster-dbt's
`get_updated_cli_invocation_params_for_context`), dbt's info lines go to stdout (the refresh
log), its debug log to the target folder, and a failed build raises with dbt's own error lines.

dbt's threads stay at 1 (profiles.yml): dbt-duckdb writing one file from several threads meets
DuckDB write-write conflicts.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtProject
from dagster_dbt.asset_utils import (
    extract_runtime_selection_from_args,
    get_updated_cli_invocation_params_for_context,
)
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage

# dbt's events that carry a node's result: the only ones Dagster events are made from.
RESULT_EVENTS = frozenset({"LogSeedResult", "LogModelResult", "LogSnapshotResult", "LogTestResult"})
# dbt's console levels a person reads in the refresh log (the debug ones go to dbt.log).
PRINTED_LEVELS = frozenset({"info", "warn", "error"})


class DbtBuildFailed(Exception):
    """dbt ran and its build failed (a model's SQL, a test, a constraint): dbt's error lines."""


def dbt_arguments(
    args: Sequence[str],
    *,
    context: dg.AssetExecutionContext,
    manifest: Mapping[str, Any],
    translator: DagsterDbtTranslator,
    project: DbtProject,
    target_path: Path,
) -> list[str]:
    """The whole dbt command line for ``args`` in this run, every path explicit (no
    environment). A whole-warehouse run builds what ``args`` select; a run of some assets
    builds those, selected as dagster-dbt selects them for a subprocess."""
    project_dir, selection = Path(project.project_dir), list(args)
    if context.is_subset:
        # Some models picked in the UI: dagster-dbt's translation of the picked assets into
        # dbt's selection (which may write a selector file into a copy of the project).
        cleaned, selects, excludes = extract_runtime_selection_from_args(selection)
        params = get_updated_cli_invocation_params_for_context(
            context=context,
            manifest=manifest,
            dagster_dbt_translator=translator,
            runtime_selects=selects,
            runtime_excludes=excludes,
        )
        if params.dbt_project:
            project_dir = Path(params.dbt_project.project_dir)
        indirect = params.indirect_selection
        selection = [
            *cleaned,
            *params.selection_args,
            *(["--indirect-selection", indirect] if indirect else []),
        ]
    return [
        *selection,
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project.profiles_dir or project.project_dir),
        "--target-path",
        str(target_path),
        "--log-path",
        str(target_path),
        "--log-level",
        "none",  # the console lines are printed below, from the events
        "--log-level-file",
        "debug",
        "--no-send-anonymous-usage-stats",
        "--no-use-colors",
        # dbt would write manifest.json (2.6 MB) twice and graph.gpickle once per build, about
        # 0.5 s of a one-month refresh (dbt.log: 0.43 s at the end alone), for nobody: Dagster
        # reads the checkout's manifest. The one artefact kept, run_results.json, is written by
        # `stream_dbt` (`_write_run_results`).
        "--no-write-json",
    ]


def stream_dbt(
    command: Sequence[str],
    *,
    context: dg.AssetExecutionContext,
    manifest: Mapping[str, Any],
    translator: DagsterDbtTranslator,
    project: DbtProject,
    target_path: Path,
) -> Iterator[dg.Output | dg.AssetMaterialization | dg.AssetObservation | dg.AssetCheckResult]:
    """Run dbt with ``command`` (from `dbt_arguments`) and yield each node's Dagster events as
    dbt finishes it. Raises `DbtBuildFailed` when dbt reports failure, after every event."""
    from dbt.cli.main import dbtRunner  # here: importing it costs ~0.8 s no other path needs
    from dbt_common.events.functions import msg_to_dict

    events: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()

    def on_event(message: Any) -> None:
        info = message.info
        if info.name in RESULT_EVENTS:
            events.put(("result", msg_to_dict(message)))
        elif info.level in PRINTED_LEVELS and info.msg:
            events.put(("line", (info.level, info.msg)))

    def run() -> None:
        try:
            result = dbtRunner(callbacks=[on_event]).invoke(list(command))
            _write_run_results(result, target_path)
            outcome: tuple[str, Any] = ("done", result)
        except BaseException as error:  # reported in the step, not lost in this thread
            outcome = ("crashed", error)
        # Whatever dbt did, before the step goes on to open the file itself (to record the build).
        try:
            _let_go_of_the_warehouse()
        except BaseException as error:
            outcome = ("crashed", error)
        events.put(outcome)

    # A daemon thread: if the step's process is killed or interrupted, dbt goes with it, as
    # a subprocess of a killed run does (the build ledger then says the build did not finish).
    worker = threading.Thread(target=run, name="dbt build", daemon=True)
    worker.start()
    errors: list[str] = []
    while True:
        kind, payload = events.get()
        if kind == "result":
            event = DbtCoreCliEventMessage(raw_event=payload, event_history_metadata={})
            yield from event.to_default_asset_events(
                manifest=manifest,
                dagster_dbt_translator=translator,
                context=context,
                target_path=target_path,
                project=project,
            )
        elif kind == "line":
            level, text = payload
            print(text, flush=True)
            if level == "error":
                errors.append(text.strip())
        elif kind == "crashed":
            worker.join()
            raise DbtBuildFailed(f"dbt stopped with an error of its own: {payload}") from payload
        else:
            worker.join()
            if not payload.success:
                raise DbtBuildFailed(_failure(payload, errors))
            return


def _write_run_results(result: Any, target_path: Path) -> None:
    """dbt's run_results.json for this build (each node's status, timing and rows), as dbt
    writes it when it writes its JSON artefacts: engineers and the bench read it. A build that
    stopped before any node ran has none, and the previous build's file is removed rather than
    left to describe this one."""
    path = target_path / "run_results.json"
    execution = getattr(result, "result", None)
    if hasattr(execution, "write"):
        execution.write(str(path))
    else:
        path.unlink(missing_ok=True)


def _let_go_of_the_warehouse() -> None:
    """Close dbt-duckdb's connection to the warehouse. It keeps one open in the process for
    the next dbt invocation (its `keep_open`, on by default; off, it reopens the file for every
    node, five times slower); held, it would keep the step itself (recording the build) and
    every other process (`pcp status`, an analyst) from opening the file."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        environment = DuckDBConnectionManager._ENV
        if environment is not None:
            environment.close()
    DuckDBConnectionManager.close_all_connections()


def _failure(result: Any, errors: list[str]) -> str:
    """What failed, in dbt's words: its error lines (a failing test, a model's database error),
    or the exception that stopped it before any node ran (a bad project, a locked file)."""
    lines = [line for line in errors if line and not line.startswith("Completed with")]
    if lines:
        return "dbt build failed: " + _one_line("; ".join(lines[:5]))
    if result.exception is not None:
        return "dbt build failed: " + _one_line(str(result.exception))
    return "dbt build failed (see dbt.log in the data dir's dbt/target)"


def _one_line(text: str) -> str:
    # The ledger and `pcp status` keep one line: dbt's messages span several.
    return " ".join(part.strip() for part in text.splitlines() if part.strip())
