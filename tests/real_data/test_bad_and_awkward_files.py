"""A corpus of bad and awkward files, built from the real police.uk files, in one refresh.

Every bad file (broken, or breaking its Great Expectations suite) is refused with a reason naming
its line and column; every awkward-but-valid file (BOM, LF line ends, Windows-1252, a renamed
copy of a loaded file) loads exactly; the months already in the warehouse keep their rows;
nothing else changes.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import duckdb
import pytest

from orchestration.refresh import refresh
from tests.conftest import REAL_DATA_DIR, require_shared

pytestmark = [pytest.mark.real_data, pytest.mark.slow]
STREET = REAL_DATA_DIR / "police_uk_street_leicestershire"


def real(month: str) -> bytes:
    return (
        require_shared(STREET, "Real police.uk street files") / f"{month}-leicestershire-street.csv"
    ).read_bytes()


def rewrite(data: bytes, change) -> bytes:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    change(rows)
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def set_cell(line: int, column: int, value: str):
    def change(rows):
        rows[line - 1][column] = value

    return change


def month_rows(warehouse, month: str) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select count(*) from raw.police_uk_street where strftime(partition_month, '%Y-%m') = ?",
            [month],
        ).fetchall()[0][0]


def test_every_bad_file_is_refused_and_every_awkward_file_loads(settings):
    folder = settings.landing_for("police_uk")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "2020-01-leicestershire-street.csv").write_bytes(real("2020-01"))
    assert refresh(settings).ok
    before_2020_01 = month_rows(settings.warehouse_path, "2020-01")

    future = date.today().replace(day=1)
    bad = {
        # a revision of a loaded month that is broken: the month must keep its rows
        "2020-01-leicestershire-street.csv": (real("2020-01")[:-300], ("line", "fields")),
        "2020-02-leicestershire-street.csv": (real("2020-02").replace(b"Crime type", b"Crime category", 1), ("line 1", "Crime type")),
        "2020-03-leicestershire-street.csv": (rewrite(real("2020-03"), set_cell(5, 1, "2020-04")), ("line 5", "Month")),
        "2020-04-leicestershire-street.csv": (rewrite(real("2020-04"), set_cell(7, 5, "fifty-two")), ("line 7", "Latitude")),
        "2020-05-leicestershire-street.csv": (real("2020-05").split(b"\r\n")[0] + b"\r\n", ("no data rows",)),
        "2020-06-leicestershire-street.csv": (real("2020-06").replace(b"Blaby 002A", b"Blaby \x81002A", 1), ("unreadable bytes",)),
        "2020-07-nottinghamshire-street.csv": (real("2020-07"), ("not configured",)),
        # structurally sound, but a crime placed east of Great Britain: refused by the suite
        "2020-08-leicestershire-street.csv": (rewrite(real("2020-08"), set_cell(9, 4, "12.5")), ("line 9", "'longitude_num'", "inside Great Britain")),
        f"{future:%Y-%m}-leicestershire-street.csv": (real("2020-08"), ("not ended yet",)),
        "leicestershire-2020-09.csv": (real("2020-09"), ("no source", "YYYY-MM-<force>-street.csv")),
        "2020-10-leicestershire-stop-and-search.csv": (b"Type,Date\r\nPerson search,2020-10-01\r\n", ("no source",)),
    }  # fmt: skip
    awkward = {
        "2021-01-leicestershire-street.csv": b"\xef\xbb\xbf" + real("2021-01"),
        "2021-02-leicestershire-street.csv": real("2021-02").replace(b"\r\n", b"\n"),
        "2021-03-leicestershire-street.csv": real("2021-03").decode("utf-8").replace("On or near ", "On or near Café ", 3).encode("cp1252"),
        "a-copy-of-january.csv.bak": real("2020-01"),  # unclaimed name: refused, not loaded
    }  # fmt: skip
    for name, (data, _) in bad.items():
        (folder / name).write_bytes(data)
    for name, data in awkward.items():
        (folder / name).write_bytes(data)

    summary = refresh(settings)

    refused = dict(summary.refused)
    for name, (_, words) in bad.items():
        assert name in refused, f"{name} was not refused"
        assert name in refused[name]
        for word in words:
            assert word in refused[name], (name, refused[name])
    assert "a-copy-of-january.csv.bak" in refused
    assert not summary.ok
    assert month_rows(settings.warehouse_path, "2020-01") == before_2020_01
    for month in ("2021-01", "2021-02", "2021-03"):
        expected = real(month).count(b"\r\n") - 1
        assert month_rows(settings.warehouse_path, month) == expected
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        cafes = con.execute(
            "select count(*) from raw.police_uk_street where location like 'On or near Café %'"
        ).fetchall()[0][0]
        months = {r[0] for r in con.execute(
            "select distinct strftime(partition_month, '%Y-%m') from raw.police_uk_street"
        ).fetchall()}  # fmt: skip
    assert cafes == 3
    assert months == {"2020-01", "2021-01", "2021-02", "2021-03"}
    quarantined = list(settings.quarantine_dir.rglob("*.reason.txt"))
    assert len(quarantined) == len(bad) + 1
    assert not any(settings.landing_for("police_uk").iterdir())
