"""`pcp pack`: write a quarter's board pack (HTML, PDF, XLSX) from the published marts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from orchestration.file_modes import secure_path
from orchestration.pack.content import read_content
from orchestration.pack.outputs import chromium, section_pages, write_pdf
from orchestration.pack.render import render_html, shown_values
from orchestration.pack.workbook import write_xlsx


@dataclass(frozen=True)
class PackFiles:
    html: Path
    pdf: Path | None  # None when no Chromium is installed to print it
    xlsx: Path


def latest_quarter(published: Path) -> str:
    import duckdb

    with duckdb.connect(str(published), read_only=True) as con:
        ((quarter,),) = con.execute(
            "select max_by(reporting_quarter, reporting_quarter_end) from mart_delivery_dashboard"
        ).fetchall()
    if quarter is None:
        raise LookupError(f"the dashboard in {published} has no quarters yet")
    return quarter


def write_pack(
    published: Path,
    quarter: str,
    public: bool,
    out_dir: Path,
    group: str | None = None,
    live: bool = False,
) -> PackFiles:
    """Write the pack. A quarter whose board has been held shows that board's frozen
    snapshot unless ``live`` asks for today's figures."""
    if quarter == "latest":
        quarter = latest_quarter(published)
    content = read_content(published, quarter, public, live=live)
    made = not out_dir.exists()
    out_dir.mkdir(parents=True, exist_ok=True)
    # file_modes.is_public_pack knows the public edition by this name.
    stem = f"board-pack-{quarter.replace('/', '-')}-{'public' if public else 'board'}"
    files = PackFiles(
        out_dir / f"{stem}.html",
        out_dir / f"{stem}.pdf" if chromium() else None,
        out_dir / f"{stem}.xlsx",
    )
    shown = shown_values(content)  # drawn once for both printings
    files.html.write_text(render_html(content, shown=shown), encoding="utf-8")
    if files.pdf:
        write_pdf(files.html, files.pdf)
        # Printed once to learn where each section falls, then again with those page
        # numbers in the contents (the numbers do not move a page break).
        if pages := section_pages(files.pdf):
            files.html.write_text(render_html(content, pages, shown), encoding="utf-8")
            write_pdf(files.html, files.pdf)
    write_xlsx(content, files.xlsx)
    # The board edition holds restricted figures (owner and group only); the public one is
    # for anyone. The folder is left as it is unless this made it.
    for path in (files.html, files.pdf, files.xlsx):
        if path:
            secure_path(path, group, public=public)
    if made:
        secure_path(out_dir, group, public=public)
    return files
