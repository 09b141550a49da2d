"""Real published files in every encoding they reach us in: as published (UTF-8, police.uk
without a BOM, DfT with one), re-saved by Excel as "CSV UTF-8" (BOM, CRLF) and as plain "CSV"
(Windows-1252, CRLF). Read in place from ../shared; the re-saved copies are written to the
test's temporary folder. Each must stage the same rows as the original."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from orchestration.defs.police_uk.format import parse_file_name, stage_police_uk_file
from orchestration.defs.stats19.format import Stats19Format
from orchestration.settings import load_settings
from tests.conftest import REAL_DATA_DIR, require_shared

pytestmark = pytest.mark.real_data

STREET = (
    REAL_DATA_DIR / "police_uk_street_leicestershire_2024" / "2024-01-leicestershire-street.csv"
)
COLLISIONS = (
    REAL_DATA_DIR
    / "stats19_samples"
    / "midterm_2022_collision_head"
    / "dft-road-casualty-statistics-collision-2022.csv"
)


def resaved(source: Path, folder: Path, encoding: str, bom: bool, edit=lambda t: t) -> Path:
    """The file as Excel saves it: CRLF line ends, in ``encoding``."""
    text = edit(source.read_text(encoding="utf-8-sig")).replace("\r\n", "\n").replace("\n", "\r\n")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    target.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))
    return target


def street_rows(path: Path) -> list[tuple]:
    with duckdb.connect() as con:
        stage_police_uk_file(con, path, parse_file_name(path.name), path.name)
        return con.execute("select * from _incoming_street order by rowid").fetchall()


def test_police_uk_street_file_in_every_encoding_stages_the_same_rows(tmp_path):
    source = require_shared(STREET, "A real police.uk street file")
    published = street_rows(source)
    # Excel's plain CSV is Windows-1252: give one location a character that differs from UTF-8.
    first_location = published[0][6]

    def cafe(text: str) -> str:
        return text.replace(first_location, first_location + " Café", 1)

    utf8_bom = street_rows(resaved(source, tmp_path / "bom", "utf-8", bom=True))
    windows = street_rows(resaved(source, tmp_path / "cp1252", "cp1252", bom=False, edit=cafe))

    assert len(published) == 8324 and utf8_bom == published
    assert windows[0][6] == first_location + " Café"
    assert windows[1:] == published[1:]


def test_dft_collision_file_with_and_without_its_bom_and_in_windows_1252(
    settings, monkeypatch, tmp_path
):
    source = require_shared(COLLISIONS, "A real DfT 2022 collision file (old columns)")
    assert source.read_bytes().startswith(b"\xef\xbb\xbf")
    monkeypatch.setenv("PCP_FORCES", "leicestershire,metropolitan")
    forces = load_settings()

    def staged(path: Path) -> list[tuple]:
        with duckdb.connect() as con:
            fmt = Stats19Format("collision", forces)
            fmt.ensure_tables(con)
            fmt.stage(con, path, path.name)
            return con.execute(
                "select * exclude (source_line) from _stats19_placed order by source_line"
            ).fetchall()

    published = staged(source)
    no_bom = staged(resaved(source, tmp_path / "no-bom", "utf-8", bom=False))
    windows = staged(resaved(source, tmp_path / "cp1252", "cp1252", bom=False))

    with source.open(encoding="utf-8-sig", newline="") as handle:
        assert len(published) == sum(1 for _ in csv.reader(handle)) - 1  # every row is the Met's
    assert no_bom == published and windows == published
