"""The board pack from the demo warehouse's published marts: both editions in all three formats;
the public one holds no restricted value in any file (HTML bytes, PDF text via pdftotext, XLSX
cells via openpyxl); the three formats agree row by row with the mart; the workbook is laid out
for analysts; the PDF's pages are A4, numbered, and nothing runs off them; a pack for a held
board shows its snapshot. A screenshot of the first page is kept under data/."""

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

from orchestration.pack import display
from orchestration.pack.content import read_content
from orchestration.pack.outputs import chromium, chromium_args, section_pages
from orchestration.pack.pack import write_pack
from orchestration.pack.render import figure_text, render_html
from orchestration.pack.workbook import HEADERS
from orchestration.reference import board_leads
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


def board_rows(published: Path) -> list[dict]:
    """What the 2025/26-Q1 board saw: its frozen snapshot (the pack's default for a held
    board)."""
    with duckdb.connect(str(published), read_only=True) as con:
        cursor = con.execute(
            "select * from snapshots.board_dashboard where reporting_quarter = ? "
            "order by display_order",
            [QUARTER],
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def restricted_tokens(mart: list[dict]) -> list[str]:
    """Every way a restricted figure could be written in a pack."""
    tokens = []
    for row in (r for r in mart if r["restricted"]):
        for side in ("baseline", "latest"):
            value = row[f"{side}_value"]
            if value is None:
                continue
            tokens.append(figure_text(value, None, row[f"{side}_count"], row["unit"]))
            tokens += [f"{value:,.0f}", f"{value:.1f}", display.number(value), repr(value)]
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
    figures = [header.index(c) for c in WORKBOOK_FIGURES]
    for row in rows:
        if row[header.index("Metric")] in restricted_names:
            assert all(row[i] is None for i in figures), row
            assert row[header.index("Data status")] == "restricted"
            assert row[header.index("RAG")] == "grey"
    values = {r[f"{s}_value"] for r in mart if r["restricted"] for s in ("baseline", "latest")}
    restricted_values = {v for v in values if v is not None}
    assert restricted_ids  # the demo has restricted metrics to hide
    for row in rows:
        if row[header.index("Metric")] in restricted_names:
            assert not restricted_values & set(row)


# The workbook's columns that carry a restricted metric's figures.
WORKBOOK_FIGURES = (
    "Baseline",
    "Baseline count",
    "Latest",
    "Latest count",
    "Change",
    "Change %",
    "p-value",
    "Peer mean",
    "Force position",
)
# Workbook header -> the mart column it holds (the board edition's rating is rag_internal).
WORKBOOK_MART = {
    "Reporting quarter": "reporting_quarter",
    "Ref": "ref_number",
    "Delivery strategy": "delivery_strategy",
    "Metric": "metric_name",
    "Target": "target_expectation",
    "Baseline period": "baseline_period",
    "Baseline count": "baseline_count",
    "Latest period": "latest_period",
    "Latest count": "latest_count",
    "Change": "abs_change",
    "Change %": "pct_change",
    "Direction": "direction",
    "Significance": "significance",
    "p-value": "p",
    "RAG": "rag_internal",
    "Why (RAG reason)": "rag_internal_reason",
    "Data status": "data_status",
    "Peer mean": "peer_mean",
    "Force position": "force_position",
}


def test_the_workbook_equals_the_mart(packs, demo):
    """Each cell is the mart's value (the board's snapshot for a held board): formats round
    for display, the cells do not. Restricted metrics carry the board's rating, as in the PDF."""
    board, _, _ = packs
    snapshot = board_rows(demo[0].published_dir / "marts.duckdb")
    cells = xlsx_cells(board.xlsx)
    assert tuple(cells[0]) == HEADERS
    assert len(cells) - 1 == len(snapshot) == 39
    restricted = 0
    for row, expected in zip(cells[1:], snapshot, strict=True):
        got = dict(zip(HEADERS, row, strict=True))
        for header, column in WORKBOOK_MART.items():
            want = expected[column]
            if isinstance(want, float):
                assert got[header] == pytest.approx(want, rel=1e-12), (
                    expected["metric_id"],
                    header,
                )
            else:
                assert got[header] == want, (expected["metric_id"], header)
        for side in ("Baseline", "Latest"):
            key = side.lower()
            want = expected[f"{key}_value"]
            want = expected[f"{key}_yes_no"] if want is None else want
            assert got[side] == pytest.approx(want) if isinstance(want, float) else want
        assert got["Restricted"] == ("Yes" if expected["restricted"] else "No")
        if expected["restricted"] and expected["rag_internal"] != expected["rag"]:
            restricted += 1
    assert restricted, "the demo has a restricted metric whose board rating is not grey"


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
    printed = re.findall(r"Peer mean ([0-9.,]+)%", html)
    want = [display.number(r["peer_mean"]) for r in mart if r["peer_mean"] is not None]
    assert want, "the demo dashboard has CSEW metrics with a peer mean"
    assert sorted(printed) == sorted(want)


def test_the_packs_csp_table_is_the_marts_rows(packs, demo):
    """The CSP table prints mart_csp_crime_totals as it is: counts, year-ago counts and the
    percent change (blank under the small-numbers rule) all come from the mart."""
    board, _, _ = packs
    with duckdb.connect(str(demo[0].published_dir / "marts.duckdb"), read_only=True) as con:
        rows = con.execute(
            "select csp_name, crime_count, year_ago_crime_count, change_pct "
            "from mart_csp_crime_totals where period_type = 'quarter' and period_label = ? "
            "order by csp_name",
            [QUARTER],
        ).fetchall()
    assert len(rows) >= 9, "every CSP of the demo has a row"
    html = board.html.read_text(encoding="utf-8")
    printed = re.findall(
        r'<tr><th scope="row">([^<]+)</th><td class="num">([^<]+)</td><td class="num">([^<]+)'
        r'</td><td class="num">[^<]+</td><td class="num">([^<]+)</td></tr>',
        html,
    )
    want = [
        (
            name,
            f"{crimes:,}",
            "-" if year_ago is None else f"{year_ago:,}",
            "-" if pct is None else f"{pct:+.1f}%",
        )
        for name, crimes, year_ago, pct in rows
    ]
    assert printed == want


def pdf_pages(path: Path) -> list[tuple[float, float]]:
    """Each page's (width, height) in points."""
    tool = need(shutil.which("pdfinfo"), "pdfinfo")
    info = subprocess.run(
        [tool, "-f", "1", "-l", "999", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return [
        (float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)
    ]


def pdf_words(path: Path) -> list[list[tuple[str, float, float, float, float]]]:
    """Each page's words with their boxes (xMin, yMin, xMax, yMax), from pdftotext -bbox."""
    tool = need(shutil.which("pdftotext"), "pdftotext")
    xml = subprocess.run(
        [tool, "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = []
    for page in xml.split("<page ")[1:]:
        pages.append(
            [
                (word, float(x0), float(y0), float(x1), float(y1))
                for x0, y0, x1, y1, word in re.findall(
                    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                    r'yMax="([\d.]+)">([^<]*)</word>',
                    page,
                )
            ]
        )
    return pages


A4 = (595.0, 842.0)  # points, portrait


def test_the_printed_dashboard_fits_its_pages(packs):
    """The PDF was US Letter and cut the Trend column off every dashboard page. Every page is
    A4 (the dashboard's landscape), numbered "Page n of N"; on every dashboard page each
    column's heading is printed whole and no word (the last column's included) runs past the
    page's right edge or below its foot."""
    for files in packs[:2]:
        sizes = pdf_pages(files.pdf)
        pages = pdf_words(files.pdf)
        assert len(sizes) == len(pages) > 4
        dashboard_pages = 0
        for number, ((width, height), words) in enumerate(zip(sizes, pages, strict=True), 1):
            assert sorted((round(width), round(height))) == sorted(A4), (number, width, height)
            text = " ".join(w[0] for w in words)
            assert f"Page {number} of {len(pages)}" in text, number
            for word, x0, y0, x1, y1 in words:
                assert x0 >= 0 and y0 >= 0, (number, word)
                assert x1 <= width - 20 and y1 <= height - 10, (number, word, x1, y1)
            if "Significance" in text and "Trend" in text and "(36" in text:
                dashboard_pages += 1
                assert width > height, f"dashboard page {number} is not landscape"
                for heading in ("Ref", "Metric", "Target", "Baseline", "Latest", "Dir.", "RAG"):
                    assert heading in text.split(), (number, heading)
                # The last column holds each row's trend chart, whose axis labels are text.
                trend = next(w for w in words if w[0] == "Trend")
                assert trend[3] < width - 20
        assert dashboard_pages >= 2, "the dashboard spans landscape pages with their headings"
        # Rows of at most three lines: longer reasons are numbered notes under the table.
        printed = pdf_dashboard_cells(files.pdf)
        assert len(printed) == 39
        assert [r["Metric"] for r in printed if r["lines"] > 3] == []
        assert max(r["lines"] for r in printed) >= 2  # the count is of lines, not of rows


def flat(text: str) -> str:
    """Text without whitespace: a cell wrapped over lines reads the same."""
    return re.sub(r"\s+", "", text)


DASHBOARD_HEADINGS = ("Ref", "Metric", "Target", "Baseline", "Latest", "Dir.", "RAG", "Why")


def pdf_dashboard_cells(path: Path) -> list[dict[str, str]]:
    """The printed dashboard's rows, read from the PDF's word boxes: each column is the band
    from its heading to the next heading; each row starts at its RAG label (cells are
    top-aligned). Returns, per row in print order, each column's text and the number of
    lines of its tallest cell."""
    rows = []
    for words in pdf_words(path):
        heads: dict[str, tuple] = {}
        for word in sorted(words, key=lambda w: w[2]):  # the first line holding each heading
            if word[0] in (*DASHBOARD_HEADINGS, "Significance", "Trend"):
                heads.setdefault(word[0], word)
        if not {"Significance", "Trend", "RAG"} <= heads.keys():
            continue
        header_foot = heads["RAG"][4]
        order = [*DASHBOARD_HEADINGS, "Significance", "Trend"]
        # A cell's text starts a few points left of its heading when its padding is smaller.
        bands = [(name, heads[name][1] - 6) for name in order]
        # The table ends at the notes under it, or at the page's footer ("Page n of N").
        stop = min(w[2] - 1 for w in words if w[0] in ("Notes:", "Page"))
        body = [w for w in words if header_foot < w[2] < stop]
        # A delivery strategy's heading row starts in the Ref column with a word, not a number.
        metric_at = heads["Metric"][1] - 6
        headings = {round(w[4]) for w in body if w[1] < metric_at and not w[0].isdigit()}
        body = [w for w in body if round(w[4]) not in headings]
        rag_at = dict(bands)["RAG"]
        tops = sorted(
            w[2] for w in body if w[0] in ("GREEN", "AMBER", "RED", "GREY") and w[1] >= rag_at
        )
        page_rows = [{name: [] for name in order} for _ in tops]
        baselines = [{name: set() for name in order} for _ in tops]
        # Reading order: line by line (a line's words share a baseline), left to right.
        for word, x0, y0, _, y1 in sorted(body, key=lambda w: (round(w[4]), w[1])):
            row = max((i for i, top in enumerate(tops) if y0 >= top - 3), default=None)
            if row is None:
                continue
            name = next((n for n, left in reversed(bands) if x0 >= left), "Ref")
            page_rows[row][name].append(word)
            baselines[row][name].add(round(y1))
        for cells, lines in zip(page_rows, baselines, strict=True):
            rows.append({k: " ".join(v) for k, v in cells.items()})
            # The tallest text cell's lines (the trend chart's axis labels are not lines).
            rows[-1]["lines"] = max(len(v) for k, v in lines.items() if k != "Trend")
    return rows


def test_the_three_formats_agree_row_by_row_with_the_mart(packs, demo):
    """For each metric, in order: its RAG, latest, baseline and significance wording in the
    HTML, the PDF's text and the workbook are the snapshot's columns, written with one
    precision (the value column and the reason agree)."""
    board, _, _ = packs
    rows = board_rows(demo[0].published_dir / "marts.duckdb")
    html = board.html.read_text(encoding="utf-8")
    html_rows = re.findall(r'<tr class="metric-row".*?</tr>', html, flags=re.S)
    printed_rows = pdf_dashboard_cells(board.pdf)
    pdf_rows = iter(printed_rows)
    cells = xlsx_cells(board.xlsx)
    book = [dict(zip(cells[0], row, strict=True)) for row in cells[1:]]
    assert len(html_rows) == len(book) == len(printed_rows) == len(rows)
    checked = 0
    for row, html_row, book_row in zip(rows, html_rows, book, strict=True):
        latest = figure_text(
            row["latest_value"],
            row["latest_yes_no"],
            row["latest_count"],
            row["unit"],
        )
        baseline = figure_text(
            row["baseline_value"],
            row["baseline_yes_no"],
            row["baseline_count"],
            row["unit"],
        )
        rag, significance = row["rag_internal"], row["significance"]
        # HTML
        assert f'data-metric="{row["metric_id"]}"' in html_row
        assert f">{rag.upper()}</span>" in html_row, row["metric_id"]
        for side, shown in (("baseline", baseline), ("latest", latest)):
            assert f'<span class="figure">{shown}</span>' in html_row, (row["metric_id"], shown)
            assert f'<span class="period">{row[f"{side}_period"] or ""}</span>' in html_row
        assert f'<td class="significance">{significance}</td>' in html_row
        # The PDF, read cell by cell from the printed page.
        printed = next(pdf_rows)
        assert flat(printed["RAG"]) == rag.upper(), (row["metric_id"], printed)
        assert flat(printed["Significance"]) == flat(significance), (row["metric_id"], printed)
        for side, shown in (("Baseline", baseline), ("Latest", latest)):
            period = row[f"{side.lower()}_period"] or ""
            assert flat(printed[side]) == flat(shown + period), (row["metric_id"], printed)
        # The workbook
        assert book_row["RAG"] == rag and book_row["Significance"] == significance
        assert book_row["Why (RAG reason)"] == row["rag_internal_reason"]
        # One precision: the figures in a reason are written as the value columns write them,
        # and the workbook's number format shows the same digits.
        number = r"(\d{1,3}(?:,\d{3})*(?:\.\d+)?)"
        written = re.search(rf": {number} to {number}", row["rag_internal_reason"] or "")
        if written and row["latest_value"] is not None:
            checked += 1
            assert written.group(1) == display.number(row["baseline_value"])
            assert written.group(2) == display.number(row["latest_value"])
            assert latest.startswith(written.group(2)), (latest, written.group(2))
        fmt = display.excel_format(row["latest_value"], row["unit"])
        if row["latest_value"] is not None and "E" not in fmt:
            places = len(fmt.split(".")[1].split('"')[0]) if "." in fmt else 0
            assert f"{row['latest_value']:,.{places}f}" == display.number(row["latest_value"])
    assert checked > 10, "the demo has rated rows whose reasons give their figures"


def test_the_workbook_is_laid_out_for_analysts(packs):
    """Headers in words, a unit column, number formats (percentages with %, counts with
    thousands separators), widths, frozen header, filter, RAG as text on its colour, and a
    Definitions sheet from the catalogue with owners by name."""
    board, _, mart = packs
    book = load_workbook(board.xlsx)
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert not [h for h in headers if "_" in h or h == h.lower() != "p-value"], headers
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == sheet.dimensions
    for letter in ("D", "S"):  # Metric, Why
        assert sheet.column_dimensions[letter].width >= 40
    column = {h: i for i, h in enumerate(headers)}
    by_metric = {r["metric_id"]: r for r in mart}
    units = set()
    for cells, row in zip(sheet.iter_rows(min_row=2), mart, strict=True):
        unit = cells[column["Unit"]].value
        units.add(unit)
        assert unit == display.UNIT_WORDS[row["unit"]]
        latest = cells[column["Latest"]]
        if isinstance(latest.value, float) and row["unit"] == "percent":
            assert latest.number_format.endswith('"%"'), latest.number_format
        if row["latest_count"] is not None:
            assert cells[column["Latest count"]].number_format == "#,##0"
        rag = cells[column["RAG"]]
        assert rag.value in ("red", "amber", "green", "grey")
        assert rag.fill.fgColor.rgb.endswith(
            {"red": "B5121B", "amber": "F9A825", "green": "2E7D32", "grey": "9E9E9E"}[rag.value]
        )
        assert by_metric[row["metric_id"]]
    assert {"per 1,000", "%", "count"} <= units
    definitions = book["Definitions"]
    header = [c.value for c in definitions[1]]
    for wanted in ("Metric", "Source", "Formula", "Polarity", "Owner", "Caveats"):
        assert wanted in header
    rows = [dict(zip(header, r, strict=True)) for r in definitions.iter_rows(2, values_only=True)]
    assert [r["Metric"] for r in rows] == [r["metric_name"] for r in mart]
    names = {lead["name"] for lead in board_leads()}
    assert all(r["Owner"] in names for r in rows), {r["Owner"] for r in rows}
    assert all(r["Formula"] for r in rows)
    # Each source's publication lag (seeds/source_publication.csv) is a caveat of its metrics.
    assert sum("Publication:" in (r["Caveats"] or "") for r in rows) > 30


def test_the_cover_and_summary_say_where_the_figures_come_from(packs, demo):
    """The cover gives the data vintage and says the held board's snapshot is shown; the
    executive summary comes first, counts the ratings as the board saw them and names the
    owners of what is missing (names, not ids)."""
    board, _, _ = packs
    rows = board_rows(demo[0].published_dir / "marts.duckdb")
    pages = pdf_text(board.pdf).split("\f")
    cover, summary = flat(pages[0]), flat(pages[1])
    assert flat("frozen snapshot (board-2025-07-30") in cover
    assert flat("Latest month loaded") in cover and flat("Contents") in cover
    assert flat("Executive summary") in cover and flat("Dashboard page") in cover
    assert summary.startswith(flat("Executive summary")) or flat("Executive summary") in summary
    for rag in ("red", "amber", "green", "grey"):
        count = sum(r["rag_internal"] == rag for r in rows)
        assert flat(f"{rag.upper()} {count}") in summary, rag
    html = board.html.read_text(encoding="utf-8")
    assert "lead_" not in html
    readiness = re.search(r'<ul id="readiness-summary">(.*?)</ul>', html, flags=re.S)
    if readiness:
        assert any(lead["name"] in readiness.group(1) for lead in board_leads())


def test_a_held_boards_pack_shows_its_snapshot_and_live_shows_today(demo, tmp_path):
    """A pack for a quarter whose board was held reads that board's snapshot, not the marts
    rebuilt since; `--live` reads today's marts. The snapshot is altered in a copy of the
    published file so the two differ."""
    need(chromium(), "Chromium")
    published = tmp_path / "marts.duckdb"
    shutil.copy(demo[0].published_dir / "marts.duckdb", published)
    with duckdb.connect(str(published)) as con:
        ((metric, rag),) = con.execute(
            "select metric_id, rag_internal from snapshots.board_dashboard "
            "where reporting_quarter = ? and rag_internal <> 'red' "
            "order by display_order limit 1",
            [QUARTER],
        ).fetchall()
        con.execute(
            "update snapshots.board_dashboard set rag_internal = 'red' "
            "where reporting_quarter = ? and metric_id = ?",
            [QUARTER, metric],
        )
    held = write_pack(published, QUARTER, False, tmp_path / "held")
    live = write_pack(published, QUARTER, False, tmp_path / "live", live=True)
    pattern = rf'data-metric="{metric}".*?class="rag rag-(\w+)"'
    assert re.search(pattern, held.html.read_text(), flags=re.S).group(1) == "red"
    assert re.search(pattern, live.html.read_text(), flags=re.S).group(1) == rag
    assert "frozen snapshot" in held.html.read_text()
    assert "Today's figures" in live.html.read_text()


class ProjectionRows(HTMLParser):
    """Collects, from the rendered DOM, each projection row's metric and its cells' text."""

    def __init__(self):
        super().__init__()
        self.rows: dict[str, list[str]] = {}
        self.current: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "tr" and "projection-row" in (attributes.get("class") or ""):
            self.current = attributes["data-metric"]
            self.rows[self.current] = []
        elif tag in ("td", "th") and self.current:
            self.rows[self.current].append("")

    def handle_endtag(self, tag):
        if tag == "tr":
            self.current = None

    def handle_data(self, data):
        if self.current and self.rows[self.current]:
            self.rows[self.current][-1] += data.strip()


def test_the_projection_section_prints_the_marts_verdicts_and_intervals(packs, demo):
    """Each dashboard metric with a series has its latest projection of 2025/26 made by the
    quarter end, printed from mart_metric_projection's columns in the HTML, the PDF and the
    workbook; the back-test's coverage is the mart's."""
    board, public, mart = packs
    with duckdb.connect(str(demo[0].published_dir / "marts.duckdb"), read_only=True) as con:
        cursor = con.execute(
            "select * from mart_metric_projection where fy_label = '2025/26' "
            "and as_of_period_end <= date '2025-06-30' "
            "qualify as_of_period_end = max(as_of_period_end) over (partition by metric_id)"
        )
        names = [d[0] for d in cursor.description]
        projection = {r[0]: dict(zip(names, r, strict=True)) for r in cursor.fetchall()}
        ((coverage_80, coverage_95),) = con.execute(
            "select coverage_80, coverage_95 from mart_projection_backtest where is_overall"
        ).fetchall()
    shown = {row["metric_id"] for row in mart}
    expected = {m: row for m, row in projection.items() if m in shown}
    assert len(expected) >= 15, "the demo's police.uk, STATS19, survey and Home Office metrics"
    parser = ProjectionRows()
    parser.feed(board.html.read_text(encoding="utf-8"))
    assert set(parser.rows) == set(expected)
    for metric_id, cells in parser.rows.items():
        row = expected[metric_id]
        # the year to date and the month it runs to (an outcome rate's: where it is mature)
        assert cells[1] == f"{row['ytd_text']}to {row['ytd_month']}"
        assert cells[2:5] == [
            row["projected_text"],
            row["interval_80_text"],
            row["interval_95_text"],
        ]
        assert cells[-1] == row["verdict"] and row["verdict"] in (
            "on course",
            "at risk",
            "unlikely",
        )
        assert cells[-2] == f"{row['probability_percent']}%"
    words = f"inside the 80% interval {coverage_80:.0%} of the time and inside the 95% interval {coverage_95:.0%}"
    for text in (board.html.read_text(encoding="utf-8"), flat(pdf_text(board.pdf))):
        assert flat(words) in flat(text)
    sheet = load_workbook(board.xlsx, read_only=True)["Projection"]
    cells = [r for r in sheet.iter_rows(values_only=True) if r and r[0]]
    header, rows = cells[0], [r for r in cells[1:] if len(r) > 2 and r[2] == "2025/26"]
    by_name = {r[0]: dict(zip(header, r, strict=True)) for r in rows}
    for row in expected.values():
        got = by_name[row["metric_name"]]
        assert got["Projected year-end"] == pytest.approx(row["projected_value"], rel=1e-12)
        assert got["80% lower"] == pytest.approx(row["lower_80"], rel=1e-12)
        assert (got["Verdict"], got["Why"]) == (row["verdict"], row["verdict_reason"])
    # The public edition prints the same unrestricted rows (no projected metric is restricted).
    public_rows = ProjectionRows()
    public_rows.feed(public.html.read_text(encoding="utf-8"))
    assert set(public_rows.rows) == {m for m, r in expected.items() if not r["restricted"]}


def test_every_metric_has_its_spc_chart_and_verdicts_in_words_in_every_format(packs, demo):
    """Each dashboard metric with a chart in mart_metric_spc has it in the pack (an SVG with a
    text alternative) with the mart's variation and assurance of its last month to the quarter
    end as words, in the HTML, the PDF's text and the workbook's SPC sheet (the mart's rows);
    every other metric is named as having no chart. Never colour alone: the words are there."""
    board, _, _ = packs
    published = demo[0].published_dir / "marts.duckdb"
    with duckdb.connect(str(published), read_only=True) as con:
        quarter_end = con.execute(
            "select any_value(reporting_quarter_end) from mart_delivery_dashboard "
            "where reporting_quarter = ?",
            [QUARTER],
        ).fetchone()[0]
        cursor = con.execute(
            "select * from mart_metric_spc where month_start <= ? order by metric_id, month_start",
            [quarter_end],
        )
        names = [d[0] for d in cursor.description]
        spc_rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    charts: dict[str, list[dict]] = {}
    for row in spc_rows:
        charts.setdefault(row["metric_id"], []).append(row)
    dashboard = board_rows(published)
    html = board.html.read_text(encoding="utf-8")
    # Read in the PDF's reading order (not -layout, which interleaves the table's columns).
    tool = need(shutil.which("pdftotext"), "pdftotext")
    text = " ".join(
        subprocess.run(
            [tool, str(board.pdf), "-"], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    charted = [row for row in dashboard if row["metric_id"] in charts]
    assert len(charted) >= 10, "the demo's monthly metrics should all have charts"
    for row in dashboard:
        metric_id = row["metric_id"]
        if metric_id not in charts:
            assert f'<span class="spc-none" data-metric="{metric_id}">' in html, metric_id
            continue
        html_row = re.search(
            rf'<tr class="spc-row" data-metric="{re.escape(metric_id)}">.*?</tr>', html, re.S
        )
        assert html_row, metric_id
        last = charts[metric_id][-1]
        assert "<svg" in html_row.group(0) and "<desc>" in html_row.group(0)
        variation = re.search(r'<td class="variation">(.*?)</td>', html_row.group(0)).group(1)
        assurance = re.search(r'<td class="assurance">(.*?)</td>', html_row.group(0)).group(1)
        # The words are the mart's verdicts, not a colour or a re-rating.
        if last["variation"] in ("special cause concern", "special cause improvement"):
            assert variation.startswith(last["variation"].capitalize() + ":"), metric_id
        elif last["variation"] == "common cause":
            assert variation.startswith("Common cause"), metric_id
        else:
            assert variation.startswith("Suspect data"), metric_id
        assert f"{last['month_start']:%b %Y}" in variation
        if last["assurance"] is None:
            assert assurance == "Not assessed: no numeric target"
        else:
            assert last["assurance"] in assurance.lower()
        for words in (variation, assurance):
            # The cell's words in order; a chart's tick labels may be read in between.
            pattern = ".{0,60}?".join(re.escape(word) for word in words.split())
            assert re.search(pattern, text), (metric_id, words)
    assert any(r["variation"] != "common cause" for r in spc_rows), "no signal in the demo"
    # The workbook's SPC sheet holds the mart's rows for the pack's metrics.
    book = load_workbook(board.xlsx, read_only=True)
    sheet = [list(r) for r in book["SPC"].iter_rows(values_only=True)]
    header, cells = sheet[0], sheet[1:]
    expected = [r for r in spc_rows if r["metric_id"] in {d["metric_id"] for d in dashboard}]
    assert len(cells) == len(expected)
    for cell_row, mart_row in zip(cells, expected, strict=True):
        got = dict(zip(header, cell_row, strict=True))
        assert got["Metric ID"] == mart_row["metric_id"]
        assert got["Value"] == pytest.approx(mart_row["value"])
        assert got["Upper process limit"] == (
            None if mart_row["upper_limit"] is None else pytest.approx(mart_row["upper_limit"])
        )
        assert got["Variation"] == mart_row["variation"]
        assert got["Assurance"] == mart_row["assurance"]
        assert got["Rule fired"] == mart_row["rule_fired"]


def test_the_npa_table_agrees_with_the_mart_in_every_format(packs, demo):
    """Seed 003's table by neighbourhood policing area (all crime, the quarter and its last
    month against a year earlier): each row's counts, change, percent change and significance
    in the HTML, the PDF's text and the workbook's NPAs sheet are mart_npa_crime's columns, in
    the mart's order; the seven areas of seed 003 are there and North West Leicestershire is
    kept, marked as not among them."""
    board, public, _ = packs
    with duckdb.connect(str(demo[0].published_dir / "marts.duckdb"), read_only=True) as con:
        cursor = con.execute(
            """
            select * from mart_npa_crime
            where metric_id = 'all_crime'
              and ((period_type = 'quarter' and period_label = ?)
                   or (period_type = 'month' and period_end = (
                       select max(period_end) from mart_npa_crime where period_label = ?)))
              and (member_type <> 'unmapped' or crime_count > 0 or year_ago_crime_count > 0)
            order by case period_type when 'quarter' then 0 else 1 end, sort_order
            """,
            [QUARTER, QUARTER],
        )
        names = [d[0] for d in cursor.description]
        mart = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    quarter_rows = [r for r in mart if r["period_type"] == "quarter"]
    assert {r["npa_name"] for r in quarter_rows if r["in_seed_003_list"]} == {
        "Harborough and Wigston", "City Centre", "East Leicester", "Hinckley and Blaby",
        "Charnwood", "Melton and Rutland", "West Leicester",
    }  # fmt: skip
    assert "north_west_leicestershire" in {r["npa_code"] for r in quarter_rows}
    assert {r["period_type"] for r in mart} == {"quarter", "month"}
    assert all(r["significance"] != "not tested" for r in quarter_rows)

    def cells(row: dict) -> list[str]:
        return [
            row["npa_name"] + ("*" if row["npa_code"] == "north_west_leicestershire" else ""),
            f"{row['crime_count']:,}",
            "-" if row["year_ago_crime_count"] is None else f"{row['year_ago_crime_count']:,}",
            "-" if row["change_count"] is None else f"{row['change_count']:+,}",
            "-" if row["pct_change"] is None else f"{row['pct_change']:+.1f}%",
            row["significance"],
        ]

    # HTML (both editions: nothing here is restricted)
    for pack in (board, public):
        html = pack.html.read_text(encoding="utf-8")
        printed = [
            [cell for cell in re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row)]
            for row in re.findall(r'<tr class="npa-row".*?</tr>', html, flags=re.S)
        ]
        assert printed == [cells(row) for row in mart]
    # PDF: each printed row is one line of the laid-out text
    lines = [flat(line) for line in pdf_text(board.pdf).splitlines()]
    pdf_rows = [line for line in lines if any(line.startswith(flat(r["npa_name"])) for r in mart)]
    want = [flat("".join(cells(row))) for row in mart]
    assert [line for line in pdf_rows if line in want] == want
    # The workbook's NPAs sheet: the mart's values, unrounded
    sheet = load_workbook(board.xlsx, read_only=True)["NPAs"]
    book = [r for r in sheet.iter_rows(values_only=True) if r and r[0]]
    header, rows = book[0], [dict(zip(book[0], r, strict=True)) for r in book[1:]]
    assert header[:9] == (
        "Period type", "Period", "A year earlier", "Area", "Recorded crime",
        "Crime a year earlier", "Change", "Change %", "Significance",
    )  # fmt: skip
    assert len(rows) == len(mart)
    for got, row in zip(rows, mart, strict=True):
        assert (got["Period"], got["Area"], got["Recorded crime"]) == (
            row["period_label"], row["npa_name"], row["crime_count"],
        )  # fmt: skip
        assert got["Crime a year earlier"] == row["year_ago_crime_count"]
        assert got["Change"] == row["change_count"]
        assert got["Significance"] == row["significance"]
        # a workbook keeps 15 significant digits
        assert got["Change %"] == (
            None if row["pct_change"] is None else pytest.approx(row["pct_change"], rel=1e-12)
        )
        assert got["p"] == pytest.approx(row["p"], rel=1e-12)
        assert got["Over-dispersion (phi)"] == pytest.approx(row["phi"], rel=1e-12)


def comparison_rows(published: Path) -> list[dict]:
    """The marts' funnel rows of the 12 months to the quarter's end, every comparison."""
    with duckdb.connect(str(published), read_only=True) as con:
        cursor = con.execute(
            "select * from (select * from mart_peer_comparison union all by name "
            "select * from mart_area_comparison) where period_type = '12_months' "
            "and period_end = date '2025-06-30' "
            "order by comparison, group_code, metric_id, rank_in_group"
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_the_funnel_section_prints_the_marts_rows_in_every_format(packs, demo):
    """The funnel-plot section prints mart_peer_comparison / mart_area_comparison as they are:
    a chart per metric for each comparison with one group (home units highlighted, limits from
    mart_funnel_limits), its table (the whole group when small, else the home units), and for
    CSP families each home CSP within its own family; the HTML, the PDF's text and the
    workbook's Comparisons sheet hold the same rows, with counts, residents, rates, verdicts and
    rank intervals."""
    board, _, _ = packs
    rows = comparison_rows(demo[0].published_dir / "marts.duckdb")
    comparisons = {r["comparison"] for r in rows}
    assert {"all_csps", "csp_family"} <= comparisons
    groups = {c: {r["group_code"] for r in rows if r["comparison"] == c} for c in comparisons}
    expected = []
    for row in rows:
        if len(groups[row["comparison"]]) > 1:
            shown = row["is_home"] and row["unit_code"] == row["group_code"]
        else:
            shown = row["units_in_group"] <= 15 or row["is_home"]
        if shown:
            expected.append(row)
    assert sum(r["comparison"] == "all_csps" for r in expected) == 9 * 5  # 9 CSPs, 5 metrics
    verdicts = {
        "above_99_8": "above the 99.8% limit", "above_95": "above the 95% limit",
        "within": "within the limits", "below_95": "below the 95% limit",
        "below_99_8": "below the 99.8% limit",
    }  # fmt: skip
    html = board.html.read_text(encoding="utf-8")
    printed = re.findall(
        r'<tr class="funnel-row" data-unit="([^"]+)" data-group="([^"]+)"><th scope="row">'
        r"(?:<strong>)?([^<]+)(?:</strong>)?</th>((?:<td[^>]*>[^<]*</td>)+)</tr>",
        html,
    )
    cells = [(unit, group, name, re.findall(r"<td[^>]*>([^<]*)</td>", tds))
             for unit, group, name, tds in printed]  # fmt: skip
    want = [
        (
            r["unit_code"], r["group_code"], r["unit_name"],
            [f"{r['numerator']:,}", f"{r['denominator']:,.0f}", display.number(r["value"]),
             verdicts[r["verdict"]], f"{r['rank_in_group']} of {r['units_in_group']}",
             f"{r['rank_best']}-{r['rank_worst']}"],
        )
        for r in expected
    ]  # fmt: skip
    assert sorted(cells) == sorted(want)
    # One chart per metric of each single-group comparison, with its text alternative.
    single = [c for c in comparisons if len(groups[c]) == 1]
    metrics = {(r["comparison"], r["metric_name"]) for r in rows if r["comparison"] in single}
    assert html.count('role="img" aria-label="Funnel plot: ') == len(metrics)
    # The PDF's text as laid out: each printed row's cells on one line, in order (cells are
    # top-aligned, so a wrapped name or verdict starts on the row's first line).
    lines = pdf_text(board.pdf).splitlines()
    for _, _, name, values in want:
        words = [name.split()[0], *values[:3], " ".join(values[3].split()[:2]), *values[4:]]
        pattern = r"\s+(?:.*?\s)?".join(re.escape(word) for word in words)
        assert any(re.search(rf"(?:^|\s){pattern}(?:\s|$)", line) for line in lines), (
            name, values,
        )  # fmt: skip
    # The workbook's Comparisons sheet: the same rows, the mart's numbers.
    sheet = [list(r) for r in load_workbook(board.xlsx, read_only=True)["Comparisons"]
             .iter_rows(values_only=True)]  # fmt: skip
    header, body = sheet[0], [dict(zip(sheet[0], r, strict=True)) for r in sheet[1:]]
    assert "Rank worst" in header
    by_key = {(r["Comparison"], r["Unit code"], r["Metric ID"], r["Group"]): r for r in body}
    assert len(by_key) == len(expected) == len(body)
    for row in expected:
        got = by_key[(row["comparison"], row["unit_code"], row["metric_id"], row["group_name"])]
        assert got["Count"] == row["numerator"]
        assert got["Value"] == pytest.approx(row["value"], rel=1e-12)
        assert got["Upper 99.8% limit"] == pytest.approx(row["upper_99_8_adjusted"], rel=1e-12)
        assert (got["Verdict"], got["Rank"], got["Rank best"], got["Rank worst"]) == (
            verdicts[row["verdict"]], row["rank_in_group"], row["rank_best"], row["rank_worst"],
        )  # fmt: skip


def test_the_written_page_is_a_fresh_render_numbered_from_the_printed_pdf(packs, demo):
    # write_pack draws the charts once for both printings (render.shown_values): the page it
    # leaves must be exactly what drawing everything again, numbered from its PDF, gives.
    published = demo[0].published_dir / "marts.duckdb"
    for files, public in ((packs[0], False), (packs[1], True)):
        pages = section_pages(files.pdf)
        assert pages, "the contents are numbered from the printed PDF"
        fresh = render_html(read_content(published, QUARTER, public), pages)
        assert files.html.read_text(encoding="utf-8") == fresh
