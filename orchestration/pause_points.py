"""Named points where a test can freeze the process, to kill it there and prove recovery.

Crash-safety is only proven by killing the process at the awkward moment: half-way through
intake, through dbt, through publication. A test sets ``PCP_PAUSE_AT`` to a point's name and
``PCP_PAUSE_FILE`` to a path; the process writes that file when it reaches the point and then
waits to be killed. Without the variables (always, outside tests) a pause point does nothing.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

PAUSE_AT = "PCP_PAUSE_AT"
PAUSE_FILE = "PCP_PAUSE_FILE"
# The points, so a test cannot name one that does not exist.
POINTS = frozenset(
    {
        "intake.between_files",  # one file of a dataset committed, the next not yet
        "build.dbt_running",  # dbt build started (the child process is writing)
        "publication.copying",  # the published copy is half written
    }
)


def pause_point(name: str) -> None:
    assert name in POINTS, name
    if os.environ.get(PAUSE_AT) != name:
        return
    marker = os.environ.get(PAUSE_FILE)
    if marker:
        # Written whole, then renamed: a test polling for the file never reads it half-written.
        partial = Path(f"{marker}.part")
        partial.write_text(str(os.getpid()), encoding="utf-8")
        partial.replace(marker)
    while True:  # until killed
        time.sleep(60)
