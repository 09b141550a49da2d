"""The pack's chart of delivery progress by strategy: mart counts drawn, nothing counted."""

from __future__ import annotations

import matplotlib.pyplot as plt

from orchestration.pack.charts import _svg

# (mart column, legend label, colour): the statuses stacked left to right.
SEGMENTS = (
    ("completed_to_date", "completed", "#2e7d32"),
    ("in_progress", "in progress", "#1f3b73"),
    ("at_risk", "at risk", "#b5121b"),
    ("not_started", "not started", "#c8c8c8"),
)


def progress_by_strategy(rows: list[dict]) -> str:
    rows = sorted(rows, key=lambda r: r["delivery_strategy"], reverse=True)
    names = [r["delivery_strategy"] for r in rows]
    figure, axes = plt.subplots(figsize=(6.5, 0.4 + 0.24 * len(rows)), dpi=96)
    left = [0] * len(rows)
    for column, label, colour in SEGMENTS:
        widths = [r[column] for r in rows]
        axes.barh(names, widths, left=left, color=colour, label=label, height=0.7)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    axes.tick_params(labelsize=7)
    axes.set_xlabel("actions", fontsize=7)
    axes.legend(fontsize=6, ncols=4, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    description = "; ".join(
        f"{r['delivery_strategy']}: {r['completed_to_date']} completed, {r['in_progress']} in "
        f"progress, {r['at_risk']} at risk, {r['not_started']} not started of "
        f"{r['actions_total']}"
        for r in sorted(rows, key=lambda r: r["delivery_strategy"])
    )
    return _svg(figure, "Delivery progress by strategy", description)
