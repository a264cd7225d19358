"""The reporting currency as the screens tell totals: the `currency` setting, at the rate in
force today (as `csm-tui run coverage` shows them)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from csm_tui.domain.money import Reporting

if TYPE_CHECKING:
    from csm_tui.workspace import Workspace


def reporting_of(workspace: Workspace, period: tuple[date, date] | None = None) -> Reporting:
    """Totals in the `currency` setting at the rate in force today; with `period`, whether
    the rate changed in it."""
    from csm_tui.store.rates import load_rates

    rates = load_rates(workspace.conn, workspace.settings.tier_rules.cny_per_usd)
    return Reporting.on(workspace.settings.currency, rates, workspace.today(), period)
