"""Log activity: a form that opens pre-filled, validates inline, saves locally at once.

Nothing typed is lost on an error: the form stays open with every field as it was and the
message beside the field it concerns.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, SelectionList, Static, TextArea
from textual.widgets.select import InvalidSelectValueError

from csm_tui.domain.activity_form import ActivityDraft, FieldError, validate_activity
from csm_tui.domain.dates import parse_when
from csm_tui.domain.language.verb_options import DEFAULT_MINUTES
from csm_tui.domain.records import ActivityKind, Sentiment
from csm_tui.domain.text import safe_text
from csm_tui.i18n import N_, _
from csm_tui.store.activity_log import (
    ActivityInvalid,
    ActivityNotEditable,
    ActivityRecord,
    LoggedActivity,
    edit_activity,
    last_contacts,
    log_activity,
)
from csm_tui.store.contacts import load_contacts
from csm_tui.ui.drafts import DraftKeeping
from csm_tui.ui.labels import kind_label, role_label, sentiment_label
from csm_tui.ui.screens.confirm import ConfirmDiscardScreen
from csm_tui.workspace import Workspace

WHEN_FORMAT = "%Y-%m-%d %H:%M"
WHEN_HINT = N_("now · today 14:30 · yesterday 9:00 · 2026-11-20 10:00")
NEXT_STEPS_LABEL = N_('Next steps (a date makes a task: "send deck by next tue")')
NEXT_STEPS_HINT = N_("follow up in 3 days")
FIELDS = ("kind", "occurred_at", "minutes", "contact_ids", "summary", "next_steps", "sentiment")


@dataclass(frozen=True)
class LogResult:
    logged: LoggedActivity
    kind: ActivityKind
    edited: bool


class LogActivityScreen(ModalScreen[LogResult | None]):
    """The activity form; `editing` re-opens the last log with its content."""

    app = getters.app(DraftKeeping)

    BINDINGS = [
        # not priority: Save must wait for the keys already typed into the fields
        Binding("ctrl+s", "save", N_("Save"), id="log.save"),
        Binding("escape", "cancel", N_("Cancel"), id="log.cancel"),
    ]

    def __init__(
        self,
        workspace: Workspace,
        account_id: str,
        account_name: str,
        kind: ActivityKind = ActivityKind.CALL,
        editing: ActivityRecord | None = None,
        prefill: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.workspace = workspace
        self.account_id = account_id
        self.account_name = account_name
        self.kind = editing.kind if editing else kind
        self.editing = editing
        self.prefill = prefill
        self._as_opened: dict[str, Any] = {}
        self._errors_were_for: dict[str, Any] = {}  # the fields as they were when checked

    # -- building ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        ws = self.workspace
        contacts = load_contacts(ws.conn, self.account_id)
        chosen = set(
            self.editing.contact_ids if self.editing else last_contacts(ws.conn, self.account_id)
        )
        record = self.editing
        when = (record.occurred_at if record else ws.now()).astimezone(ws.zone)
        with VerticalScroll(id="log-form"):
            yield Static(self._title(), id="log-title", markup=False)
            with Horizontal(classes="form-row"):
                yield Label(_("Type"), classes="form-label", id="label-kind", markup=False)
                yield Select(
                    [(kind_label(k), k.value) for k in ActivityKind],
                    value=self.kind.value,
                    allow_blank=False,
                    id="field-kind",
                )
                yield Label(
                    _("Sentiment"), classes="form-label", id="label-sentiment", markup=False
                )
                yield Select(
                    [(sentiment_label(s).capitalize(), s.value) for s in Sentiment],
                    value=(record.sentiment if record else Sentiment.NEUTRAL).value,
                    allow_blank=False,
                    id="field-sentiment",
                )
            yield Static(id="error-kind", classes="form-error", markup=False)
            yield Static(id="error-sentiment", classes="form-error", markup=False)
            with Horizontal(classes="form-row"):
                yield Label(_("When"), classes="form-label", id="label-occurred_at", markup=False)
                yield Input(
                    when.strftime(WHEN_FORMAT),
                    id="field-occurred_at",
                    placeholder=_(WHEN_HINT),
                )
                yield Label(_("Minutes"), classes="form-label", id="label-minutes", markup=False)
                yield Input(
                    str(record.minutes if record else DEFAULT_MINUTES[self.kind]),
                    id="field-minutes",
                    type="integer",
                )
            yield Static(id="error-occurred_at", classes="form-error", markup=False)
            yield Static(id="error-minutes", classes="form-error", markup=False)
            yield Label(_("Contacts"), classes="form-label", id="label-contact_ids", markup=False)
            yield SelectionList[str](
                *[
                    # Content, not a str: a name is never read as markup
                    (Content(f"{safe_text(c.name)} · {role_label(c.role)}"), c.id, c.id in chosen)
                    for c in contacts
                ],
                id="field-contact_ids",
            )
            yield Static(id="error-contact_ids", classes="form-error", markup=False)
            yield Label(_("Summary"), classes="form-label", id="label-summary", markup=False)
            yield TextArea(record.summary if record else "", id="field-summary", soft_wrap=True)
            yield Static(id="error-summary", classes="form-error", markup=False)
            yield Label(
                _(NEXT_STEPS_LABEL), classes="form-label", id="label-next_steps", markup=False
            )
            yield Input(
                record.next_steps if record else "",
                id="field-next_steps",
                placeholder=_(NEXT_STEPS_HINT),
            )
            yield Static(id="error-next_steps", classes="form-error", markup=False)
            with Horizontal(id="log-buttons"):
                yield Button(_("Save  ctrl+s"), variant="primary", id="log-save")
                yield Button(_("Cancel  esc"), id="log-cancel")

    def _title(self) -> str:
        verb = _("Edit the last log") if self.editing else _("Log activity")
        return f"{verb} — {safe_text(self.account_name)}"

    def retranslate(self) -> None:
        """The language changed: labels, choices and buttons in it; what is typed stays."""
        self.query_one("#log-title", Static).update(self._title())
        for name, words in (
            ("kind", N_("Type")),
            ("sentiment", N_("Sentiment")),
            ("occurred_at", N_("When")),
            ("minutes", N_("Minutes")),
            ("contact_ids", N_("Contacts")),
            ("summary", N_("Summary")),
            ("next_steps", NEXT_STEPS_LABEL),
        ):
            self.query_one(f"#label-{name}", Label).update(_(words))
        kind = self.query_one("#field-kind", Select)
        chosen = kind.value
        kind.set_options([(kind_label(k), k.value) for k in ActivityKind])
        kind.value = chosen
        kind.mutate_reactive(type(kind).value)  # the same value: show its new words anyway
        sentiment = self.query_one("#field-sentiment", Select)
        chosen = sentiment.value
        sentiment.set_options([(sentiment_label(s).capitalize(), s.value) for s in Sentiment])
        sentiment.value = chosen
        sentiment.mutate_reactive(type(sentiment).value)
        self.query_one("#field-occurred_at", Input).placeholder = _(WHEN_HINT)
        self.query_one("#field-next_steps", Input).placeholder = _(NEXT_STEPS_HINT)
        self.query_one("#log-save", Button).label = _("Save  ctrl+s")
        self.query_one("#log-cancel", Button).label = _("Cancel  esc")

    def on_mount(self) -> None:
        for name in FIELDS:
            self.query_one(f"#error-{name}", Static).display = False
        self._as_opened = self._fields()
        if self.prefill:
            self._fill(self.prefill)
        self.app.hold_draft(self)
        # focus now: keys typed as soon as the form shows belong in the summary — in view
        # once laid out (at 80×24 it is below the fold, and typing there went unseen)
        summary = self.query_one("#field-summary", TextArea)
        self.set_focus(summary, scroll_visible=False)
        self.call_after_refresh(summary.scroll_visible, animate=False)

    def on_unmount(self) -> None:
        self.app.release_draft(self)

    # -- what is typed -------------------------------------------------------------------

    def _fields(self) -> dict[str, Any]:
        """Every field as typed, in plain values (what a draft keeps)."""
        return {
            "kind": str(self.query_one("#field-kind", Select).value),
            "sentiment": str(self.query_one("#field-sentiment", Select).value),
            "occurred_at": self.query_one("#field-occurred_at", Input).value,
            "minutes": self.query_one("#field-minutes", Input).value,
            "contact_ids": list(self.query_one("#field-contact_ids", SelectionList).selected),
            "summary": self.query_one("#field-summary", TextArea).text,
            "next_steps": self.query_one("#field-next_steps", Input).value,
        }

    def _fill(self, fields: dict[str, Any]) -> None:
        """Put a kept draft back in the fields (values that no longer fit are skipped)."""
        for name in ("kind", "sentiment"):
            select = self.query_one(f"#field-{name}", Select)
            with contextlib.suppress(InvalidSelectValueError):
                select.value = str(fields.get(name, select.value))
        for name in ("occurred_at", "minutes", "next_steps"):
            if isinstance(fields.get(name), str):
                self.query_one(f"#field-{name}", Input).value = fields[name]
        if isinstance(fields.get("summary"), str):
            self.query_one("#field-summary", TextArea).text = fields["summary"]
        contacts = self.query_one("#field-contact_ids", SelectionList)
        wanted = set(fields.get("contact_ids") or ())
        contacts.deselect_all()
        for index in range(contacts.option_count):
            if contacts.get_option_at_index(index).value in wanted:
                contacts.select(contacts.get_option_at_index(index).value)

    def unsaved_draft(self) -> dict[str, Any] | None:
        """What is typed and not saved; None when the form is as it opened."""
        if not self.is_mounted:
            return None
        fields = self._fields()
        if fields == self._as_opened:
            return None
        return {
            "kind": "log",
            "account_id": self.account_id,
            "account_name": self.account_name,
            "editing": self.editing.id if self.editing else None,
            "fields": fields,
        }

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed)
    @on(SelectionList.SelectedChanged)
    def _field_changed(
        self,
        event: Input.Changed
        | TextArea.Changed
        | Select.Changed
        | SelectionList.SelectedChanged[str],
    ) -> None:
        """A field edited after a failed save no longer shows its old error."""
        name = (event.control.id or "").removeprefix("field-")
        if name in FIELDS and self._fields().get(name) != self._errors_were_for.get(name):
            self.query_one(f"#error-{name}", Static).display = False

    @on(Select.Changed, "#field-kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        """A new type brings its usual length, unless the user typed one."""
        if self.editing is not None or event.value is Select.BLANK:
            return
        minutes = self.query_one("#field-minutes", Input)
        old = DEFAULT_MINUTES[self.kind]
        self.kind = ActivityKind(str(event.value))
        if minutes.value.strip() in ("", str(old)):
            minutes.value = str(DEFAULT_MINUTES[self.kind])

    # -- saving --------------------------------------------------------------------------

    def _draft(self) -> tuple[ActivityDraft | None, list[FieldError]]:
        errors: list[FieldError] = []
        ws = self.workspace
        when_text = self.query_one("#field-occurred_at", Input).value
        try:
            occurred_at = parse_when(when_text, ws.now().astimezone(ws.zone))
        except ValueError as exc:
            errors.append(FieldError("occurred_at", str(exc)))
            occurred_at = ws.now()
        minutes_text = self.query_one("#field-minutes", Input).value.strip()
        minutes: int | None = None
        if minutes_text:
            try:
                minutes = int(minutes_text)
            except ValueError:
                errors.append(FieldError("minutes", _("minutes must be a whole number")))
        kind = ActivityKind(str(self.query_one("#field-kind", Select).value))
        sentiment = Sentiment(str(self.query_one("#field-sentiment", Select).value))
        draft = ActivityDraft(
            account_id=self.account_id,
            kind=kind,
            occurred_at=occurred_at,
            minutes=minutes,
            contact_ids=tuple(self.query_one("#field-contact_ids", SelectionList).selected),
            summary=self.query_one("#field-summary", TextArea).text,
            next_steps=self.query_one("#field-next_steps", Input).value,
            sentiment=sentiment,
        )
        if errors:
            # The rest of the form's problems too, in the same round (an empty summary was
            # told only once the date read): what did read, checked as saving would.
            failed = {e.field for e in errors}
            errors += [e for e in validate_activity(draft, ws.now()) if e.field not in failed]
            errors.sort(key=lambda e: FIELDS.index(e.field) if e.field in FIELDS else len(FIELDS))
        return (None if errors else draft), errors

    def _show_errors(self, errors: list[FieldError]) -> None:
        self._errors_were_for = self._fields()
        by_field: dict[str, list[str]] = {}
        for error in errors:
            by_field.setdefault(error.field if error.field in FIELDS else "summary", []).append(
                error.message
            )
        for name in FIELDS:
            box = self.query_one(f"#error-{name}", Static)
            messages = by_field.get(name)
            box.display = bool(messages)
            box.update("⚠ " + "; ".join(messages) if messages else "")
        if errors:
            first = next(e.field for e in errors)
            target = self.query(f"#field-{first}")
            if target:
                target.first().focus()

    def action_save(self) -> None:
        draft, errors = self._draft()
        if draft is None:
            self._show_errors(errors)
            return
        ws = self.workspace
        me = ws.meta("me")
        if me is None:
            self._show_errors(
                [
                    FieldError(
                        "summary",
                        _("this cache does not know who you are: run csm-tui login first"),
                    )
                ]
            )
            return
        try:
            if self.editing is not None:
                logged = edit_activity(
                    ws.conn, self.editing.id, draft, me, ws.now(), ws.settings.tier_rules
                )
            else:
                logged = log_activity(ws.conn, draft, me, ws.now(), ws.settings.tier_rules)
        except ActivityInvalid as exc:
            self._show_errors(exc.errors)
            return
        except ActivityNotEditable as exc:
            self._show_errors([FieldError("summary", _("cannot edit: {why}").format(why=exc))])
            return
        self.dismiss(LogResult(logged, draft.kind, self.editing is not None))

    def action_cancel(self) -> None:
        """Close the form; typed text is thrown away only when the user says so."""
        if self.unsaved_draft() is None:
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmDiscardScreen(N_("Throw away this log?")), answered)

    @on(Button.Pressed, "#log-save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#log-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()


def describe(result: LogResult) -> str:
    """The confirmation a CSM reads after saving."""
    kind = kind_label(result.kind).lower()
    text = (_("Updated {kind}") if result.edited else _("Logged {kind}")).format(kind=kind)
    if result.logged.task_title:
        due = result.logged.task_due_on
        text += _(" · task “{title}”").format(title=result.logged.task_title) + (
            _(" due {day}").format(day=due.isoformat()) if due else ""
        )
    if result.logged.health_score is not None:
        text += _(" · health {score}").format(score=result.logged.health_score)
    return text + _(" · ctrl+z undoes")
