"""The Q1 2025/26 board pack's delivery actions: seed 002 para 13's summary sentences and para
16's table of new actions, printed from the marts as they are, in both editions."""

from __future__ import annotations

import re
from html import unescape

import duckdb
import pytest

from orchestration.pack.actions import SUMMARY_COLUMNS
from orchestration.pack.content import read_content
from orchestration.pack.render import render_html

pytestmark = pytest.mark.slow
QUARTER = "2025/26-Q1"
# Seed 002 paras 13a-d, 14 and 16, as the board's report words them.
SEED_SENTENCES = [
    "Overall, 9% of the plan has been completed to date.",
    "7 actions have been completed within the quarter.",
    "There are a further 6 actions in progress.",
    "A further 2 actions have been completed ahead of schedule.",
    "Overall, there were 12 actions within the plan where changes were agreed.",
    "An additional 5 actions were created and agreed by the board.",
]
# The whole-plan actions by milestone (not in seed 002: its para 15 asked how to track them).
MILESTONE_SENTENCE = (
    "Of the 14 milestones of whole-plan actions reported to date, 3 have been reached "
    "(3 within the quarter) and 0 are overdue."
)


def items(html: str, element_id: str, tag: str = "li") -> list[str]:
    block = re.search(rf'id="{element_id}"[^>]*>(.*?)</(ul|table)>', html, re.S).group(1)
    return [
        unescape(re.sub(r"<[^>]+>", "", cell)).strip()
        for cell in re.findall(rf"<{tag}[^>]*>(.*?)</{tag}>", block, re.S)
    ]


@pytest.mark.parametrize("public", [False, True])
def test_the_summary_sentences_are_the_marts_and_seed_002s(demo, public):
    settings, _ = demo
    published = settings.published_dir / "marts.duckdb"
    html = render_html(read_content(published, QUARTER, public))
    with duckdb.connect(str(published), read_only=True) as con:
        mart = con.execute(
            f"select {', '.join(SUMMARY_COLUMNS)} from mart_action_progress "
            "where reporting_quarter = ? and is_total",
            [QUARTER],
        ).fetchall()
    assert items(html, "actions-summary") == list(mart[0]) == [*SEED_SENTENCES, MILESTONE_SENTENCE]


def test_the_milestones_table_is_the_marts(demo):
    settings, _ = demo
    published = settings.published_dir / "marts.duckdb"
    html = render_html(read_content(published, QUARTER, True))
    rows = re.findall(r"<tr>(.*?)</tr>", re.search(r'id="milestones-table".*?</table>', html,
                      re.S).group(0), re.S)  # fmt: skip
    table = [
        [unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r)]
        for r in rows[1:]
    ]  # fmt: skip
    with duckdb.connect(str(published), read_only=True) as con:
        mart = con.execute(
            "select reference, milestone, strftime(milestone_due, '%d %b %Y'), "
            "coalesce(strftime(milestone_reached, '%d %b %Y'), ''), milestone_state "
            "from mart_action_milestones where reporting_quarter = ? "
            "order by reference, milestone_due, milestone",
            [QUARTER],
        ).fetchall()
    assert [(r[0], r[3], r[4], r[5], r[6]) for r in table] == mart
    # The demo's story at the Q1 board: every whole-plan action reports its first milestone,
    # three reached in June, the rest due next quarter.
    assert len(mart) == 14
    assert sorted(state for *_, state in mart) == ["due next quarter"] * 11 + ["reached"] * 3


def test_the_new_actions_table_is_seed_002_para_16(demo):
    settings, _ = demo
    html = render_html(read_content(settings.published_dir / "marts.duckdb", QUARTER, False))
    rows = re.findall(r"<tr>(.*?)</tr>", re.search(r'id="new-actions-table".*?</table>', html,
                      re.S).group(0), re.S)  # fmt: skip
    table = [
        [unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r)]
        for r in rows[1:]
    ]  # fmt: skip
    assert table == [
        ["10.3", "Plan for future young drivers provision once current Pathfinder contact",
         "Road Safety"],
        ["11.6", "Govt Lobbying around large scale disturbance", "Neighbourhood Crime"],
        ["2.0 / 12.1 / 12", "Implementation of the Force Led Victim Pathway Team",
         "Supporting Victims"],
        ["5/ 5.1 / 5.2", "Report to be produced for CGB on force demand modelling as produced",
         "Policing"],
        ["9.3", "Lobbying for new outcome type around property recovered", "Business Crime"],
    ]  # fmt: skip
    completed = items(html, "completed-actions")
    assert len(completed) == 9  # seed 002 para 17: 9 completed during quarter 1
    assert any(c.startswith("Body worn video devices") for c in completed)


def test_the_workbook_carries_the_progress_and_register_as_the_mart(demo, tmp_path):
    from openpyxl import load_workbook

    from orchestration.pack.workbook import write_xlsx

    settings, _ = demo
    published = settings.published_dir / "marts.duckdb"
    path = tmp_path / "pack.xlsx"
    write_xlsx(read_content(published, QUARTER, True), path)
    book = load_workbook(path, read_only=True)
    progress = list(book["Action progress"].iter_rows(values_only=True))
    total = next(row for row in progress if row and row[0] == "All delivery strategies")
    assert total[:4] == ("All delivery strategies", 127, 11, 8.7)
    assert [row[0] for row in progress[-7:]] == [*SEED_SENTENCES, MILESTONE_SENTENCE]
    milestones = list(book["Action milestones"].iter_rows(values_only=True))
    assert milestones[0][3:] == ("Milestone", "Due", "Reached", "State")
    assert len(milestones) - 1 == 14
    register = list(book["Action register"].iter_rows(values_only=True))
    with duckdb.connect(str(published), read_only=True) as con:
        (actions,) = con.execute(
            "select count(*) from mart_action_register where reporting_quarter = ?", [QUARTER]
        ).fetchone()
    assert len(register) - 1 == actions == 132
