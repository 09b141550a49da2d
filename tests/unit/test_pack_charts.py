"""The pack's funnel plots label their log axis in plain numbers a board reads ("200,000"),
at one size, not in powers of ten."""

from __future__ import annotations

import re

from orchestration.pack import charts


def _limits(low: int, high: int, points: int = 20) -> list[dict]:
    step = (high / low) ** (1 / (points - 1))
    rows = []
    for i in range(points):
        n = low * step**i
        width = 2 * (7.5 / n * 1000) ** 0.5 * 10
        rows.append(
            {"denominator": n, "target_value": 7.5}
            | {f"lower_{c}": 7.5 - width for c in ("95_adjusted", "99_8_adjusted")}
            | {f"upper_{c}": 7.5 + width for c in ("95_adjusted", "99_8_adjusted")}
        )
    return rows


def _unit(name: str, denominator: int, value: float, home: bool) -> dict:
    return {
        "unit_name": name, "denominator": denominator, "value": value, "is_home": home,
        "verdict": "within", "verdict_words": "within the limits", "target_value": 7.5,
        "denominator_words": "residents",
    }  # fmt: skip


def _tick_labels(svg: str) -> list[str]:
    # svg.fonttype "none": each label is a <text> element holding its words (matplotlib's
    # powers of ten were drawn as several pieces, none of them a plain number).
    return [re.sub(r"<[^>]+>", "", t).strip() for t in re.findall(r"<text[^>]*>.*?</text>", svg)]


def test_log_axis_labels_are_plain_numbers():
    units = [
        _unit("Charnwood", 184_748, 9.5, True),
        _unit("Melton and Rutland", 92_000, 5.6, True),
        _unit("West Leicester", 149_755, 12.9, False),
        _unit("Hinckley and Blaby", 230_000, 6.2, False),
    ]
    svg = charts.funnel(units, _limits(60_000, 250_000), "Funnel plot: shoplifting", "per 1,000")
    labels = _tick_labels(svg)
    # 100,000 and 200,000 on major and minor ticks alike, 60,000 at the axis's start.
    assert {"60,000", "100,000", "200,000"} <= set(labels)
    # Every tick label at the axis's 6.5 pt (a minor tick's was 10 pt beside a major's 6.5).
    sizes = {
        size
        for size, text in re.findall(r"font-size: ([\d.]+)px[^>]*>([^<]*)<", svg)
        if text.strip().replace(",", "").isdigit()
    }
    assert sizes == {"6.5"}
