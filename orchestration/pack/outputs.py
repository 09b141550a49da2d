"""The pack's PDF: the HTML printed by headless Chromium; the contents' page numbers read back
from the printed PDF (pdftotext) so they are the pages the reader turns to."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

# The contents entries (the section's id) and the heading line that starts each section.
SECTION_HEADINGS = {
    "summary": "Executive summary",
    "how-to-read": "How to read this",
    "dashboard": "Dashboard",
    "projection": "Year-end projection",
    "spc": "Variation over time (SPC)",
    "actions": "Delivery actions",
    "csp": "Community Safety Partnerships:",
    "comparisons": "Compared with whom? Funnel plots",
    "long-term": "Long-term trend",
    "csew": "Crime Survey (CSEW) measures against peer forces",
    "readiness": "Readiness: what is missing and who owns it",
}


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


def section_pages(pdf: Path) -> dict[str, int]:
    """The page each section starts on, found by its heading in the PDF's text; {} without
    pdftotext (the contents then lists sections without page numbers)."""
    tool = shutil.which("pdftotext")
    if tool is None:
        return {}
    text = subprocess.run(
        [tool, str(pdf), "-"], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    pages: dict[str, int] = {}
    # Page 1 is the cover, whose contents list names every section.
    for number, page in enumerate(text.split("\f")[1:], start=2):
        lines = [line.strip() for line in page.splitlines()]
        for section, heading in SECTION_HEADINGS.items():
            if section not in pages and any(
                line == heading or (heading.endswith(":") and line.startswith(heading))
                for line in lines
            ):
                pages[section] = number
    return pages
