"""Start-up: what the first paint does not need loads after it (issue 12)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import FROZEN_NOW

CHILD = r"""
import json, sys
from pathlib import Path
from textual.app import App
from textual.worker_manager import WorkerManager
from csm_tui.domain.clock import FixedClock, parse_instant
from csm_tui.ui.app import make_app
from csm_tui.workspace import Workspace

ws = Workspace(db_path=Path(sys.argv[1]), clock=FixedClock(parse_instant(sys.argv[2])))
app = make_app(ws, start=sys.argv[3], sync_in_background=False)
display = App._display
add_worker = WorkerManager.add_worker
seen = {}
started = set()

def record(self, worker, *args, **kwargs):
    started.add(worker.group)
    return add_worker(self, worker, *args, **kwargs)

WorkerManager.add_worker = record
LATER = (
    "csm_tui.sync.engine",
    "csm_tui.sync.conflicts",
    "csm_tui.ui.palette",
    "textual.widgets._text_area",
    "csm_tui.store.tasks",
)

# The first frame drawn: Textual mounts the first screen inside a batch update, where a
# frame is made and dropped (not drawn); the first one drawn comes after it.
def first_frame(self, screen, renderable):
    if renderable is not None and not seen and not self._batch_count:
        seen.update({m: m in sys.modules for m in LATER})
        seen["reads started"] = sorted(g for g in started if g.startswith("read:"))
        self.call_later(self.exit)
    return display(self, screen, renderable)

App._display = first_frame
app.run(headless=True, size=(160, 48))
print(json.dumps(seen))
"""


@pytest.mark.parametrize("start", ["today", "portfolio"])
def test_sync_engine_palette_and_agenda_wait_for_the_first_frame_drawn(demo_db, start):
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(demo_db), FROZEN_NOW.isoformat(), start],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    loaded = json.loads(out.strip().splitlines()[-1])
    assert loaded == {
        "csm_tui.sync.engine": False,
        "csm_tui.sync.conflicts": False,
        "csm_tui.ui.palette": False,  # its providers load when the palette opens
        "csm_tui.store.tasks": False,  # Today: when a task is completed or snoozed
        "textual.widgets._text_area": False,  # no screen shown first has one
        # Today's agenda is built in Python in a thread: started before the first frame,
        # it took the GIL from the painting. The portfolio's rows are read by SQLite (the
        # GIL released), from the screen's mount: they follow the frame at once.
        "reads started": {"today": [], "portfolio": ["read:rows"]}[start],
    }
