"""The pack's files: HTML, the same as PDF (headless Chromium prints it), and an XLSX table."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from orchestration.pack.content import WORKBOOK_COLUMNS, PackContent


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    return None


def chromium_args(*args: str) -> list[str]:
    browser = chromium()
    if browser is None:
        raise RuntimeError(
            "Chromium is needed to print the PDF: `make test` installs Debian's chromium, or "
            "`apt-get install chromium`."
        )
    return [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-dev-shm-usage", *args]  # fmt: skip


def write_pdf(html: Path, pdf: Path) -> None:
    subprocess.run(
        chromium_args("--no-pdf-header-footer", f"--print-to-pdf={pdf}", html.resolve().as_uri()),
        check=True,
        capture_output=True,
        timeout=120,
    )


def write_xlsx(content: PackContent, path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"Dashboard {content.quarter.replace('/', '-')}"
    sheet.append(list(WORKBOOK_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in content.dashboard:
        sheet.append([row[c] for c in WORKBOOK_COLUMNS])
    sheet.freeze_panes = "A2"
    workbook.save(path)
