"""`make bench`: performance figures, measured, not asserted (tests don't time things).

1. Ingest throughput at national volume: police.uk street files for all 43 forces x 12 months
   (the home force's demo rows re-labelled per force and scaled to each force's size, about
   half a million rows a month), taken in by the warehouse's intake, against DuckDB's own
   read_csv of the same files. Target: intake at least 0.5x DuckDB's raw scan.
2. Full backfill: ten years of the home force, every source, one `pcp refresh`.
3. One new month on top of 1 year and of 10 years of history: `pcp refresh` wall time each.
   Target: at most 1.3x between them.
4. Peak RSS of the intake at national volume. Target: under 2 GB.
5. The Great Expectations validation of the same national rows, month by month, as the intake
   asset runs it before loading (``take_in(..., audit=...)``). Measured apart, in its own
   process after the intake, so the intake figure in 1 stays the structural intake alone.

Data sets are generated once under $PCP_DATA_DIR/bench/ and reused; results are printed as a
table and written to $PCP_DATA_DIR/bench/results.json (and a timestamped copy).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from orchestration.settings import PROJECT_ROOT, Settings, load_settings

NATIONAL_MONTHS = ("2024-04", "2025-03")
HISTORY_10 = ("2015-04", "2025-03")
HISTORY_1 = ("2024-04", "2025-03")
NEW_MONTH = "2025-04"
# Relative size of each force's police.uk volume (home force = 1), roughly by recorded crime;
# scaled so all 43 forces come to about 60x Leicestershire, the national monthly total.
FORCE_SIZE = {
    "metropolitan": 9.0, "greater-manchester": 3.8, "west-midlands": 3.5, "west-yorkshire": 3.2,
    "thames-valley": 2.0, "hampshire": 1.9, "kent": 1.9, "essex": 1.8, "lancashire": 1.7,
    "merseyside": 1.6, "avon-and-somerset": 1.6, "south-yorkshire": 1.6, "sussex": 1.5,
    "northumbria": 1.5, "devon-and-cornwall": 1.3, "south-wales": 1.3, "west-mercia": 1.2,
}  # fmt: skip
TARGET_NATIONAL_MULTIPLE = 60.0


def _pcp() -> str:
    return str(PROJECT_ROOT / ".venv" / "bin" / "pcp")


def _run(args: list[str], env: dict[str, str]) -> tuple[float, int, int]:
    """Run a command; (seconds, exit code, peak RSS in bytes of that process)."""
    started = time.monotonic()
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return time.monotonic() - started, process.returncode, usage.ru_maxrss * 1024


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "PCP_DATA_DIR": str(data_dir), **extra}
    env.pop("DAGSTER_HOME", None)
    env.pop("PCP_WAREHOUSE_PATH", None)
    return env


def write_national(landing: Path, seed: int = 11) -> int:
    """police.uk street files for every force for the national months; returns rows written."""
    from orchestration.demo import month_range
    from orchestration.demo.police_uk import street_rows, write_street_csv
    from orchestration.forces import all_forces

    forces = all_forces()
    sizes = {slug: FORCE_SIZE.get(slug, 0.9) for slug in forces}
    sizes["leicestershire"] = 1.0
    factor = TARGET_NATIONAL_MULTIPLE / sum(sizes.values())
    folder = landing / "police_uk"
    folder.mkdir(parents=True, exist_ok=True)
    months = month_range(*NATIONAL_MONTHS)
    total = 0
    for month in months:
        base = street_rows(month, months[-1], seed)
        for slug, force in forces.items():
            wanted = round(len(base) * sizes[slug] * factor)
            rows = []
            for i in range(wanted):
                row = list(base[i % len(base)])
                if row[0]:
                    row[0] = f"{i:08x}{row[0][8:]}"
                row[2] = row[3] = force.name
                rows.append(row)
            write_street_csv(folder / f"{month.label}-{slug}-street.csv", rows)
            total += wanted
    return total


def national_intake(data_dir: Path, output: Path) -> None:
    """Entry point of the measured subprocess: take in every national file, write timings.

    The structural intake alone: no ``audit``, so no Great Expectations validation (measured
    apart by ``national_validation``)."""
    from orchestration.defs.police_uk.format import StreetFormat
    from orchestration.forces import all_forces
    from orchestration.landing.files import list_landed
    from orchestration.landing.intake import take_in

    settings = Settings(data_dir=data_dir, forces=tuple(all_forces()))
    settings.ensure_dirs()
    started = time.monotonic()
    files = list_landed(settings.landing_dir, "police_uk")
    result = take_in(settings, StreetFormat(settings.forces), files, run_id="bench", audit=None)
    timing = {"seconds": time.monotonic() - started, "rows": result.rows_loaded,
              "files": len(result.loaded), "refused": len(result.refused)}  # fmt: skip
    output.write_text(json.dumps(timing), encoding="utf-8")


def national_validation(data_dir: Path, output: Path) -> None:
    """Entry point of the second measured subprocess: the police.uk street suite over the rows
    the national intake loaded, one month (all forces, ~120 MB of files) at a time, each row
    with its file and line as intake validates staged rows. GX is imported and warmed up on a
    small frame first, outside the timing."""
    from orchestration.database import connect
    from orchestration.defs.police_uk.checks import STREET_SUITE
    from orchestration.forces import all_forces
    from orchestration.landing.staged import StagedRows
    from orchestration.quality.expectation_suites import run_suite

    settings = Settings(data_dir=data_dir, forces=tuple(all_forces()))
    staged_like = StagedRows(
        """
        select * exclude (partition_month, force_slug, source_sha256, loaded_at),
               strftime(partition_month, '%Y-%m-') || force_slug || '-street.csv' as source_file
        from raw.police_uk_street where partition_month = ?::date
        """
    )
    timing = {"frame_s": 0.0, "validate_s": 0.0, "rows": 0, "months": 0, "errors": 0,
              "warnings": 0}  # fmt: skip
    with connect(settings.warehouse_path, read_only=True) as con:
        months = [
            row[0]
            for row in con.execute(
                "select distinct strftime(partition_month, '%Y-%m') from raw.police_uk_street "
                "order by 1"
            ).fetchall()
        ]
        first = StagedRows(staged_like.sql + " limit 100", [f"{months[0]}-01"])
        warm = STREET_SUITE.frame(con, first)
        run_suite(STREET_SUITE.suite, warm, STREET_SUITE.parameters(settings, months[:1]))
        for month in months:
            started = time.monotonic()
            frame = STREET_SUITE.frame(con, StagedRows(staged_like.sql, [f"{month}-01"]))
            read = time.monotonic()
            outcome = run_suite(
                STREET_SUITE.suite, frame, STREET_SUITE.parameters(settings, [month])
            )
            timing["frame_s"] += read - started
            timing["validate_s"] += time.monotonic() - read
            timing["rows"] += outcome.rows
            timing["months"] += 1
            timing["errors"] += len(outcome.errors)
            timing["warnings"] += len(outcome.warnings)
            del frame
    output.write_text(json.dumps(timing), encoding="utf-8")


def duckdb_scan_seconds(files: list[Path], scratch: Path) -> float:
    import duckdb

    from orchestration.defs.police_uk.format import HEADER

    columns = ", ".join(f"'{h}': 'VARCHAR'" for h in HEADER)
    scratch.unlink(missing_ok=True)
    with duckdb.connect(str(scratch), config={"memory_limit": "1GB"}) as con:
        started = time.monotonic()
        con.execute(
            f"create table scan as select * from read_csv(?, header = true, auto_detect = false, "
            f"columns = {{{columns}}})",
            [[str(f) for f in files]],
        )
        seconds = time.monotonic() - started
    scratch.unlink(missing_ok=True)
    return seconds


def bench_national(root: Path) -> dict[str, float]:
    source = root / "national-source"
    marker = source / ".complete"
    if not marker.exists():
        shutil.rmtree(source, ignore_errors=True)
        rows = write_national(source)
        marker.write_text(str(rows))
    files = sorted((source / "police_uk").glob("*.csv"))
    size = sum(f.stat().st_size for f in files)
    scan = duckdb_scan_seconds(files, root / "scan.duckdb")
    run_dir = root / "national-intake"
    shutil.rmtree(run_dir, ignore_errors=True)
    shutil.copytree(source, run_dir / "landing")
    output = root / "national-intake.json"
    wall, code, rss = _run(
        [sys.executable, "-m", "orchestration.bench", "intake", str(run_dir), str(output)],
        _env(run_dir),
    )
    if code != 0:
        raise SystemExit(f"national intake failed (exit {code})")
    timing = json.loads(output.read_text(encoding="utf-8"))
    validation_output = root / "national-validation.json"
    _, code, gx_rss = _run(
        [sys.executable, "-m", "orchestration.bench", "validate", str(run_dir),
         str(validation_output)],
        _env(run_dir),
    )  # fmt: skip
    if code != 0:
        raise SystemExit(f"national validation failed (exit {code})")
    gx = json.loads(validation_output.read_text(encoding="utf-8"))
    gx_seconds = gx["frame_s"] + gx["validate_s"]
    return {
        "national_files": len(files),
        "national_rows": timing["rows"],
        "national_gb": round(size / 1e9, 3),
        "duckdb_read_csv_s": round(scan, 2),
        "intake_s": round(timing["seconds"], 2),
        "intake_process_s": round(wall, 2),
        "intake_vs_read_csv": round(scan / timing["seconds"], 3),
        "intake_rows_per_s": round(timing["rows"] / timing["seconds"]),
        "intake_peak_rss_gb": round(rss / 1e9, 3),
        "intake_refused_files": timing["refused"],
        # Not part of intake_s / intake_vs_read_csv: the same rows through the GX suite.
        "gx_validation_s": round(gx_seconds, 2),
        "gx_validation_frame_read_s": round(gx["frame_s"], 2),
        "gx_validation_months": gx["months"],
        "gx_validation_rows": gx["rows"],
        "gx_validation_per_month_s": round(gx_seconds / max(gx["months"], 1), 2),
        "gx_validation_rows_per_s": round(gx["rows"] / gx_seconds) if gx_seconds else None,
        "gx_validation_peak_rss_gb": round(gx_rss / 1e9, 3),
        "gx_validation_failures": {"error": gx["errors"], "warn": gx["warnings"]},
    }


def _demo(data_dir: Path, start: str, end: str) -> None:
    subprocess.run(
        [_pcp(), "demo-data", "--out", str(data_dir / "landing"), "--start", start, "--end", end],
        check=True, stdout=subprocess.DEVNULL, env=_env(data_dir),
    )  # fmt: skip


def bench_history(root: Path) -> dict[str, float]:
    results: dict[str, float] = {}
    ten = root / "history-10y"
    one = root / "history-1y"
    for path in (ten, one):
        shutil.rmtree(path, ignore_errors=True)
    _demo(ten, *HISTORY_10)
    seconds, code, rss = _run([_pcp(), "refresh"], _env(ten))
    results["backfill_10y_s"] = round(seconds, 1)
    results["backfill_10y_ok"] = code == 0
    results["backfill_10y_peak_rss_gb"] = round(rss / 1e9, 3)
    _demo(one, *HISTORY_1)
    _, code_one, _ = _run([_pcp(), "refresh"], _env(one))
    results["history_1y_ok"] = code_one == 0
    for label, path in (("1y", one), ("10y", ten)):
        _demo(path, NEW_MONTH, NEW_MONTH)
        seconds, code, _ = _run([_pcp(), "refresh"], _env(path))
        results[f"new_month_on_{label}_s"] = round(seconds, 1)
        results[f"new_month_on_{label}_ok"] = code == 0
    results["new_month_10y_vs_1y"] = round(
        results["new_month_on_10y_s"] / results["new_month_on_1y_s"], 3
    )
    return results


def report(results: dict[str, object]) -> str:
    rows = [
        ("ingest vs DuckDB read_csv (national)", f"{results['intake_vs_read_csv']}x", ">= 0.5x"),
        ("  intake / read_csv seconds",
         f"{results['intake_s']} / {results['duckdb_read_csv_s']}", ""),
        ("  national files / rows / GB",
         f"{results['national_files']} / {results['national_rows']:,} / {results['national_gb']}",
         ""),
        ("peak RSS, intake at national volume", f"{results['intake_peak_rss_gb']} GB", "< 2 GB"),
        ("GX validation of the same rows (not in 0.5x)",
         f"{results['gx_validation_s']} s", ""),
        ("  per month (43 forces) / peak RSS",
         f"{results['gx_validation_per_month_s']} s / {results['gx_validation_peak_rss_gb']} GB",
         ""),
        ("full backfill, 10 years LLR, all sources", f"{results['backfill_10y_s']} s", ""),
        ("one new month on 1 year of history", f"{results['new_month_on_1y_s']} s", ""),
        ("one new month on 10 years of history", f"{results['new_month_on_10y_s']} s", ""),
        ("  10y / 1y", f"{results['new_month_10y_vs_1y']}x", "<= 1.3x"),
    ]  # fmt: skip
    width = max(len(r[0]) for r in rows)
    lines = [f"{'measure'.ljust(width)}  {'result':>28}  target", "-" * (width + 40)]
    lines += [f"{name.ljust(width)}  {value:>28}  {target}" for name, value, target in rows]
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 3 and sys.argv[1] == "intake":
        national_intake(Path(sys.argv[2]), Path(sys.argv[3]))
        return
    if len(sys.argv) > 3 and sys.argv[1] == "validate":
        national_validation(Path(sys.argv[2]), Path(sys.argv[3]))
        return
    settings = load_settings()
    root = settings.data_dir / "bench"
    root.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    results: dict[str, object] = {
        "measured_at": datetime.now(UTC).isoformat(),
        "cpus": os.cpu_count(),
    }
    results.update(bench_national(root))
    results.update(bench_history(root))
    results["bench_wall_s"] = round(time.monotonic() - started, 1)
    text = report(results)
    print(text)
    (root / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (root / f"results-{stamp}.json").write_text(
        json.dumps(results, indent=2) + "\n", encoding="utf-8"
    )
    print(f"\nResults: {root / 'results.json'}")


if __name__ == "__main__":
    main()
