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


ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
_ODS_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" '
    'office:version="1.3"><office:body><office:spreadsheet>'
)
_ODS_TAIL = "</office:spreadsheet></office:body></office:document-content>"
_ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
    'manifest:version="1.3">'
    f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{ODS_MIMETYPE}"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)
# What LibreOffice writes after the last used row and column of a sheet.
_ODS_SHEET_PADDING = (
    '<table:table-row table:number-rows-repeated="1048000">'
    '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
)


def _ods_cell(value: object) -> str:
    if value is None or value == "":
        return "<table:table-cell/>"
    if isinstance(value, bool):
        text = str(value).lower()
        return (
            f'<table:table-cell office:value-type="boolean" office:boolean-value="{text}">'
            f"<text:p>{str(value).upper()}</text:p></table:table-cell>"
        )
    if isinstance(value, int | float):
        return (
            f'<table:table-cell office:value-type="float" office:value="{value}" '
            f'calcext:value-type="float"><text:p>{value}</text:p></table:table-cell>'
        )
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (
        '<table:table-cell office:value-type="string" calcext:value-type="string">'
        f"<text:p>{text}</text:p></table:table-cell>"
    )


def _ods_row(values: Sequence[object]) -> str:
    """One row as LibreOffice writes it: runs of equal cells as one repeated cell."""
    parts = ["<table:table-row>"]
    k = 0
    while k < len(values):
        run = 1
        while k + run < len(values) and values[k + run] == values[k]:
            run += 1
        cell = _ods_cell(values[k])
        if run > 1:
            cell = cell.replace(
                "<table:table-cell", f'<table:table-cell table:number-columns-repeated="{run}"', 1
            )
        parts.append(cell)
        k += run
    rest = 16384 - len(values)
    parts.append(f'<table:table-cell table:number-columns-repeated="{rest}"/></table:table-row>')
    return "".join(parts)


def write_ods(
    path: Path, sheets: Iterable[tuple[str, Iterable[Sequence[object]]]], level: int = 6
) -> None:
    """An OpenDocument spreadsheet as LibreOffice saves one (mimetype first and stored, runs
    of equal cells and the empty rest of each sheet written as repeated cells), streamed to
    the zip a row at a time so a national-size file never sits in memory. Numbers are float
    cells, text string cells, None empty. Same content, same bytes."""
    partial = path.with_suffix(path.suffix + ".part")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        mimetype = zipfile.ZipInfo("mimetype", date_time=FIXED_ZIP_TIME)
        mimetype.compress_type = zipfile.ZIP_STORED
        archive.writestr(mimetype, ODS_MIMETYPE)
        entry = zipfile.ZipInfo("content.xml", date_time=FIXED_ZIP_TIME)
        entry.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(entry, "w", force_zip64=True) as raw:
            out = io.TextIOWrapper(raw, encoding="utf-8", write_through=False)
            out.write(_ODS_HEAD)
            for name, rows in sheets:
                quoted = name.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
                out.write(f'<table:table table:name="{quoted}">')
                out.write('<table:table-column table:number-columns-repeated="16384"/>')
                for values in rows:
                    out.write(_ods_row(values))
                out.write(_ODS_SHEET_PADDING + "</table:table>")
            out.write(_ODS_TAIL)
            out.flush()
            out.detach()
        manifest = zipfile.ZipInfo("META-INF/manifest.xml", date_time=FIXED_ZIP_TIME)
        manifest.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(manifest, _ODS_MANIFEST)
    partial.replace(path)
