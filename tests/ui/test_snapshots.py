"""Snapshots of what a CSM sees, on the fixed demo seed at the frozen instant."""

from __future__ import annotations

from csm_tui.ui.app import make_app


def test_portfolio_snapshot(workspace, snap_compare):
    assert snap_compare(make_app(workspace, start="portfolio"), terminal_size=(160, 48))


def test_today_snapshot(workspace, snap_compare):
    assert snap_compare(make_app(workspace), terminal_size=(160, 48))
