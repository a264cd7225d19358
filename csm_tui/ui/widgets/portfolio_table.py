"""The portfolio's table of accounts, fed by SQL one window at a time.

A `VirtualTable` (ui/widgets/virtual_table.py): its cost follows the rows on screen, its
columns come in priority order — name, tier, health, ARR, renewal, last touch, then stage
and owner — and what does not fit the width is one horizontal scroll away, the name staying
put. Text from the book (names, owners) is made safe with `domain.text.safe_text` and
painted as plain segments, so markup and escape sequences in it never take effect.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, Protocol

from textual.message import Message

from csm_tui.domain.agenda import RENEWAL_HORIZON_DAYS
from csm_tui.domain.cadence import TouchStatus
from csm_tui.domain.clock import local_day
from csm_tui.domain.health_terms import arrow_for, band_for
from csm_tui.domain.humanize import format_money, never, relative_day
from csm_tui.domain.text import safe_text
from csm_tui.domain.tiers import Tier
from csm_tui.i18n import N_, _, ngettext
from csm_tui.ui.widgets.virtual_table import Cell, Column, RowSource, VirtualTable


class PortfolioRowLike(Protocol):
    """What a row shows (read-only: `store.portfolio.PortfolioRow` is frozen)."""

    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def tier(self) -> str: ...

    @property
    def health_score(self) -> int | None: ...

    @property
    def health_score_30d(self) -> int | None: ...

    @property
    def arr(self) -> float: ...

    @property
    def currency(self) -> str: ...

    @property
    def stage(self) -> str: ...

    @property
    def renewal_date(self) -> date | None: ...

    @property
    def last_touch_at(self) -> datetime | None: ...

    @property
    def owner_name(self) -> str | None: ...

    @property
    def cadence_days(self) -> int | None: ...


# In priority order: the first ones show at any width, the rest scroll into view.
COLUMNS: tuple[Column, ...] = (
    Column("name", "Account", 16, flex=40, words=False),
    Column("tier", "Tier", 10),
    Column("health", "Health", 7),
    Column("arr", "ARR", 8, "right"),
    Column("renewal", "Renewal", 12, grow=5),  # "13 days overdue", "16 months ago" when wide
    Column("last_touch", "Last touch", 12, grow=2),
    Column("stage", "Stage", 10),
    Column("owner", "Owner", 14, grow=8, words=False),
)

STAGE_LABELS = {
    "renewal": N_("Renewal"),
    "onboarding": N_("Onboarding"),
    "activation": N_("Activation"),
    "adoption": N_("Adoption"),
    "churned": N_("Churned"),
}
"""The stage column's short words (msgids), shown with `_()`."""


class PortfolioTable(VirtualTable):
    """The portfolio's account table: keyboard-first, virtualised, safe, any width."""

    COLUMNS = COLUMNS
    FROZEN = 1

    class Opened(Message):
        """The user asked to open the account under the cursor."""

        def __init__(self, account_id: str) -> None:
            super().__init__()
            self.account_id = account_id

    class Highlighted(Message):
        def __init__(self, account_id: str | None, index: int) -> None:
            super().__init__()
            self.account_id = account_id
            self.index = index

    def __init__(
        self,
        today: Callable[[], date],
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._today = today

    def set_source(
        self,
        source: RowSource,
        keep_key: str | None = None,
        fallback: int = 0,
        *,
        keep_account: str | None = None,
        at: int | None = None,
        blocks: Mapping[int, Sequence[Any]] | None = None,
    ) -> None:
        """Show another query's rows (new filter or sort); keep the cursor on an account
        (or at `at`, found by a worker; see VirtualTable.set_source)."""
        super().set_source(
            source, keep_key=keep_account or keep_key, fallback=fallback, at=at, blocks=blocks
        )

    def row_key(self, row: PortfolioRowLike) -> str | None:
        return row.id

    @property
    def current_account_id(self) -> str | None:
        return self.current_key

    def cells(self, row: PortfolioRowLike) -> list[Cell]:
        today = self._today()
        tier = Tier(row.tier)
        tier_style = {Tier.STRATEGIC: "strategic", Tier.ENTERPRISE: "enterprise"}.get(tier)
        if row.health_score is None:
            health = ("  —", "dim")
        else:
            delta = (
                None if row.health_score_30d is None else row.health_score - row.health_score_30d
            )
            band = band_for(row.health_score).value
            health = (f"● {row.health_score:>3} {arrow_for(delta)}", band)
        renewal: tuple[str, str | None] = ("—", "dim")
        if row.renewal_date is not None:
            days = (row.renewal_date - today).days
            style = "overdue" if days < 0 else "soon" if days <= RENEWAL_HORIZON_DAYS else None
            when = relative_day(row.renewal_date, today)
            if row.stage == "churned":
                style = "dim"
            elif days < 0:  # not "4 days ago": the renewal did not happen, it is late
                when = ngettext("{n} day overdue", "{n} days overdue", -days).format(n=-days)
            renewal = (when, style)
        zone = getattr(self._source, "zone", UTC)  # the user's: days since are theirs
        touched = None if row.last_touch_at is None else local_day(row.last_touch_at, zone)
        status = TouchStatus(
            tier, row.cadence_days, None if touched is None else max(0, (today - touched).days)
        )
        touch: tuple[str, str | None]
        if touched is None:
            touch = (never(), "overdue" if status.overdue else "dim")
        else:
            touch = (relative_day(touched, today), "overdue" if status.overdue else None)
        return [
            (safe_text(row.name), None),
            (_(tier.label), tier_style),
            health,
            (format_money(row.arr, row.currency), None),
            renewal,
            touch,
            (
                _(STAGE_LABELS[row.stage]) if row.stage in STAGE_LABELS else row.stage.title(),
                "dim" if row.stage == "churned" else None,
            ),
            (safe_text(row.owner_name or "—"), None if row.owner_name else "dim"),
        ]
