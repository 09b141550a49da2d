"""Writing demo files that are the same bytes every time for the same content.

openpyxl stamps the save time into docProps/core.xml and into every zip entry, so a
regenerated workbook would look like a changed delivery: a fixed stamp keeps `make run`
idempotent. CSVs are written the way Excel and most tools write them (minimal quoting).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

FIXED_ZIP_TIME = (2025, 1, 1, 0, 0, 0)
FIXED_W3CDTF = "2025-01-01T00:00:00Z"


def save_stable(workbook, path: Path) -> None:
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    partial = path.with_suffix(path.suffix + ".part")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + FIXED_W3CDTF.encode() + rb"\g<2>",
                    data,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, data)
    partial.replace(path)


def write_csv(
    path: Path, header: Sequence[str], rows: Iterable[Sequence[object]], encoding: str = "utf-8"
) -> None:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
