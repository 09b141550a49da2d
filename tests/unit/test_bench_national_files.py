"""The bench's national police.uk files (`write_national`): every chosen force and month, each
force's size against the national total, written once and reused (they are gigabytes)."""

from __future__ import annotations

import json

import pytest

from orchestration.bench import write_national

FORCES = ("leicestershire", "metropolitan")


def _lines(path):
    return path.read_bytes().count(b"\n") - 1  # less the header


def test_files_are_written_once_counted_and_reused(tmp_path):
    rows = write_national(tmp_path, months=("2025-03", "2025-03"), forces=FORCES)
    folder = tmp_path / "police_uk"
    home, met = (
        folder / "2025-03-leicestershire-street.csv",
        folder / "2025-03-metropolitan-street.csv",
    )
    assert sorted(p.name for p in folder.iterdir()) == [home.name, met.name]
    assert rows == _lines(home) + _lines(met)
    # The Met at 9x the home force, as the national mix has it.
    assert _lines(met) / _lines(home) == pytest.approx(9.0, rel=0.01)
    assert json.loads((tmp_path / "rows.json").read_text()) == {
        home.name: _lines(home),
        met.name: _lines(met),
    }
    written = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}

    # Again, one month more: the first month's files are kept as they are, the new one added.
    more = write_national(tmp_path, months=("2025-02", "2025-03"), forces=FORCES)
    assert {p.name: p.stat().st_mtime_ns for p in folder.glob("2025-03-*")} == written
    assert len(list(folder.glob("2025-02-*"))) == 2
    assert more == sum(_lines(p) for p in folder.iterdir())

    # A file gone since (deleted to save disk) is written again, not counted from the facts.
    met.unlink()
    assert write_national(tmp_path, months=("2025-02", "2025-03"), forces=FORCES) == more
    assert met.exists()
