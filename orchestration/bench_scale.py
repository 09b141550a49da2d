"""`make bench --only national-scale`: national police.uk volume through the whole refresh.

Every force's street files for three years (43 forces x 36 months, about 18 M rows, 4-5 GB of
CSV; generated once under the bench's data dir and reused), with every force configured
(PCP_FORCES), taken in and built by one `pcp refresh` as a user runs it: the landing survey,
the intake runs (with their Great Expectations validation), the full `dbt build` of a warehouse
never built, the publication. For each phase: its seconds, rows per second, and the peak
memory of the whole process tree (`bench_memory`: the refresh, its Dagster steps, dbt and DuckDB
in them, any worker they start) and of DuckDB's spill to disk. Goal: the tree's peak RSS
< 2 GB in every phase.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

from orchestration.bench import _PHASE, _env, _link_tree, _pcp, _progress, write_national
from orchestration.bench_memory import Sample, TreeSampler, peaks

SCALE_MONTHS = ("2022-04", "2025-03")
HOME_FORCE = "leicestershire"
# How often the bench says where a long refresh has got to.
PROGRESS_EVERY_S = 30.0
# The slowest dbt nodes kept in the results (from dbt's run_results.json).
SLOWEST_NODES = 8


def scale_forces(forces: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """``forces`` (default: every force in seeds/forces.csv), the home force first."""
    from orchestration.forces import all_forces

    chosen = forces or tuple(all_forces())
    return (HOME_FORCE, *(slug for slug in chosen if slug != HOME_FORCE))


def bench_national_scale(
    root: Path,
    months: tuple[str, str] = SCALE_MONTHS,
    forces: tuple[str, ...] | None = None,
    run_name: str = "national-scale",
) -> dict[str, object]:
    root, forces = root.resolve(), scale_forces(forces)  # the refresh runs in its own folder
    size = f"{len(forces)}-forces-{months[0]}-{months[1]}"
    source = root / f"police-uk-{size}"
    started = time.monotonic()
    _progress(f"police.uk street files, {len(forces)} forces x {months[0]}..{months[1]}")
    rows = write_national(source, months=months, forces=forces)
    generate_s = time.monotonic() - started
    files = sorted((source / "police_uk").glob("*-street.csv"))
    size_bytes = sum(f.stat().st_size for f in files)
    _progress(f"{len(files)} files, {rows:,} rows, {size_bytes / 1e9:.2f} GB; refreshing")

    run_dir = root / run_name
    shutil.rmtree(run_dir, ignore_errors=True)
    _link_tree(source / "police_uk", run_dir / "landing" / "police_uk")
    env = _env(
        run_dir,
        PCP_FORCES=",".join(forces),
        PCP_HOME_FORCE=HOME_FORCE,
        PYTHONUNBUFFERED="1",  # the phase lines as they happen, to time each phase's memory
    )
    refresh = measured_refresh(run_dir, env)
    if refresh["exit_code"] != 0:
        raise SystemExit(
            f"national-scale refresh failed (exit {refresh['exit_code']}): see "
            f"{run_dir / 'bench-refresh.log'} and {run_dir / 'bench-refresh.err'}"
        )
    phases = refresh["phases"]
    intake_s = sum(p["seconds"] for name, p in phases.items() if name.startswith("intake"))
    build_s = phases.get("build", {}).get("seconds", 0.0)
    for name, phase in phases.items():
        if name.startswith("intake") or name == "build":
            phase["rows_per_s"] = round(rows / phase["seconds"]) if phase["seconds"] else None
    warehouse = warehouse_counts(run_dir / "warehouse.duckdb")
    return {
        "scale_forces": len(forces),
        "scale_months": f"{months[0]}..{months[1]}",
        "scale_files": len(files),
        "scale_rows_written": rows,
        "scale_gb": round(size_bytes / 1e9, 3),
        "scale_generate_s": round(generate_s, 1),
        "scale_refresh_s": round(refresh["seconds"], 1),
        "scale_intake_s": round(intake_s, 1),
        "scale_intake_rows_per_s": round(rows / intake_s) if intake_s else None,
        "scale_build_s": round(build_s, 1),
        "scale_build_rows_per_s": round(rows / build_s) if build_s else None,
        "scale_peak_rss_tree_gb": refresh["peak_rss_tree_gb"],
        "scale_peak_rss_largest_process_gb": refresh["peak_rss_largest_process_gb"],
        "scale_ru_maxrss_gb": round(refresh["ru_maxrss"] / 1e9, 3),
        "scale_peak_spill_gb": refresh["peak_spill_gb"],
        "scale_phases": phases,
        "scale_warehouse": warehouse,
        "scale_slowest_dbt_nodes": slowest_dbt_nodes(run_dir / "dbt" / "target"),
        "scale_duckdb_settings": duckdb_settings(env),
        "scale_load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }


def measured_refresh(run_dir: Path, env: dict[str, str]) -> dict:
    """`pcp refresh` in ``run_dir`` with its process tree and DuckDB's spill sampled; each phase
    it prints ("HH:MM:SS label: done in 12.3s") gets the peaks of the samples taken in it."""
    log_path, err_path = run_dir / "bench-refresh.log", run_dir / "bench-refresh.err"
    started = time.monotonic()
    with err_path.open("w", encoding="utf-8") as err, log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [_pcp(), "refresh"],
            env=env,
            # DuckDB spills an in-memory database to ".tmp" in the working directory: here, not
            # in the checkout, and watched like the warehouse's own.
            cwd=run_dir,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
        sampler = TreeSampler(
            process.pid, spill_dirs=(run_dir / "warehouse.duckdb.tmp", run_dir / ".tmp")
        ).start()
        done = threading.Event()
        reporter = threading.Thread(
            target=_report_progress, args=(sampler, started, done), daemon=True
        )
        reporter.start()
        spans: list[tuple[str, float, float]] = []  # label, start, end
        assert process.stdout is not None
        for line in process.stdout:
            log.write(line)
            text = line.rstrip()
            if not text:
                continue
            print(f"    refresh | {text}", flush=True)
            if found := _PHASE.match(text.strip()):
                end = time.monotonic()
                spans.append((found["label"], end - float(found["seconds"]), end))
        _, status, usage = os.wait4(process.pid, 0)
        done.set()
        sampler.stop()
    seconds = time.monotonic() - started
    phases: dict[str, dict] = {}
    inside: set[int] = set()
    for label, start, end in spans:
        name = label.split(":")[0].strip()
        # A phase shorter than the sampling interval still gets the samples either side.
        taken = sampler.within(start - sampler.interval, end + sampler.interval)
        inside |= {id(s) for s in taken}
        phase = phases.setdefault(name, {"seconds": 0.0, "samples": []})
        phase["seconds"] = round(phase["seconds"] + end - start, 2)
        phase["samples"].extend(taken)
    rest = [s for s in sampler.samples if id(s) not in inside]
    phases["start-up and the rest"] = {
        "seconds": round(seconds - sum(end - start for _, start, end in spans), 2),
        "samples": rest,
    }
    for phase in phases.values():
        phase.update(peaks(phase.pop("samples")))
    overall = peaks(sampler.samples)
    return {
        "seconds": seconds,
        "exit_code": os.waitstatus_to_exitcode(status),
        "ru_maxrss": usage.ru_maxrss * 1024,
        "phases": phases,
        **overall,
    }


def _report_progress(sampler: TreeSampler, started: float, done: threading.Event) -> None:
    highest: Sample | None = None
    while not done.wait(PROGRESS_EVERY_S):
        latest = sampler.latest
        if latest is None:
            continue
        if highest is None or latest.tree_rss > highest.tree_rss:
            highest = latest
        top = max(s.tree_rss for s in sampler.samples)
        _progress(
            f"  refresh running {time.monotonic() - started:.0f}s: {latest.processes} "
            f"process(es), {latest.tree_rss / 1e9:.2f} GB RSS now (the largest "
            f"{latest.largest_rss / 1e9:.2f} GB; the tree's peak so far "
            f"{top / 1e9:.2f} GB), DuckDB spill {latest.spill / 1e9:.2f} GB"
        )


def warehouse_counts(path: Path) -> dict[str, int]:
    """Rows of the police.uk street path as built: the raw table, staging and every
    intermediate or mart relation built from the street rows (whatever models exist), and the
    forces the raw table holds."""
    from orchestration.database import connect

    with connect(path, read_only=True) as con:
        relations = con.execute(
            """
            select table_schema, table_name from information_schema.tables
            where table_name like '%street%' order by table_schema, table_name
            """
        ).fetchall()
        counts = {
            f"{schema}.{name}": con.execute(f'select count(*) from "{schema}"."{name}"').fetchall()[
                0
            ][0]
            for schema, name in relations
        }
        counts["raw.police_uk_street forces"] = con.execute(
            "select count(distinct force_slug) from raw.police_uk_street"
        ).fetchall()[0][0]
    return counts


def slowest_dbt_nodes(target: Path) -> dict[str, object]:
    path = target / "run_results.json"
    if not path.exists():
        return {}
    results = json.loads(path.read_text(encoding="utf-8"))["results"]
    ranked = sorted(results, key=lambda r: r.get("execution_time") or 0, reverse=True)
    return {
        "nodes": len(results),
        "seconds": round(sum(r.get("execution_time") or 0 for r in results), 1),
        "slowest": {
            r["unique_id"]: round(r.get("execution_time") or 0, 2) for r in ranked[:SLOWEST_NODES]
        },
    }


def duckdb_settings(env: dict[str, str]) -> dict[str, str]:
    """The DuckDB settings the refresh ran with, as its processes read them."""
    from orchestration.database import duckdb_config
    from orchestration.landing.intake import INTAKE_CHECKPOINT_THRESHOLD, INTAKE_MEMORY_LIMIT

    return {
        **{key: str(value) for key, value in duckdb_config(env).items()},
        "intake_memory_limit": INTAKE_MEMORY_LIMIT,
        "intake_checkpoint_threshold": INTAKE_CHECKPOINT_THRESHOLD,
    }
