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
from csm_tui.domain.clock import FixedClock, parse_instant
from csm_tui.ui.app import make_app
from csm_tui.ui.widgets import virtual_table
from csm_tui.workspace import Workspace

ws = Workspace(db_path=Path(sys.argv[1]), clock=FixedClock(parse_instant(sys.argv[2])))
app = make_app(ws, start=sys.argv[3], sync_in_background=False)
paint = virtual_table.VirtualTable.render_line
seen = {}
LATER = (
    "csm_tui.sync.engine",
    "csm_tui.sync.conflicts",
    "csm_tui.ui.palette",
    "textual.widgets._text_area",
    "csm_tui.store.tasks",
)

def render_line(self, y):
    if not seen:
        seen.update({m: m in sys.modules for m in LATER})
        app.call_later(app.exit)
    return paint(self, y)

virtual_table.VirtualTable.render_line = render_line
app.run(headless=True, size=(160, 48))
print(json.dumps(seen))
"""


@pytest.mark.parametrize("start", ["today", "portfolio"])
def test_sync_engine_and_palette_load_after_the_first_paint(demo_db, start):
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
    }
