"""Record a renewal decision (`R` on an account) and set a tier override (`T`).

The domain checks the decision and returns every field's problem at once; each shows
beside its field and nothing typed is lost. The modal returns the recorded decision (or
the override set), None when cancelled.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from csm_tui.domain.dates import DueDateError, add_months, parse_due
from csm_tui.domain.humanize import format_money
from csm_tui.domain.lifecycle import Stage
from csm_tui.domain.renewals import RenewalDraft, RenewalInvalid, RenewalOutcome, decide
from csm_tui.domain.text import safe_text
from csm_tui.domain.tiers import OverrideReason, Tier
from csm_tui.i18n import N_, _
from csm_tui.ui.labels import override_reason_label, tier_label
from csm_tui.workspace import Workspace

if TYPE_CHECKING:  # the results' types, named in the quoted ModalScreen[...] bases below
    from csm_tui.store.renewals import OverrideSet, RecordedDecision  # noqa: F401

OUTCOME_LABELS = {
    RenewalOutcome.RENEWED: N_("Renewed (flat, up or down from the new ARR)"),
    RenewalOutcome.CHURNED: N_("Churned (ARR to 0, say why)"),
    RenewalOutcome.WIN_BACK: N_("Won back (a churned account returns)"),
}
DECISION_FIELDS = ("outcome", "arr_after", "term_end", "decided_on", "reason")


def _amount(text: str) -> float | None:
    """An amount typed as 120000, 120,000, 120k, 1.2m or 80万; None when empty."""
    cleaned = text.strip().replace(",", "").lstrip("$¥￥")
    if not cleaned:
        return None
    units = {"k": 1_000, "m": 1_000_000, "万": 10_000}
    mult = units.get(cleaned[-1].lower(), 1)
    if mult != 1:
        cleaned = cleaned[:-1]
    return float(cleaned) * mult


class RenewalFormScreen(ModalScreen["RecordedDecision | None"]):
    """Outcome, new ARR (the account's currency), term end, the day decided, reason."""

    BINDINGS = [
        Binding("ctrl+s", "save", N_("Save"), id="renewal.save"),
        Binding("escape", "cancel", N_("Cancel"), id="renewal.cancel"),
    ]

    def __init__(self, workspace: Workspace, account_id: str) -> None:
        super().__init__()
        self.workspace = workspace
        self.account_id = account_id
        row = workspace.conn.execute(
            "SELECT name, arr, currency, stage, renewal_date FROM accounts WHERE id = ?",
            (account_id,),
        ).fetchone()
        self.name_ = row[0]
        self.arr = float(row[1])
        self.currency = row[2]
        self.stage = Stage(row[3])
        self.renewal_date = date.fromisoformat(row[4]) if row[4] else None

    def compose(self) -> ComposeResult:
        today = self.workspace.today()
        churned = self.stage is Stage.CHURNED
        outcome = RenewalOutcome.WIN_BACK if churned else RenewalOutcome.RENEWED
        base = self.renewal_date if self.renewal_date and self.renewal_date > today else today
        with VerticalScroll(id="renewal-form", classes="form"):
            yield Static(
                _("Renewal decision — {name} · ARR now {arr}").format(
                    name=safe_text(self.name_), arr=format_money(self.arr, self.currency)
                ),
                classes="form-title",
                markup=False,
            )
            yield Label(_("Outcome"), classes="form-label", markup=False)
            yield Select(
                [(_(label), o.value) for o, label in OUTCOME_LABELS.items()],
                value=outcome.value,
                allow_blank=False,
                id="field-outcome",
            )
            yield Static(id="error-outcome", classes="form-error", markup=False)
            yield Label(
                _("New ARR ({currency}; 120k, 1.2m)").format(currency=self.currency),
                classes="form-label",
                markup=False,
            )
            yield Input("" if churned else f"{self.arr:.2f}".rstrip("0").rstrip("."),
                        id="field-arr_after")  # fmt: skip
            yield Static(id="error-arr_after", classes="form-error", markup=False)
            yield Label(_("Term end (the next renewal date)"), classes="form-label", markup=False)
            yield Input(add_months(base, 12).isoformat(), id="field-term_end")
            yield Static(id="error-term_end", classes="form-error", markup=False)
            yield Label(_("Decided on"), classes="form-label", markup=False)
            yield Input(today.isoformat(), id="field-decided_on")
            yield Static(id="error-decided_on", classes="form-error", markup=False)
            yield Label(_("Reason"), classes="form-label", markup=False)
            yield Input("", id="field-reason")
            yield Static(id="error-reason", classes="form-error", markup=False)
            with Horizontal(classes="form-buttons"):
                yield Button(_("Save  ctrl+s"), variant="primary", id="renewal-save")
                yield Button(_("Cancel  esc"), id="renewal-cancel")

    def on_mount(self) -> None:
        for name in DECISION_FIELDS:
            self.query_one(f"#error-{name}", Static).display = False
        # The new ARR is what a renewal most often needs typed (its text is selected, so
        # typing replaces it); shift+tab reaches the outcome.
        self.set_focus(self.query_one("#field-arr_after", Input), scroll_visible=False)

    def _value(self, name: str) -> str:
        return self.query_one(f"#field-{name}", Input).value

    def _show_errors(self, errors: dict[str, str]) -> None:
        for name in DECISION_FIELDS:
            box = self.query_one(f"#error-{name}", Static)
            box.display = name in errors
            box.update("⚠ " + errors.get(name, ""))
        # The first field in error takes the focus, its message in view (at 80×24 the
        # reason's was below the fold and ctrl+s seemed to do nothing).
        first = next((name for name in DECISION_FIELDS if name in errors), None)
        if first is not None:
            self.query_one(f"#field-{first}").focus()
            self.call_after_refresh(self.query_one(f"#error-{first}", Static).scroll_visible)

    def action_save(self) -> None:
        from csm_tui.store.renewals import RenewalRefused, record_decision

        ws = self.workspace
        errors: dict[str, str] = {}
        outcome = RenewalOutcome(str(self.query_one("#field-outcome", Select).value))
        arr = None
        if outcome is not RenewalOutcome.CHURNED:  # a churn's ARR is 0, whatever is typed
            try:
                arr = _amount(self._value("arr_after"))
            except ValueError:
                errors["arr_after"] = _("an amount like 120000, 120k or 1.2m")
        days: dict[str, date | None] = {}
        for name in ("term_end", "decided_on"):
            text = self._value(name)
            try:
                days[name] = parse_due(text, ws.today()) if text.strip() else None
            except DueDateError as error:
                errors[name] = str(error)
        draft = RenewalDraft(
            outcome=outcome,
            decided_on=days.get("decided_on") or ws.today(),
            arr_after=None if outcome is RenewalOutcome.CHURNED else arr,  # churn: ARR 0
            term_end=days.get("term_end") if outcome is not RenewalOutcome.CHURNED else None,
            reason=self._value("reason"),
        )
        if errors:
            # The rest of the form's problems too, in the same round (a churn's missing
            # reason was told only once the dates read): what did read, checked as saving
            # would — a term end is not judged against a decision day that did not read.
            try:
                decide(draft, self.arr, self.stage)
            except RenewalInvalid as more:
                for name, words in more.errors.items():
                    if not (name == "term_end" and "decided_on" in errors):
                        errors.setdefault(name, words)
            self._show_errors(errors)
            return
        try:
            done = record_decision(ws.conn, self.account_id, draft, ws.settings.tier_rules,
                                   author_id=ws.meta("me"), now=ws.now())  # fmt: skip
        except RenewalInvalid as error:
            self._show_errors(error.errors)
            return
        except RenewalRefused as error:
            self.notify(str(error), severity="error")
            return
        self.dismiss(done)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#renewal-save")
    def _save(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#renewal-cancel")
    def _cancel(self) -> None:
        self.action_cancel()


AUTO = "auto"
TIER_FIELDS = ("tier", "because", "note")


class TierFormScreen(ModalScreen["OverrideSet | None"]):
    """Place the account in a tier whatever its ARR says, with a reason; or back to auto."""

    BINDINGS = [
        Binding("ctrl+s", "save", N_("Save"), id="tier.save"),
        Binding("escape", "cancel", N_("Cancel"), id="tier.cancel"),
    ]

    def __init__(self, workspace: Workspace, account_id: str) -> None:
        super().__init__()
        self.workspace = workspace
        self.account_id = account_id
        row = workspace.conn.execute(
            "SELECT name, tier, tier_override, tier_override_reason, tier_override_note, "
            "is_reference FROM accounts WHERE id = ?",
            (account_id,),
        ).fetchone()
        self.name_, self.tier = row[0], row[1]
        self.override, self.reason, self.note = row[2], row[3], row[4] or ""
        self.is_reference = bool(row[5])

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="tier-form", classes="form"):
            yield Static(
                _("Tier — {name} · now {tier}").format(
                    name=safe_text(self.name_), tier=tier_label(Tier(self.tier))
                ),
                classes="form-title",
                markup=False,
            )
            yield Label(_("Tier"), classes="form-label", markup=False)
            yield Select(
                [(_("Auto (by ARR)"), AUTO), *((tier_label(t), t.value) for t in Tier)],
                value=self.override or AUTO,
                allow_blank=False,
                id="field-tier",
            )
            yield Static(id="error-tier", classes="form-error", markup=False)
            yield Label(_("Because"), classes="form-label", markup=False)
            yield Select(
                [(override_reason_label(r), r.value) for r in OverrideReason],
                value=self.reason or OverrideReason.OTHER.value,
                allow_blank=False,
                id="field-because",
            )
            yield Static(id="error-because", classes="form-error", markup=False)
            yield Label(_("Reason (required)"), classes="form-label", markup=False)
            yield Input(self.note, id="field-note")
            yield Static(id="error-note", classes="form-error", markup=False)
            yield Checkbox(
                _("Reference / flagship customer (a criterion of the tier rules)"),
                self.is_reference,
                id="field-reference",
            )
            with Horizontal(classes="form-buttons"):
                yield Button(_("Save  ctrl+s"), variant="primary", id="tier-save")
                yield Button(_("Cancel  esc"), id="tier-cancel")

    def on_mount(self) -> None:
        for name in TIER_FIELDS:
            self.query_one(f"#error-{name}", Static).display = False
        self.set_focus(self.query_one("#field-tier", Select), scroll_visible=False)

    def action_save(self) -> None:
        from csm_tui.store.renewals import TierOverrideInvalid, set_reference, set_tier_override

        ws = self.workspace
        reference = self.query_one("#field-reference", Checkbox).value
        chosen = str(self.query_one("#field-tier", Select).value)
        tier = None if chosen == AUTO else Tier(chosen)
        because = OverrideReason(str(self.query_one("#field-because", Select).value))
        note = self.query_one("#field-note", Input).value
        box = self.query_one("#error-note", Static)
        if tier is not None and not note.strip():
            box.display = True
            box.update(_("⚠ say why this account is in another tier than its ARR says"))
            return
        unchanged = (tier.value if tier else None) == self.override and (
            tier is None or (because.value, note.strip()) == (self.reason, self.note)
        )
        if unchanged and reference == self.is_reference:
            self.dismiss(None)
            return
        rules = ws.settings.tier_rules
        try:
            done = None
            if reference != self.is_reference:
                done = set_reference(ws.conn, self.account_id, reference, rules, now=ws.now())
            if not unchanged:
                done = set_tier_override(ws.conn, self.account_id, tier, because, note, rules,
                                         author_id=ws.meta("me"), now=ws.now(),
                                         today=ws.today())  # fmt: skip
        except TierOverrideInvalid as error:
            box.display = True
            box.update("⚠ " + str(error))
            return
        self.dismiss(done)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#tier-save")
    def _save(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#tier-cancel")
    def _cancel(self) -> None:
        self.action_cancel()
