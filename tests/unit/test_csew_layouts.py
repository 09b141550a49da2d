"""CSEW estimates in both layouts: this warehouse's own ``csew-*`` template and ONS's long
format (Estimate, StandardError, UnweightedCount), built from ONS's documented columns (no real
ONS force-area file could be had: ../shared/data/real/FORMATS.md)."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from orchestration.defs.csew.format import CsewFormat
from orchestration.landing.files import LandedFile
from orchestration.landing.refusal import FileRefused

ONS_HEADER = ["Police Force Area", "Year ending", "Measure", "Estimate", "StandardError",
              "UnweightedCount"]  # fmt: skip


def write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_ons_long_format_takes_our_forces_and_measures_with_a_95_interval(settings, tmp_path):
    path = write(
        tmp_path / "csew-ons-pfa-ye-mar25.csv",
        ONS_HEADER,
        [
            [
                "England and Wales",
                "Year ending March 2025",
                "Confidence in the local police",
                "67.1",
                "0.4",
                34000,
            ],
            [
                "Leicestershire",
                "Year ending March 2025",
                "Confidence in the local police",
                "65.9",
                "2.0",
                600,
            ],
            [
                "Merseyside",
                "Year ending March 2025",
                "Confidence in the local police",
                "60.0",
                "2.1",
                580,
            ],
            [
                "Nottinghamshire",
                "Year ending March 2025",
                "Police do a good or excellent job",
                "47",
                "1.5",
                590,
            ],
            ["Leicestershire", "Year ending March 2025", "Worry about crime", "12.0", "1.0", 600],
            [
                "East Midlands",
                "Year ending March 2025",
                "Confidence in the local police",
                "66",
                "1",
                3000,
            ],
        ],
    )
    fmt = CsewFormat(settings)

    with duckdb.connect() as con:
        fmt.ensure_tables(con)
        assert fmt.partitions_of(LandedFile("csew", path, "0" * 64)) == ("2025-03",)
        assert fmt.stage(con, path, path.name) == 2
        fmt.replace(con, path.name, "a" * 64)
        rows = con.execute(
            "select force_slug, measure, estimate, round(ci_lower, 2), round(ci_upper, 2), "
            "unweighted_n, source_line from raw.csew_force_estimates order by 1"
        ).fetchall()

    assert rows == [
        ("leicestershire", "confidence", 65.9, 61.98, 69.82, 600, 3),
        ("nottinghamshire", "good_job", 47.0, 44.06, 49.94, 590, 5),
    ]


def test_ons_long_format_with_a_bad_standard_error_is_refused_at_its_line(settings, tmp_path):
    path = write(
        tmp_path / "csew-ons.csv",
        ONS_HEADER,
        [
            [
                "Leicestershire",
                "Year ending March 2025",
                "Confidence in the local police",
                "65.9",
                "2.0",
                600,
            ],
            [
                "Leicestershire",
                "Year ending March 2025",
                "Police do a good or excellent job",
                "50",
                "-1",
                600,
            ],
        ],
    )
    with duckdb.connect() as con, pytest.raises(FileRefused) as refused:
        CsewFormat(settings).stage(con, path, path.name)
    assert (refused.value.row, refused.value.column) == (3, "standard_error")


def test_ons_long_format_with_none_of_our_forces_is_refused(settings, tmp_path):
    path = write(
        tmp_path / "csew-ons.csv",
        ONS_HEADER,
        [
            [
                "Merseyside",
                "Year ending March 2025",
                "Confidence in the local police",
                "60",
                "2",
                580,
            ],
        ],
    )
    with duckdb.connect() as con, pytest.raises(FileRefused) as refused:
        CsewFormat(settings).stage(con, path, path.name)
    assert "no row is for a configured force" in refused.value.problem


def test_the_template_without_an_interval_or_standard_error_is_refused(settings, tmp_path):
    path = write(
        tmp_path / "csew-2025.csv",
        ["force", "period", "measure", "estimate", "unweighted_n"],
        [
            ["Leicestershire Police", "2025-03", "confidence", "65.9", 600],
        ],
    )
    with duckdb.connect() as con, pytest.raises(FileRefused) as refused:
        CsewFormat(settings).stage(con, path, path.name)
    assert (refused.value.row, refused.value.column) == (2, "ci_lower")
    assert "StandardError" in refused.value.expected
