"""The board pack from the demo warehouse's published marts: both editions in all three formats;
the public one holds no restricted value in any file (HTML bytes, PDF text via pdftotext, XLSX
cells via openpyxl); the workbook equals the mart; the page rendered in headless Chromium has
one row per metric with its RAG label. A screenshot of the first page is kept under data/."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from orchestration.pack.content import FIGURE_COLUMNS, WORKBOOK_COLUMNS
from orchestration.pack.outputs import chromium, chromium_args
from orchestration.pack.pack import write_pack
from orchestration.pack.render import figure_text
from orchestration.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow
QUARTER = "2025/26-Q1"
SCREENSHOT = PROJECT_ROOT / "data" / "review" / "board-pack-first-page.png"


def need(tool: str | None, what: str) -> str:
    """Skip with a message outside CI; in CI (.ci/run) a missing tool is a failure."""
    if tool:
        return tool
    message = (
        f"{what} is not installed (`make browser` installs Debian's chromium and poppler-utils)"
    )
    if os.environ.get("PCP_REQUIRE_REAL_DATA") == "1":
        pytest.fail(message + "; CI must run this test.")
    pytest.skip(message)


@pytest.fixture(scope="module")
def packs(demo, tmp_path_factory):
    need(chromium(), "Chromium")
    settings = demo[0]
    published = settings.published_dir / "marts.duckdb"
    out = tmp_path_factory.mktemp("packs")
    board = write_pack(published, QUARTER, False, out / "board")
    public = write_pack(published, QUARTER, True, out / "public")
    with duckdb.connect(str(published), read_only=True) as con:
        cursor = con.execute(
            "select * from mart_delivery_dashboard where reporting_quarter = ? "
            "order by display_order",
            [QUARTER],
        )
        names = [d[0] for d in cursor.description]
        mart = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return board, public, mart


def restricted_tokens(mart: list[dict]) -> list[str]:
    """Every way a restricted figure could be written in a pack."""
    tokens = []
    for row in (r for r in mart if r["restricted"]):
        for side in ("baseline", "latest"):
            value = row[f"{side}_value"]
            if value is None:
                continue
            tokens.append(
                figure_text(value, None, row[f"{side}_count"], row[f"{side}_period"], row["unit"])
            )
            tokens += [f"{value:,.0f}", f"{value:.1f}", repr(value)]
    assert tokens, "the demo dashboard should hold restricted figures"
    return sorted(set(tokens))


def shows(token: str, text: str) -> bool:
    """The token as a figure of its own, not inside a longer number (SVG coordinates)."""
    return re.search(rf"(?<![\d.,]){re.escape(token)}(?![\d])", text) is not None


def pdf_text(path: Path) -> str:
    tool = need(shutil.which("pdftotext"), "pdftotext")
    return subprocess.run(
        [tool, "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def xlsx_cells(path: Path) -> list[list]:
    sheet = load_workbook(path, read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_both_editions_are_written_in_three_formats(packs):
    for files in packs[:2]:
        for path in (files.html, files.pdf, files.xlsx):
            assert path.stat().st_size > 1000, path
        assert files.pdf.read_bytes().startswith(b"%PDF")
        html = files.html.read_text()
        # Self-contained: nothing is fetched when it is opened.
        assert 'src="http' not in html and 'href="http' not in html and "@import" not in html


def test_the_public_pack_holds_no_restricted_value_in_any_file(packs):
    board, public, mart = packs
    tokens = [t for t in restricted_tokens(mart) if len(t) >= 4]
    public_html, board_html = public.html.read_text(), board.html.read_text()
    public_pdf, board_pdf = pdf_text(public.pdf), pdf_text(board.pdf)
    # The board edition shows them, so the search below can find what it looks for.
    assert any(shows(t, board_html) for t in tokens) and any(shows(t, board_pdf) for t in tokens)
    for token in tokens:
        assert not shows(token, public_html), token
        assert not shows(token, public_pdf), token
    restricted_ids = {r["metric_id"] for r in mart if r["restricted"]}
    restricted_names = {r["metric_name"] for r in mart if r["restricted"]}
    cells = xlsx_cells(public.xlsx)
    header, rows = cells[0], cells[1:]
    figures = [header.index(c) for c in FIGURE_COLUMNS if c in header]
    for row in rows:
        if row[header.index("metric_name")] in restricted_names:
            assert all(row[i] is None for i in figures), row
            assert row[header.index("data_status")] == "restricted"
    values = {r[f"{s}_value"] for r in mart if r["restricted"] for s in ("baseline", "latest")}
    restricted_values = {v for v in values if v is not None}
    assert restricted_ids  # the demo has restricted metrics to hide
    for row in rows:
        if row[header.index("metric_name")] in restricted_names:
            assert not restricted_values & set(row)


def test_the_workbook_equals_the_mart(packs):
    board, _, mart = packs
    cells = xlsx_cells(board.xlsx)
    assert tuple(cells[0]) == WORKBOOK_COLUMNS
    assert len(cells) - 1 == len(mart) == 39
    for row, expected in zip(cells[1:], mart, strict=True):
        for column, value in zip(WORKBOOK_COLUMNS, row, strict=True):
            want = expected[column]
            if isinstance(want, float):
                assert value == pytest.approx(want, rel=1e-12), (expected["metric_id"], column)
            else:
                assert value == want, (expected["metric_id"], column)


class DashboardRows(HTMLParser):
    """Collects, from the rendered DOM, each dashboard row's metric and RAG label."""

    def __init__(self):
        super().__init__()
        self.rows: list[dict] = []
        self.in_rag = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "tr" and "metric-row" in (attributes.get("class") or ""):
            self.rows.append({"metric": attributes["data-metric"], "rag": ""})
        if tag == "span" and "rag" in (attributes.get("class") or "").split():
            self.in_rag = True

    def handle_endtag(self, tag):
        if tag == "span":
            self.in_rag = False

    def handle_data(self, data):
        if self.in_rag and self.rows:
            self.rows[-1]["rag"] += data.strip()


