"""One CSM's accounts (or the digital pool's), opened from Coverage; `r` reassigns one.

The accounts are the live book as coverage counts it (churned accounts are nobody's
work); `ReassignScreen` picks the CSM an account goes to (same team, lightest book
first) and the change is queued for sync.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from csm_tui.domain.coverage import CsmCoverage
from csm_tui.domain.language.filters import PortfolioSort, parse_filter
from csm_tui.domain.lifecycle import STAGE_ORDER, Stage
from csm_tui.domain.text import safe_text
from csm_tui.i18n import N_, _, ngettext
from csm_tui.ui.reporting import reporting_of
from csm_tui.ui.widgets.coverage_charts import csm_name, money
from csm_tui.ui.widgets.footer import Footer
from csm_tui.workspace import Workspace

if TYPE_CHECKING:
    from csm_tui.store.assignments import Candidate
    from csm_tui.ui.widgets.portfolio_table import PortfolioTable


class CsmAccountsScreen(Screen[None]):
    """The accounts of one CSM (or the digital pool); `r` hands the selected one on."""

    TITLE = N_("Accounts")

    BINDINGS = [
        Binding("escape", "back", N_("Back"), id="csm_accounts.back"),
        Binding("r", "reassign", N_("Reassign"), id="csm_accounts.reassign"),
    ]

    def __init__(self, workspace: Workspace, csm: CsmCoverage) -> None:
        super().__init__()
        self.workspace = workspace
        self.csm = csm

    def compose(self) -> ComposeResult:
        from csm_tui.ui.widgets.portfolio_table import PortfolioTable

        yield Static(id="csm-accounts-title", markup=False)
        yield PortfolioTable(self.workspace.today, id="csm-accounts-table")
        yield Footer()

    def on_mount(self) -> None:
        self._reload()
        self.query_one("#csm-accounts-table").focus()

    def _reload(self, keep_account: str | None = None) -> None:
        from csm_tui.store.portfolio import PortfolioQuery
        from csm_tui.ui.widgets.portfolio_table import PortfolioTable

        ws = self.workspace
        # The live book, as coverage counts it: churned accounts are nobody's work.
        owner = "owner:none" if self.csm.is_pool else "owner:me"
        live = ",".join(stage.value for stage in STAGE_ORDER if stage is not Stage.CHURNED)
        query = PortfolioQuery(
            ws.conn,
            parse_filter(f"{owner} stage:{live}"),
            PortfolioSort.TIER_HEALTH,
            ws.today(),
            self.csm.user_id,
            ws.settings.tier_rules,
            zone=ws.zone,
        )
        table = self.query_one(PortfolioTable)
        table.set_source(query, keep_account=keep_account)
        self._show_title()

    def _show_title(self) -> None:
        from csm_tui.ui.widgets.portfolio_table import PortfolioTable

        table = self.query_one(PortfolioTable)
        title = Text(
            _("Accounts of {name}").format(name=safe_text(csm_name(self.csm))), style="bold"
        )
        team = f" · {safe_text(self.csm.team_name)}" if self.csm.team_name else ""
        title.append(
            team
            + ngettext(
                " · {n} account · r reassigns the selected one",
                " · {n} accounts · r reassigns the selected one",
                table.row_count,
            ).format(n=f"{table.row_count:,}"),
            style="dim",
        )
        self.query_one("#csm-accounts-title", Static).update(title)

    def retranslate(self) -> None:
        self._show_title()

    def action_back(self) -> None:
        self.app.pop_screen()

    def on_portfolio_table_opened(self, event: PortfolioTable.Opened) -> None:
        from csm_tui.ui.screens.account import AccountScreen

        self.app.push_screen(AccountScreen(self.workspace, event.account_id))

    def action_reassign(self) -> None:
        from csm_tui.store.assignments import ReassignError, candidates
        from csm_tui.store.ownership import hand_on_refusal_in
        from csm_tui.ui.widgets.portfolio_table import PortfolioTable

        table = self.query_one(PortfolioTable)
        account_id = table.current_account_id
        if account_id is None:
            return
        me = self.workspace.meta("me")
        why = hand_on_refusal_in(self.workspace.conn, account_id, me)  # the shell's rule too
        if why is not None:
            self.notify(
                _("Cannot reassign: {why}.").format(why=why.render()),
                severity="error",
            )
            return
        try:
            people = candidates(self.workspace.conn, account_id, me)
        except ReassignError as exc:
            self.notify(str(exc), severity="error")
            return
        if not people:
            self.notify(_("No other CSM in this team to take it."), severity="warning")
            return
        row = table.row_at(table.cursor_row)
        name = row.name if row is not None else account_id

        def done(new_owner: str | None) -> None:
            if new_owner is not None:
                self._reassign(account_id, name, new_owner, people)

        money = reporting_of(self.workspace).money
        self.app.push_screen(ReassignScreen(name, people, money), done)

    def _reassign(
        self, account_id: str, name: str, new_owner: str, people: Sequence[Candidate]
    ) -> None:
        from csm_tui.store.assignments import ReassignError, reassign_account

        ws = self.workspace
        try:
            reassign_account(ws.conn, account_id, new_owner, by_user_id=ws.meta("me"),
                             now=ws.now())  # fmt: skip
        except ReassignError as exc:
            self.notify(str(exc), severity="error")
            return
        who = next((p.name for p in people if p.user_id == new_owner), new_owner)
        self.notify(
            Text(
                _("{name} → {who}; queued for sync").format(
                    name=safe_text(name), who=safe_text(who)
                )
            ).plain,
            timeout=4,
        )
        self._reload()


class ReassignScreen(ModalScreen[str | None]):
    """Pick the CSM an account goes to: same team, lightest book first."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="reassign.cancel")]

    def __init__(
        self,
        account_name: str,
        people: Sequence[Candidate],
        money: Callable[[float], str] = money,
    ) -> None:
        super().__init__()
        self.account_name = account_name
        self.people = people
        self.money = money  # how ARR is told: the reporting currency

    def compose(self) -> ComposeResult:
        with Vertical(id="reassign-box"):
            yield Static(
                Text(
                    _("Reassign {name} to…").format(name=safe_text(self.account_name)),
                    style="bold",
                ),
                markup=False,
            )
            yield OptionList(
                *(
                    Option(
                        Text(
                            ngettext(
                                "{name} — {n} account, {arr} ARR",
                                "{name} — {n} accounts, {arr} ARR",
                                p.accounts,
                            ).format(
                                name=safe_text(p.name), n=f"{p.accounts:,}", arr=self.money(p.arr)
                            )
                        ),
                        id=p.user_id,
                    )
                    for p in self.people
                ),
                id="reassign-options",
            )
            yield Static(
                _("enter: reassign · escape: cancel"), classes="reassign-hint", markup=False
            )

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
