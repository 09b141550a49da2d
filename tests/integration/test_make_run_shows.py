"""What `make run` shows once the warehouse is built (`make show`): status, the demo board's
readiness and the board packs run side by side, and their outputs are printed whole, in a fixed
order, whatever finished first; a part that fails still prints, and fails the target."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

from tests.conftest import PROJECT_ROOT

PARTS = ("status", "readiness", "board-pack", "public-pack", "held-board-pack")
# The first line each part prints, so their order in make's output is visible.
FIRST_LINES = {
    "status": "Warehouse: ",
    "readiness": "Readiness of the 2025-11-05 delivery board as of 2025-10-20",
    "board-pack": "Board pack, board (restricted: not for publication):",
    "public-pack": "Board pack, public:",
    # The board of 2025-07-30 is held: its pack is read from its snapshot.
    "held-board-pack": "Board pack, board (restricted: not for publication):",
}


def _make_show(data_dir: Path, *overrides: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PCP_", "DAGSTER_"))}
    return subprocess.run(
        ["make", "--no-print-directory", "show", f"PCP_DATA_DIR={data_dir}", *overrides],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_four_parts_print_whole_and_in_order(demo_copy):
    settings, _ = demo_copy
    data_dir = settings.landing_dir.parent
    made = _make_show(data_dir)
    assert made.returncode == 0, made.stdout[-2000:] + made.stderr
    # Each part's own output, found after the one before it.
    positions, start = [], 0
    for part in PARTS:
        start = made.stdout.find(
            (data_dir / "logs" / "make-run" / f"{part}.txt").read_text(), start
        )
        positions.append(start)
    assert -1 not in positions and positions == sorted(positions), made.stdout[:3000]
    assert [
        made.stdout.find(FIRST_LINES[part], at) for part, at in zip(PARTS, positions, strict=True)
    ] == positions
    # Whole: each part's output is one block, as the part wrote it.
    shown = data_dir / "logs" / "make-run"
    for part in PARTS:
        text = (shown / f"{part}.txt").read_text(encoding="utf-8")
        assert text in made.stdout, part
        # Private like everything under the data dir (readiness names board leads).
        assert not stat.S_IMODE((shown / f"{part}.txt").stat().st_mode) & 0o007, part
    assert "37 of 39 ready; 2 not ready." in made.stdout
    pdfs = sorted(p.name for p in (data_dir / "packs").glob("*.pdf"))
    assert pdfs == [
        "board-pack-2025-26-Q1-board.pdf",
        "board-pack-2025-26-Q2-board.pdf",
        "board-pack-2025-26-Q2-public.pdf",
    ]


def test_a_part_that_fails_still_prints_in_its_place_and_fails_the_target(demo_copy):
    settings, _ = demo_copy
    data_dir = settings.landing_dir.parent
    made = _make_show(data_dir, "PACK_QUARTER=2001/02-Q1")
    assert made.returncode != 0
    status, readiness = (made.stdout.find(FIRST_LINES[part]) for part in PARTS[:2])
    assert -1 < status < readiness, made.stdout[:3000]
    # Each latest-quarter pack's own one-line refusal, after readiness: nothing is lost.
    assert made.stdout.count("2001/02-Q1") == 2, made.stdout[-2000:]
    assert made.stdout.find("2001/02-Q1") > readiness
    # The held board's pack (its own quarter) is still written.
    assert [p.name for p in (data_dir / "packs").glob("*.pdf")] == [
        "board-pack-2025-26-Q1-board.pdf"
    ]