def test_the_page_renders_in_headless_chromium(packs):
    _, public, mart = packs
    rendered = subprocess.run(
        chromium_args("--dump-dom", public.html.resolve().as_uri()),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    parser = DashboardRows()
    parser.feed(rendered)
    assert [r["metric"] for r in parser.rows] == [r["metric_id"] for r in mart]
    assert [r["rag"] for r in parser.rows] == [r["rag"].upper() for r in mart]
    assert {r["rag"] for r in parser.rows} <= {"GREEN", "AMBER", "RED", "GREY"}
    assert 'scope="col"' in rendered and "<title>Trend:" in rendered  # headers, chart text
    for token in (t for t in restricted_tokens(mart) if len(t) >= 4):
        assert not shows(token, rendered), token
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        chromium_args(
            "--window-size=1400,1800", f"--screenshot={SCREENSHOT}", public.html.resolve().as_uri()
        ),
        capture_output=True,
        check=True,
        timeout=120,
    )
    assert SCREENSHOT.stat().st_size > 10_000


def test_the_packs_peer_means_are_the_marts_column(packs):
    """The CSEW peer mean the pack prints is the dashboard mart's ``peer_mean``: the pack works
    out nothing of its own."""
    board, _, mart = packs
    html = board.html.read_text(encoding="utf-8")
    printed = re.findall(r"Peer mean ([0-9.]+)%", html)
    want = [f"{r['peer_mean']:.1f}" for r in mart if r["peer_mean"] is not None]
    assert want, "the demo dashboard has CSEW metrics with a peer mean"
    assert sorted(printed) == sorted(want)


def test_the_printed_dashboard_fits_its_pages(packs):
    """Ten columns did not fit a portrait page: the trend column was cut off at the edge. The
    PDF is landscape and every column heading is printed whole."""
    board, _, _ = packs
    tool = need(shutil.which("pdfinfo"), "pdfinfo")
    info = subprocess.run([tool, str(board.pdf)], capture_output=True, text=True, check=True)
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info.stdout).groups())
    assert width > height
    first_page = subprocess.run(
        [
            need(shutil.which("pdftotext"), "pdftotext"),
            "-f",
            "1",
            "-l",
            "1",
            "-layout",
            str(board.pdf),
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Trend (36" in first_page and "Significance" in first_page
